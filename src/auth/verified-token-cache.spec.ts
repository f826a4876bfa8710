import { Principal } from './principal';
import { VerifiedTokenCache } from './verified-token-cache';

const principal: Principal = { sub: 'planner@northwind', partnerId: 'supplier-northwind', roles: ['partner'], purpose: null };
const options = { max: 3, ttlMs: 60_000, clockToleranceS: 30, maxAgeS: 86_400 };
const t0 = 1_800_000_000_000;

describe('VerifiedTokenCache', () => {
  it('answers a token verified before under the same key set', () => {
    const cache = new VerifiedTokenCache(options);
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600, iat: t0 / 1000 }, 1, t0);
    expect(cache.get('a.b.c', 1, t0 + 1000)).toEqual(principal);
    expect(cache.get('a.b.x', 1, t0 + 1000)).toBeUndefined();
  });

  it('never outlives the token: exp plus the clock tolerance', () => {
    const cache = new VerifiedTokenCache(options);
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 10, iat: t0 / 1000 }, 1, t0);
    expect(cache.get('a.b.c', 1, t0 + 39_000)).toEqual(principal);
    expect(cache.get('a.b.c', 1, t0 + 40_000)).toBeUndefined();
  });

  it('never outlives the maximum token age counted from iat', () => {
    const cache = new VerifiedTokenCache({ ...options, maxAgeS: 20 });
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600, iat: t0 / 1000 }, 1, t0);
    expect(cache.get('a.b.c', 1, t0 + 49_000)).toEqual(principal);
    expect(cache.get('a.b.c', 1, t0 + 50_000)).toBeUndefined();
  });

  it('keeps an entry no longer than its own TTL', () => {
    const cache = new VerifiedTokenCache({ ...options, ttlMs: 5_000 });
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    expect(cache.get('a.b.c', 1, t0 + 5_000)).toBeUndefined();
  });

  it('forgets every entry verified under another key set', () => {
    const cache = new VerifiedTokenCache(options);
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    expect(cache.get('a.b.c', 2, t0 + 1)).toBeUndefined();
    expect(cache.get('a.b.c', 1, t0 + 1)).toBeUndefined();
  });

  it('is bounded: the least recently used entry goes first', () => {
    const cache = new VerifiedTokenCache(options);
    for (const t of ['t1', 't2', 't3']) cache.set(t, principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    cache.get('t1', 1, t0);
    cache.set('t4', principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    expect(cache.size).toBe(3);
    expect(cache.get('t2', 1, t0)).toBeUndefined();
    expect(cache.get('t1', 1, t0)).toEqual(principal);
  });

  it('is off with a TTL of 0', () => {
    const cache = new VerifiedTokenCache({ ...options, ttlMs: 0 });
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    expect(cache.get('a.b.c', 1, t0)).toBeUndefined();
  });
});

describe('VerifiedTokenCache and a key set due for refetch', () => {
  it('neither answers nor keeps tokens while the key set is stale', () => {
    const cache = new VerifiedTokenCache(options);
    cache.set('a.b.c', principal, { exp: t0 / 1000 + 3600 }, 1, t0);
    expect(cache.get('a.b.c', -1, t0)).toBeUndefined();
    cache.set('d.e.f', principal, { exp: t0 / 1000 + 3600 }, -1, t0);
    expect(cache.get('d.e.f', 1, t0)).toBeUndefined();
  });
});
