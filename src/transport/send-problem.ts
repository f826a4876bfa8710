import type { Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { noteRefusedRequest } from '../audit/refusal-context';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest, matchedRoute } from './gateway-request';
import { problemBody } from './problem';

/** Commits the refusal's audit event, then answers; if the event cannot be written, answers 503. */
export async function sendProblem(audit: AuditService, req: GatewayRequest, res: Response, error: GatewayError): Promise<void> {
  let answer = error;
  const record = req.gateway?.audit;
  if (record && !record.committed) {
    const route = matchedRoute(req);
    if (route) record.operation = `${req.method} ${route}`;
    noteRefusedRequest(record, req.params, req.headers);
    record.fail(error.status, error.code, error.detail, error.extra.fields);
    try {
      await audit.commit(record, error.status);
    } catch {
      answer = GatewayError.unavailable();
    }
  }
  // A stream already under way cannot become a problem document: cut it, so the client sees it broke.
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (answer.status === 429 && !res.getHeader('Retry-After')) res.setHeader('Retry-After', '60');
  if (answer.status === 401) res.setHeader('WWW-Authenticate', 'Bearer'); // RFC 6750, as the GraphQL gate answers
  res
    .status(answer.status)
    .type('application/problem+json')
    .send(JSON.stringify(problemBody(answer, req.originalUrl?.split('?')[0])));
}
