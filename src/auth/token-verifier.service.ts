import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { errors, JWK, jwtVerify } from 'jose';
import { AppConfig } from '../config/app-config';
import { GatewayError } from '../common/gateway-error';
import { KeyResolver, keySetGeneration, KeySetUnavailableError, loadOrCreateSigningKey, localKeyResolver, remoteKeyResolver } from './key-store';
import { discoveredKeyResolver } from './oidc-discovery';
import { Principal, Role, ROLES } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';
import { ID_PATTERN } from '../common/partner-id';

export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256', 'EdDSA'];
const BEARER = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/;

/**
 * Header parameters that would name a key or where to fetch one. Keys come only from the configured
 * key set, so a token carrying any of them is refused outright (they could only be an attempt to
 * make a verifier fetch a URL or trust a key the token brings along).
 */
const KEY_SOURCE_HEADERS = ['jku', 'x5u', 'jwk', 'x5c'];

/** Every failure gives the same answer: nothing tells an attacker which check it tripped. */
export const unauthenticated = () => new GatewayError(401, 'UNAUTHENTICATED', 'Unauthenticated', { detail: 'A valid bearer token is required.' });

/** Verifies bearer tokens with jose: asymmetric algorithms only, exp/nbf/iss/aud, keys never taken from the token. */
@Injectable()
export class TokenVerifier implements OnModuleInit {
  private readonly logger = new Logger('TokenVerifier');
  private keys!: KeyResolver;
  private published: JWK[] = [];
  private readonly verified: VerifiedTokenCache;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.verified = new VerifiedTokenCache({
      max: config.JWT_VERIFY_CACHE_MAX,
      ttlMs: config.JWT_VERIFY_CACHE_TTL_S * 1000,
      clockToleranceS: config.JWT_CLOCK_TOLERANCE_S,
      maxAgeS: config.JWT_MAX_AGE_S,
    });
  }

  async onModuleInit(): Promise<void> {
    const remote = {
      cooldownMs: this.config.JWT_JWKS_COOLDOWN_MS,
      cacheMaxAgeMs: this.config.JWT_JWKS_CACHE_MAX_AGE_MS,
      timeoutMs: this.config.JWT_JWKS_TIMEOUT_MS,
    };
    if (this.config.JWT_JWKS_URL) {
      this.keys = remoteKeyResolver(this.config.JWT_JWKS_URL, remote);
    } else if (this.config.oidcEnabled) {
      const keys = discoveredKeyResolver(this.config.OIDC_ISSUER!, remote);
      // Read the discovery document now; if the issuer cannot be reached, start anyway and answer 503 until it can.
      await keys.discover().catch((e: Error) => this.logger.warn(`OpenID Connect: ${e.message}; tokens are refused (503) until it can be read`));
      this.keys = keys;
    } else {
      const key = await loadOrCreateSigningKey(this.config.DATA_DIR);
      this.published = [key.publicJwk];
      this.keys = localKeyResolver(this.published);
    }
  }

  /** Keys that verify tokens and this gateway's signed audit checkpoints. */
  get keyResolver(): KeyResolver {
    return this.keys;
  }

  /** The JWKS this gateway publishes (empty when keys come from a remote JWKS). */
  get jwks(): { keys: JWK[] } {
    return { keys: this.published };
  }

  /** Returns the principal, or throws 401 (503 when the remote key set cannot be reached). */
  async verifyAuthorization(header: string | undefined): Promise<Principal> {
    if (!header || header.length > this.config.JWT_MAX_TOKEN_BYTES + 7) throw unauthenticated();
    const match = BEARER.exec(header);
    if (!match) throw unauthenticated();
    const generation = keySetGeneration(this.keys);
    const known = this.verified.get(match[1], generation);
    if (known) return known;
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(
        match[1],
        (header, token) => {
          if (KEY_SOURCE_HEADERS.some((h) => h in header)) throw new errors.JWSInvalid('key source header parameters are not accepted');
          // jose's key sets ignore a kid that is not a string and would try every key of the type.
          if ('kid' in header && (typeof header.kid !== 'string' || header.kid.length > 256)) throw new errors.JWSInvalid('kid must be a short string');
          return this.keys(header, token);
        },
        {
          algorithms: ACCEPTED_ALGORITHMS,
          issuer: this.config.oidcEnabled ? this.config.OIDC_ISSUER : this.config.JWT_ISSUER,
          audience: this.config.JWT_AUDIENCE,
          clockTolerance: this.config.JWT_CLOCK_TOLERANCE_S,
          requiredClaims: ['exp', 'sub'],
          ...(this.config.JWT_MAX_AGE_S > 0 ? { maxTokenAge: this.config.JWT_MAX_AGE_S } : {}),
        },
      ));
    } catch (e) {
      if (e instanceof errors.JWKSTimeout || e instanceof KeySetUnavailableError) {
        throw new GatewayError(503, 'SERVICE_UNAVAILABLE', 'Service unavailable', { detail: 'The key set cannot be reached; try again.' });
      }
      throw unauthenticated();
    }
    const principal = this.config.oidcEnabled
      ? toPrincipal(mapIssuerClaims(payload, this.config.OIDC_ROLES_CLAIM, this.config.OIDC_PARTNER_CLAIM))
      : toPrincipal(payload);
    // The generation after the verification: a refetch it caused belongs to this token's key set.
    this.verified.set(match[1], principal, payload, keySetGeneration(this.keys));
    return principal;
  }
}

/** A claim by its name, or else by a dotted path into nested objects (`realm_access.roles`). */
export function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let at: unknown = payload;
  for (const part of name.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at) || !Object.prototype.hasOwnProperty.call(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

/**
 * An OpenID Connect issuer's claims as the gateway's own: roles from `rolesClaim` (an array, or names
 * separated by spaces or commas; names that are not gateway roles, such as the issuer's own, are
 * dropped) and the partner from `partnerClaim`. What is left is checked as any token's claims.
 */
export function mapIssuerClaims(payload: Record<string, unknown>, rolesClaim: string, partnerClaim: string): Record<string, unknown> {
  const raw = claimAt(payload, rolesClaim);
  const names = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  const roles = [...new Set(names.filter((r): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r)))];
  const { roles: _roles, partner_id: _partner, ...rest } = payload;
  void _roles;
  void _partner;
  const partner = claimAt(payload, partnerClaim);
  return { ...rest, roles, ...(partner === undefined || partner === null ? {} : { partner_id: partner }) };
}

export function toPrincipal(payload: Record<string, unknown>): Principal {
  const roles = payload.roles;
  if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 200) throw unauthenticated();
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => (ROLES as readonly string[]).includes(r as string))) {
    throw unauthenticated();
  }
  const partnerId = payload.partner_id;
  if (partnerId !== undefined && (typeof partnerId !== 'string' || !ID_PATTERN.test(partnerId))) throw unauthenticated();
  if (roles.includes('partner') && !partnerId) throw unauthenticated();
  const purpose = payload.purpose;
  if (purpose !== undefined && (typeof purpose !== 'string' || !/^[a-z0-9][a-z0-9._-]{0,63}$/.test(purpose))) throw unauthenticated();
  return {
    sub: payload.sub,
    partnerId: partnerId ?? null,
    roles: [...new Set(roles as Role[])],
    purpose: purpose ?? null,
    expiresAt: typeof payload.exp === 'number' ? payload.exp : undefined,
  };
}
