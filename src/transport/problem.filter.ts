import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { AuditService } from '../audit/audit.service';
import { noteRefusedRequest } from '../audit/refusal-context';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest } from './gateway-request';
import { sendProblem } from './send-problem';
import { toGatewayError } from './problem';

/**
 * REST errors become problem+json, after the audit event of the refusal is committed.
 * GraphQL errors are handed back to Apollo, which formats them (see graphql-errors.ts).
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly audit: AuditService) {}

  catch(exception: unknown, host: ArgumentsHost): unknown {
    const error = toGatewayError(exception);
    if (host.getType<string>() === 'graphql') {
      const req = host.getArgByIndex<{ req?: GatewayRequest } | undefined>(2)?.req;
      if (req?.gateway) noteRefusedRequest(req.gateway.audit, host.getArgByIndex<Record<string, unknown> | undefined>(1), req.headers);
      req?.gateway?.audit.fail(error.status, error.code, error.detail, error.extra.fields);
      return error;
    }
    const http = host.switchToHttp();
    return sendProblem(this.audit, http.getRequest<GatewayRequest>(), http.getResponse<Response>(), error);
  }
}

export { GatewayError };
