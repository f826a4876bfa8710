import type { NextFunction, Response } from 'express';
import { AuditService } from '../../audit/audit.service';
import { GatewayError } from '../../common/gateway-error';
import { sealAnswer, SealDialect } from '../audit-seal';
import { GatewayRequest } from '../gateway-request';
import { documentTooLarge } from './graphql-limits';

/**
 * GraphQL callers without a valid token are answered 401 here, before Apollo, after the
 * refusal's audit event is committed. A document over `maxBytes` is refused here too, before
 * anything parses it (the token limit applies while parsing).
 */
export function graphqlGate(audit: AuditService, maxBytes = Number.POSITIVE_INFINITY) {
  return async (req: GatewayRequest, res: Response, next: NextFunction): Promise<void> => {
    const gateway = req.gateway;
    if (gateway?.principal) {
      sealAnswer(audit, gateway.audit, res, GRAPHQL_SEAL);
      const source = (req.body as { query?: unknown } | undefined)?.query ?? (req.query as { query?: unknown } | undefined)?.query;
      const bytes = typeof source === 'string' ? Buffer.byteLength(source, 'utf8') : 0;
      if (bytes > maxBytes) {
        res.status(400).json({ errors: [documentTooLarge(bytes, maxBytes).toJSON()] });
        return;
      }
      return next();
    }
    const error = gateway?.authError ?? new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated', { detail: 'A valid bearer token is required.' });
    let status = error.status;
    let code: string = error.code;
    let message = error.detail;
    if (gateway) {
      gateway.audit.fail(error.status, error.code, error.detail);
      try {
        await audit.commit(gateway.audit, error.status);
      } catch {
        status = 503;
        code = 'SERVICE_UNAVAILABLE';
        message = 'The gateway cannot record this access right now.';
      }
    }
    if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

/**
 * Apollo refuses some requests before any plugin runs (a batched array body, a CSRF-blocked GET or
 * simple content type, a method other than GET/POST, an empty body), so the audit plugin never
 * sees them. The seal holds such an answer back until its audit event is committed, as for every
 * other request; if the event cannot be written the answer becomes a 503.
 */
const GRAPHQL_SEAL: SealDialect = {
  refusal: (_status, chunk) => apolloRefusal(chunk),
  unavailable: () => ({
    contentType: 'application/json; charset=utf-8',
    body: JSON.stringify({
      errors: [{ message: 'The gateway cannot record this access right now; no data was returned.', extensions: { code: 'SERVICE_UNAVAILABLE' } }],
    }),
  }),
};

function apolloRefusal(chunk: unknown): { code: string; message: string } {
  try {
    const body = JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk)) as {
      errors?: Array<{ message?: string; extensions?: { code?: string } }>;
    };
    const first = body.errors?.[0];
    if (first) return { code: String(first.extensions?.code ?? 'BAD_REQUEST'), message: String(first.message ?? 'Bad request') };
  } catch {
    // not JSON: fall through
  }
  return { code: 'BAD_REQUEST', message: 'The GraphQL request was refused before execution.' };
}
