import { randomUUID } from 'node:crypto';
import type { NextFunction, Response } from 'express';
import { AuditRecord, Transport } from '../audit/audit-record';
import { TokenVerifier, unauthenticated } from '../auth/token-verifier.service';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest } from './gateway-request';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** Gives a request its id, opens its audit record and verifies its bearer token (without refusing yet). */
export function requestContextMiddleware(verifier: TokenVerifier, transport: Transport) {
  return async (req: GatewayRequest, res: Response, next: NextFunction): Promise<void> => {
    const incoming = req.headers['x-request-id'];
    req.id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader('X-Request-Id', req.id);
    const operation = transport === 'graphql' ? 'graphql' : `${req.method} ${req.baseUrl}${req.path}`;
    const gateway = { audit: new AuditRecord(req.id, transport, operation), principal: null, authError: null } as GatewayRequest['gateway'] & object;
    req.gateway = gateway;
    if (countHeader(req.rawHeaders, 'authorization') > 1) {
      // Node keeps the first of repeated Authorization headers, a proxy in front may use the last:
      // an ambiguous credential is no credential.
      gateway.authError = unauthenticated();
    } else if (req.headers.authorization !== undefined) {
      try {
        gateway.principal = await verifier.verifyAuthorization(req.headers.authorization);
        gateway.audit.principal = gateway.principal;
      } catch (e) {
        gateway.authError = e instanceof GatewayError ? e : new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated');
      }
    }
    next();
  };
}

function countHeader(raw: string[] | undefined, name: string): number {
  let n = 0;
  for (let i = 0; i < (raw?.length ?? 0); i += 2) if (raw![i].toLowerCase() === name) n++;
  return n;
}
