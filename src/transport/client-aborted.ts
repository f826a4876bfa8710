import type { NextFunction, Request, Response } from 'express';
import { GatewayError } from '../common/gateway-error';
import { CLIENT_CLOSED_REQUEST } from '../audit/audit-record';

/** The refusal recorded for a request whose client closed the connection before its body was read. */
export function bodyNotRead(): GatewayError {
  return new GatewayError(CLIENT_CLOSED_REQUEST, 'CLIENT_ABORTED', 'Client closed request', {
    detail: 'The client closed the connection before the request body was read.',
  });
}

/**
 * After the body parsers: a request that announced a body, but whose connection closed before the
 * body arrived, is stopped here. The parsers skip such a request without an error, so it would
 * otherwise reach validation with no body and be recorded as a bad request.
 */
export function refuseUnreadBody(req: Request, _res: Response, next: NextFunction): void {
  const announced = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  const gone = req.socket.destroyed || req.readableAborted || req.destroyed;
  if (announced && !req.complete && gone) return next(bodyNotRead());
  next();
}
