import { RATE_LIMIT_STORAGE } from '../../rate-limit/rate-limit-storage';
import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { Response } from 'express';
import { PUBLIC_KEY } from '../../auth/auth.decorators';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { requestOf } from '../gateway-request';
import { DEFAULT_LIMITS } from '../../policy/policy-document';
import { PolicyService } from '../../policy/policy.service';

const WINDOW_MS = 60_000;

/**
 * "How often" a partner may ask: its policy's limits.requestsPerMinute, counted per partner
 * (not per replica: with REDIS_URL the count lives in Redis). Runs after authentication; a
 * GraphQL request counts once however many fields it resolves. Refusals are audited like any other.
 */
@Injectable()
export class PartnerRateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly policies: PolicyService,
    @Inject(RATE_LIMIT_STORAGE) private readonly storage: ThrottlerStorage,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const req = requestOf(context);
    const gateway = req.gateway;
    const principal = gateway?.principal;
    if (!gateway || !principal?.partnerId || !principal.roles.includes('partner')) return true;
    if (gateway.rateChecked) return true;
    gateway.rateChecked = true;
    // The quota comes from the version this replica last saw in force: a changed limit counts from
    // the next request that reads the version. Reads check that version in their own query; every
    // other operation reads it afresh.
    const lastSeen = this.policies.lastSeen(principal.partnerId);
    const inForce = lastSeen ?? (await this.policies.inForce(principal.partnerId));
    if (lastSeen) gateway.policyLastSeen = lastSeen;
    else gateway.policyInForce = inForce;
    const limit = inForce.document.limits?.requestsPerMinute ?? DEFAULT_LIMITS.requestsPerMinute;
    let record;
    try {
      // Once over the limit, the partner is blocked for a whole window (a short block would hand out
      // a fresh quota every blockDuration, i.e. the limit per second instead of per minute). In
      // memory the count starts afresh when the block ends; the Redis storage keeps counting hits
      // sent during a block, so a client that keeps sending while blocked stays blocked longer.
      record = await this.storage.increment(`${this.config.REDIS_KEY_PREFIX}partner:${principal.partnerId}`, WINDOW_MS, limit, WINDOW_MS, 'partner');
    } catch {
      throw new GatewayError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', { detail: 'Request quotas cannot be checked right now; try again shortly.' });
    }
    const res = req.res as Response | undefined;
    const blocked = record.isBlocked || record.totalHits > limit;
    const resetS = Math.max(1, Math.ceil(blocked && record.timeToBlockExpire > 0 ? record.timeToBlockExpire : record.timeToExpire));
    const remaining = blocked ? 0 : Math.max(0, limit - record.totalHits);
    gateway.quota = { limit, remaining, resetSeconds: resetS };
    res?.setHeader('RateLimit-Limit', String(limit));
    res?.setHeader('RateLimit-Remaining', String(remaining));
    res?.setHeader('RateLimit-Reset', String(resetS));
    res?.setHeader('RateLimit-Policy', `${limit};w=60`);
    if (blocked) {
      res?.setHeader('Retry-After', String(resetS));
      throw new GatewayError(429, 'RATE_LIMITED', 'Too many requests', {
        detail: `Partner '${principal.partnerId}' may send ${limit} requests per minute; retry in ${resetS} s.`,
        extra: { limit, retryAfterSeconds: resetS },
      });
    }
    return true;
  }
}
