import { ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Request } from 'express';
import { AuditRecord } from '../audit/audit-record';
import { Principal } from '../auth/principal';
import { PolicyInForce } from '../policy/policy.service';
import { GatewayError } from '../common/gateway-error';

/** What the gateway attaches to every audited request. */
export interface GatewayContext {
  audit: AuditRecord;
  principal: Principal | null;
  authError: GatewayError | null;
  /** The partner's policy in force, once looked up for this request. */
  policyInForce?: PolicyInForce;
  /** The version this replica last saw in force, not checked for this request (reads check it in their own query). */
  policyLastSeen?: PolicyInForce;
  rateChecked?: boolean;
  /** The partner's request quota after counting this request (set by the rate limit). */
  quota?: { limit: number; remaining: number; resetSeconds: number };
  /** GraphQL: the operation's type (query, mutation, subscription) once Apollo has resolved it. */
  graphqlOperationType?: string;
}

export type GatewayRequest = Request & { id?: string; gateway?: GatewayContext };

/** One way to reach the HTTP request from a controller or a resolver. */
export function requestOf(context: ExecutionContext): GatewayRequest {
  if (context.getType<string>() === 'graphql') {
    return GqlExecutionContext.create(context).getContext<{ req: GatewayRequest }>().req;
  }
  return context.switchToHttp().getRequest<GatewayRequest>();
}

/**
 * The route a request matched, as called: Express escapes a literal colon in a route path
 * (`shipment-events\\:batch`); audit and metrics name it as the client wrote it.
 */
export function matchedRoute(req: Pick<Request, 'route'>): string | undefined {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path.replace(/\\:/g, ':') : undefined;
}

/** The officer behind a governance request (authenticated: the guard ran before any handler). */
export function officerOf(req: GatewayRequest): { sub: string; audit: AuditRecord } {
  return { sub: req.gateway!.principal!.sub, audit: req.gateway!.audit };
}

export function isAuditedPath(path: string): boolean {
  return path === '/graphql' || path.startsWith('/graphql?') || path === '/api/v1' || path.startsWith('/api/v1/') || path.startsWith('/api/v1?');
}
