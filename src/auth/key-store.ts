import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { calculateJwkThumbprint, createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, generateKeyPair, importJWK, JWK, KeyLike } from 'jose';

export type KeyResolver = ReturnType<typeof createLocalJWKSet>;

export interface SigningKey {
  kid: string;
  alg: 'RS256';
  privateKey: KeyLike | Uint8Array;
  publicJwk: JWK;
}

/**
 * The embedded key pair: created under DATA_DIR/keys on first use, published as JWKS and used
 * by `npm run token`. Production points JWT_JWKS_URL at the identity provider instead.
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<SigningKey> {
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'signing-key.jwk.json');
  if (!existsSync(file)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const jwk = await exportJWK(privateKey);
    jwk.kid = await calculateJwkThumbprint(jwk);
    jwk.alg = 'RS256';
    jwk.use = 'sig';
    try {
      writeFileSync(file, JSON.stringify(jwk), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK;
  const { d, p, q, dp, dq, qi, ...publicJwk } = jwk;
  void d;
  void p;
  void q;
  void dp;
  void dq;
  void qi;
  return { kid: jwk.kid as string, alg: 'RS256', privateKey: await importJWK(jwk, 'RS256'), publicJwk };
}

export function localKeyResolver(publicJwks: JWK[]): KeyResolver {
  return createLocalJWKSet({ keys: publicJwks });
}

export interface RemoteKeySetOptions {
  /** After a fetch, an unknown kid triggers no new fetch for this long (ms). */
  cooldownMs?: number;
  /** Keys are refetched once the last fetch is this old (ms): a removed key stops verifying then. */
  cacheMaxAgeMs?: number;
  /** A fetch, connection to last byte, takes at most this long (ms). */
  timeoutMs?: number;
}

/** The remote key set cannot be reached or answered nothing usable: verification cannot happen (503, not 401). */
export class KeySetUnavailableError extends Error {}

/**
 * Keys from the identity provider's JWKS (JWT_JWKS_URL), cached and refetched by jose. Only the
 * configured URL is ever fetched: nothing in a token (jku, x5u, jwk) chooses where keys come from.
 * jose's own timeout covers the wait for the response headers only, so a key set server that
 * sends headers and then trickles its body would hold every verification waiting on that fetch;
 * the agent below ends each fetch's socket at an absolute deadline.
 */
export function remoteKeyResolver(url: string, options: RemoteKeySetOptions = {}): KeyResolver {
  const timeoutMs = options.timeoutMs ?? 2_000;
  const target = new URL(url);
  const set = createRemoteJWKSet(target, {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: timeoutMs,
    agent: deadlineAgent(target.protocol === 'https:', timeoutMs),
  });
  let generation = 0;
  let seen = '';
  const resolver = async (header: Parameters<KeyResolver>[0], token: Parameters<KeyResolver>[1]) => {
    try {
      return await set(header, token);
    } catch (e) {
      if (e instanceof errors.JWKSTimeout) throw e;
      // A plain JOSEError is jose's "not 200 OK" or "not JSON" of the fetch; anything not jose's is the network.
      if (!(e instanceof errors.JOSEError) || e.constructor === errors.JOSEError) {
        throw new KeySetUnavailableError(`the key set at ${target.origin}${target.pathname} cannot be fetched`);
      }
      throw e;
    } finally {
      // Whether or not this token's key was found, a refetched key set that differs ends every
      // verification made under the one before.
      const now = JSON.stringify(set.jwks() ?? null);
      if (now !== seen) {
        seen = now;
        generation += 1;
      }
    }
  };
  // A key set past its cache age is to be fetched again: until then no earlier verification holds.
  return Object.assign(resolver, { generation: () => (set.fresh ? generation : STALE_KEY_SET) });
}

export const STALE_KEY_SET = -1;

/** Which key set a verification ran under: it changes when a refetched remote key set differs. */
export function keySetGeneration(resolver: KeyResolver): number {
  return (resolver as KeyResolver & { generation?: () => number }).generation?.() ?? 0;
}

/** An agent whose sockets (one per fetch, no keep-alive) are destroyed at an absolute deadline. */
function deadlineAgent(tls: boolean, deadlineMs: number): HttpAgent {
  const Base = tls ? HttpsAgent : HttpAgent;
  const agent = new Base({ keepAlive: false, maxSockets: 4 }) as HttpAgent & { createConnection: (...args: unknown[]) => Socket };
  const create = agent.createConnection.bind(agent);
  agent.createConnection = (...args: unknown[]) => {
    const socket = create(...args);
    const timer = setTimeout(() => socket.destroy(new Error('key set fetch deadline exceeded')), deadlineMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
    return socket;
  };
  return agent;
}
