import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { GatewayRequest, matchedRoute } from '../gateway-request';

/**
 * Names a REST request's audit record by its matched route (`PATCH /api/v1/shipments/:id`) before
 * its handler runs, so a write, whose event is committed with its data inside the handler, carries
 * the route and not the raw path. It refuses nothing: a guard is the first per-route step that knows
 * the route (middleware runs before routing), and a plain call, where an interceptor costs RxJS
 * observables and async resources on every request.
 */
@Injectable()
export class RouteOperationGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<GatewayRequest>();
    const route = matchedRoute(req);
    if (route && req.gateway) req.gateway.audit.operation = `${req.method} ${route}`;
    return true;
  }
}
