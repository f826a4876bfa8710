import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GatewayError } from '../../common/gateway-error';
import { requestOf } from '../gateway-request';
import { PUBLIC_KEY, ROLES_KEY } from '../../auth/auth.decorators';
import { Role } from '../../auth/principal';

/**
 * Every route needs a verified token unless marked @Public, and one of its @Roles.
 * A route with neither marker is refused: new endpoints cannot forget governance.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const req = requestOf(context);
    const gateway = req.gateway;
    if (!gateway?.principal) {
      throw gateway?.authError ?? new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated', { detail: 'A valid bearer token is required.' });
    }
    const roles = this.reflector.getAllAndOverride<Role[]>(ROLES_KEY, targets);
    if (!roles || !roles.some((r) => gateway.principal!.roles.includes(r))) {
      throw new GatewayError(403, 'FORBIDDEN_ROLE', 'Forbidden', {
        detail: roles ? `This operation needs one of the roles: ${roles.join(', ')}.` : 'This operation is not open to callers.',
      });
    }
    return true;
  }
}
