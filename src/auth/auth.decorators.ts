import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { Role } from './principal';

export const PUBLIC_KEY = 'gateway:public';
export const ROLES_KEY = 'gateway:roles';

/** No token needed (health, metrics, JWKS, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The roles that may call a route; the OpenAPI document shows the bearer requirement too. */
export const Roles = (...roles: Role[]) =>
  applyDecorators(
    SetMetadata(ROLES_KEY, roles),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or invalid bearer token (problem+json, code UNAUTHENTICATED)' }),
    ApiForbiddenResponse({ description: `Caller lacks a role among: ${roles.join(', ')}, or the policy refuses` }),
  );
