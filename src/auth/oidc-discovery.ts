import { KeyResolver, KeySetUnavailableError, keySetGeneration, remoteKeyResolver, RemoteKeySetOptions, STALE_KEY_SET } from './key-store';

export interface DiscoveryOptions extends RemoteKeySetOptions {
  /** After a failed discovery, no new attempt for this long (ms); verifications answer 503 meanwhile. */
  retryMs?: number;
  /** Overrides fetch (tests). */
  fetchImpl?: typeof fetch;
}

/** The discovery document's address: the issuer, without a trailing slash, then /.well-known/openid-configuration. */
export function discoveryUrl(issuer: string): string {
  return `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/**
 * Reads the issuer's OpenID Connect discovery document and answers its jwks_uri. The document must
 * name exactly this issuer, and its key set must be served over https (or http when the issuer
 * itself is http, as on a developer's machine); anything else is refused.
 */
export async function discoverJwksUri(issuer: string, timeoutMs: number, fetchImpl: typeof fetch = fetch): Promise<string> {
  const url = discoveryUrl(issuer);
  let doc: unknown;
  try {
    const res = await fetchImpl(url, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`answered ${res.status}`);
    doc = await res.json();
  } catch (e) {
    throw new KeySetUnavailableError(`the discovery document at ${url} cannot be read: ${(e as Error).message}`);
  }
  const { issuer: named, jwks_uri: jwksUri } = (doc ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
  if (named !== issuer)
    throw new KeySetUnavailableError(`the discovery document at ${url} names issuer ${JSON.stringify(named)}, not ${JSON.stringify(issuer)}`);
  if (typeof jwksUri !== 'string') throw new KeySetUnavailableError(`the discovery document at ${url} has no jwks_uri`);
  let keys: URL;
  try {
    keys = new URL(jwksUri);
  } catch {
    throw new KeySetUnavailableError(`the discovery document at ${url} has an invalid jwks_uri`);
  }
  const allowed = new URL(issuer).protocol === 'http:' ? ['https:', 'http:'] : ['https:'];
  if (!allowed.includes(keys.protocol)) throw new KeySetUnavailableError(`the jwks_uri of ${issuer} must be https`);
  return keys.href;
}

/**
 * Keys of an OpenID Connect issuer found through its discovery document. Fails closed: until the
 * document has been read, every verification throws KeySetUnavailableError (503), and a failed read
 * is retried at most once per `retryMs`. Once found, the key set behaves as JWT_JWKS_URL's.
 */
export function discoveredKeyResolver(issuer: string, options: DiscoveryOptions = {}): KeyResolver & { discover(): Promise<string> } {
  const retryMs = options.retryMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let inner: KeyResolver | null = null;
  let pending: Promise<KeyResolver> | null = null;
  let failedAt = -Infinity;
  let lastError: Error | null = null;

  const load = (): Promise<KeyResolver> => {
    if (inner) return Promise.resolve(inner);
    if (pending) return pending;
    if (Date.now() - failedAt < retryMs) return Promise.reject(lastError ?? new KeySetUnavailableError(`the discovery document of ${issuer} cannot be read`));
    pending = discoverJwksUri(issuer, timeoutMs, options.fetchImpl)
      .then((jwksUri) => {
        inner = remoteKeyResolver(jwksUri, options);
        return inner;
      })
      .catch((e: Error) => {
        failedAt = Date.now();
        lastError = e;
        throw e;
      })
      .finally(() => {
        pending = null;
      });
    return pending;
  };

  const resolver = async (header: Parameters<KeyResolver>[0], token: Parameters<KeyResolver>[1]) => (await load())(header, token);
  return Object.assign(resolver, {
    generation: () => (inner ? keySetGeneration(inner) : STALE_KEY_SET),
    discover: async () => {
      await load();
      return issuer;
    },
  });
}
