import { HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ErrorCode, GatewayError } from '../common/gateway-error';
import { isDatabaseUnavailable } from '../common/database-unavailable';
import { bodyNotRead } from './client-aborted';

const logger = new Logger('Errors');

const CODE_BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** Turns anything thrown into the gateway's one error shape; unknown errors become a bare 500. */
export function toGatewayError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  if (error instanceof ThrottlerException) {
    return new GatewayError(429, 'RATE_LIMITED', 'Too many requests', { detail: 'Your request quota is used up; retry after the indicated time.' });
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const body = error.getResponse();
    const message = typeof body === 'object' && body && 'message' in body ? body.message : error.message;
    const messages = Array.isArray(message) ? message.map(String) : [String(message)];
    if (status === 400) return GatewayError.validation(messages);
    const code = CODE_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL' : 'VALIDATION_FAILED');
    return new GatewayError(
      status,
      code,
      HttpStatus[status]
        ?.replace(/_/g, ' ')
        .toLowerCase()
        .replace(/^\w/, (c) => c.toUpperCase()) ?? 'Error',
      {
        detail: status === 404 ? 'No such resource.' : messages.join('; '),
      },
    );
  }
  const e = error as { code?: string; message?: string; status?: number; type?: string; driverError?: { code?: string } };
  if (e?.type === 'entity.too.large' || e?.status === 413) {
    return new GatewayError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', { detail: 'The request body is larger than the gateway accepts.' });
  }
  // The client closed the connection before its body was read: not a bad request, and no one to answer.
  if (e?.type === 'request.aborted') {
    return bodyNotRead();
  }
  if (e?.type === 'entity.verify.failed' && (e as { invalidUtf8?: boolean }).invalidUtf8) {
    return GatewayError.validation(['the request body is not valid UTF-8']);
  }
  if (e?.type === 'entity.parse.failed') {
    return GatewayError.validation(['the request body is not valid JSON']);
  }
  // Any other refusal of the body parser (unsupported content encoding or charset, a compressed body
  // that does not inflate, an aborted upload) is the client's, never a 500.
  if ((e as { expose?: unknown })?.expose === true && typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    if (e.status === 415) {
      return new GatewayError(415, 'UNSUPPORTED_MEDIA_TYPE', 'Unsupported media type', {
        detail: 'The request body is in an encoding or charset the gateway does not read; send UTF-8 JSON, uncompressed or gzip/deflate/br.',
      });
    }
    return GatewayError.validation(['the request body cannot be read']);
  }
  // PostgreSQL cannot store or compare U+0000 (SQLSTATE 22021): a value the caller sent, not a server fault.
  if (e?.driverError?.code === '22021' || e?.code === '22021') {
    return GatewayError.validation(['a value contains the NUL character (U+0000), which the gateway cannot store or look up']);
  }
  if (isDatabaseUnavailable(error)) {
    logger.warn(`database unavailable: ${e?.message}`);
    return GatewayError.unavailable('The data store is unavailable; no data was returned. Try again shortly.');
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new GatewayError(500, 'INTERNAL', 'Internal error', { detail: 'The gateway failed to answer; the failure was logged.' });
}

export function problemBody(error: GatewayError, instance?: string): Record<string, unknown> {
  return {
    type: `https://gateway.local/problems/${error.code.toLowerCase().replace(/_/g, '-')}`,
    title: error.title,
    status: error.status,
    detail: error.detail,
    code: error.code,
    ...(instance ? { instance } : {}),
    ...error.extra,
  };
}
