import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { STALE_KEY_SET } from './key-store';
import { Principal } from './principal';

export interface VerifiedTokenCacheOptions {
  /** Entries at most; the least recently used one goes first. */
  max: number;
  /** An entry is used at most this long after its verification (ms); 0 turns the cache off. */
  ttlMs: number;
  clockToleranceS: number;
  /** Tokens older than this by `iat` are refused (s); 0: no such bound. */
  maxAgeS: number;
}

interface Entry {
  principal: Principal;
  /** The key set generation the token was verified under: a changed key set invalidates it. */
  generation: number;
  expiresAtMs: number;
}

/**
 * Tokens already verified, keyed by a digest of the whole token. Verifying an RS256 signature costs
 * far more than the rest of a small read, and a partner sends the same token on every request until
 * it expires. An entry never outlives the token (`exp`, and `iat` + JWT_MAX_AGE_S, with the clock
 * tolerance the verifier allows), the cache's own TTL, or the key set it was verified under.
 */
export class VerifiedTokenCache {
  private readonly entries: LRUCache<string, Entry> | null;

  constructor(private readonly options: VerifiedTokenCacheOptions) {
    this.entries = options.ttlMs > 0 && options.max > 0 ? new LRUCache<string, Entry>({ max: options.max }) : null;
  }

  get(token: string, generation: number, nowMs = Date.now()): Principal | undefined {
    if (!this.entries || generation === STALE_KEY_SET) return undefined;
    const key = digest(token);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.generation !== generation || entry.expiresAtMs <= nowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.principal;
  }

  set(token: string, principal: Principal, payload: { exp?: unknown; iat?: unknown }, generation: number, nowMs = Date.now()): void {
    if (!this.entries || generation === STALE_KEY_SET) return;
    const tolerance = this.options.clockToleranceS * 1000;
    let until = nowMs + this.options.ttlMs;
    if (typeof payload.exp === 'number') until = Math.min(until, payload.exp * 1000 + tolerance);
    if (this.options.maxAgeS > 0 && typeof payload.iat === 'number') until = Math.min(until, (payload.iat + this.options.maxAgeS) * 1000 + tolerance);
    if (until <= nowMs) return;
    this.entries.set(digest(token), { principal, generation, expiresAtMs: until });
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
