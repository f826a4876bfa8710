import type { NextFunction, Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { sealAnswer, SealDialect } from './audit-seal';
import { GatewayRequest } from './gateway-request';
import { problemBody } from './problem';

/**
 * REST answers leave only after their audit event is committed (see sealAnswer). Mounted after the
 * request context, which opens the record; guards/route-operation.guard.ts names it by its route. A
 * read's event is committed here; writes and refusals commit theirs earlier and pass.
 */
export function restAuditSeal(audit: AuditService) {
  return (req: GatewayRequest, res: Response, next: NextFunction): void => {
    const record = req.gateway?.audit;
    if (record) sealAnswer(audit, record, res, REST_SEAL);
    next();
  };
}

const REST_SEAL: SealDialect = {
  refusal: (status, chunk) => problemOf(status, chunk),
  unavailable: (res) => ({
    contentType: 'application/problem+json; charset=utf-8',
    body: JSON.stringify(problemBody(GatewayError.unavailable(), res.req.originalUrl?.split('?')[0])),
  }),
};

/** The code and detail of a problem document, or the status alone when the answer is not one. */
function problemOf(status: number, chunk: unknown): { code: string; message: string } {
  try {
    const body = JSON.parse(Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk)) as { code?: unknown; detail?: unknown };
    if (typeof body.code === 'string') return { code: body.code, message: typeof body.detail === 'string' ? body.detail : body.code };
  } catch {
    // not JSON: fall through
  }
  return { code: `HTTP_${status}`, message: `Answered ${status}.` };
}
