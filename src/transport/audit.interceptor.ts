import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { from, mergeMap, Observable } from 'rxjs';
import { AuditService } from '../audit/audit.service';
import { GatewayRequest, matchedRoute } from './gateway-request';

/**
 * A REST answer leaves only after its audit event is committed. Writes commit their event with
 * the data (the record is then already marked committed); reads commit it here.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  constructor(
    private readonly audit: AuditService,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType<string>() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const record = req.gateway?.audit;
    if (!record) return next.handle();
    const route = matchedRoute(req);
    if (route) record.operation = `${req.method} ${route}`;
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? (req.method === 'POST' ? 201 : 200);
    return next.handle().pipe(mergeMap((body: unknown) => from(this.audit.commit(record, status).then(() => body))));
  }
}
