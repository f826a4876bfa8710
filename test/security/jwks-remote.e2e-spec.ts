import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, KeyLike, SignJWT } from 'jose';
import { expectProblem, expectStatus } from '../support/contract';
import { AUDIENCE, ISSUER, TestGateway } from '../support/test-app';
import { CanaryServer, dbFingerprint, refused } from './support/attack';

jest.setTimeout(180_000);

/**
 * Keys from a remote JWKS (JWT_JWKS_URL, the production setting), served by a JWKS server this
 * test controls: rotation, removal, a flood of unknown kids, and an identity provider that is
 * down, slow, trickling, broken or hostile (OWASP API10:2023 Unsafe Consumption of APIs: the
 * gateway consumes the key set, so its answers are input too). Never a 500; unreachable keys are
 * 503, everything else the same 401.
 */

const COOLDOWN_MS = 1000;
const CACHE_MAX_AGE_MS = 3000;
const TIMEOUT_MS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

type Mode = 'ok' | 'reset' | 'hang' | 'trickle' | 'status500' | 'garbage' | 'invalid' | 'redirect';

interface IdpKey {
  kid: string;
  privateKey: KeyLike;
  jwk: JWK;
}

async function idpKey(alg: 'RS256' | 'ES256' = 'RS256'): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

describe('remote JWKS (JWT_JWKS_URL)', () => {
  let gw: TestGateway;
  let jwks: CanaryServer;
  let canary: CanaryServer;
  let mode: Mode = 'ok';
  let published: JWK[] = [];
  let keyA: IdpKey;
  let keyB: IdpKey;

  const token = (k: IdpKey, alg = 'RS256', kid = k.kid) =>
    new SignJWT({ roles: ['auditor'] })
      .setProtectedHeader({ alg, kid })
      .setSubject('auditor@idp')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(now() + 600)
      .sign(k.privateKey);
  const call = (t: string) => gw.http.get('/api/v1/audit-events/verify').set('Authorization', `Bearer ${t}`);
  const fetches = () => jwks.requests.filter((r) => r.url === '/jwks.json').length;
  /** Waits until the last fetch is older than the cooldown, so an unknown kid may refetch. */
  const pastCooldown = async () => {
    const last = jwks.requests.at(-1)?.at ?? 0;
    const wait = last + COOLDOWN_MS + 50 - Date.now();
    if (wait > 0) await sleep(wait);
  };

  beforeAll(async () => {
    canary = await CanaryServer.start();
    jwks = await CanaryServer.start();
    jwks.handler = (req, res) => {
      switch (mode) {
        case 'ok':
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify({ keys: published }));
          return;
        case 'reset':
          req.socket.destroy();
          return;
        case 'hang':
          return; // never answers
        case 'trickle': {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.write('{"keys":[');
          const t = setInterval(() => {
            if (!res.destroyed) res.write(' ');
            else clearInterval(t);
          }, 50);
          res.on('close', () => clearInterval(t));
          return;
        }
        case 'status500':
          res.statusCode = 500;
          res.end('{"error":"idp down"}');
          return;
        case 'garbage':
          res.end('<html>not json</html>');
          return;
        case 'invalid':
          res.end(JSON.stringify({ keys: 'everything' }));
          return;
        case 'redirect':
          res.statusCode = 302;
          res.setHeader('location', canary.url('/jwks.json'));
          res.end();
          return;
      }
    };
    keyA = await idpKey();
    keyB = await idpKey('ES256');
    published = [keyA.jwk];
    gw = await TestGateway.start({
      JWT_JWKS_URL: jwks.url('/jwks.json'),
      JWT_JWKS_COOLDOWN_MS: String(COOLDOWN_MS),
      JWT_JWKS_CACHE_MAX_AGE_MS: String(CACHE_MAX_AGE_MS),
      JWT_JWKS_TIMEOUT_MS: String(TIMEOUT_MS),
    });
  });
  afterAll(async () => {
    await gw.stop();
    await jwks.stop();
    await canary.stop();
  });

  it('a token of the published key verifies after one fetch; the next uses the cache', async () => {
    const before = fetches();
    expectStatus(await call(await token(keyA)));
    expectStatus(await call(await token(keyA)));
    expect(fetches() - before).toBe(1);
  });

  it('rotation: a new kid verifies after one refetch (not before the cooldown has passed)', async () => {
    published = [keyA.jwk, keyB.jwk];
    const tB = await token(keyB, 'ES256');
    const before = fetches();
    // within the cooldown of the last fetch the unknown kid is not refetched: 401
    if (Date.now() - (jwks.requests.at(-1)?.at ?? 0) < COOLDOWN_MS - 200) {
      const early = await call(tB);
      expectProblem(early, 401, 'UNAUTHENTICATED');
      expect(fetches()).toBe(before);
    }
    await pastCooldown();
    expectStatus(await call(tB));
    expect(fetches() - before).toBe(1);
    expectStatus(await call(tB));
    expect(fetches() - before).toBe(1);
  });

  it('removal: a removed key stops verifying once the cache expires', async () => {
    published = [keyB.jwk];
    const tA = await token(keyA);
    const started = Date.now();
    let status = 200;
    // Polls until the refetch drops the key; the bound only keeps a broken gateway from looping forever.
    while (status === 200 && Date.now() - started < CACHE_MAX_AGE_MS + 30_000) {
      status = (await call(tA)).status;
      if (status === 200) await sleep(200);
    }
    expect(status).toBe(401);
    const { res } = await refused(gw, () => call(tA), 401);
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expectStatus(await call(await token(keyB, 'ES256')));
  });

  it('1,000 tokens with random kids: all 401, at most one refetch per cooldown window', async () => {
    await pastCooldown();
    const attacker = await idpKey();
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => token(attacker, 'RS256', randomUUID())));
    const before = fetches();
    const db = await dbFingerprint(gw);
    const seq = await gw.headSeq();
    const started = Date.now();
    const statuses: number[] = [];
    for (let i = 0; i < tokens.length; i += 25) {
      statuses.push(...(await Promise.all(tokens.slice(i, i + 25).map((t) => call(t)))).map((r) => r.status));
    }
    const elapsed = Date.now() - started;
    expect(new Set(statuses)).toEqual(new Set([401]));
    const refetches = fetches() - before;
    expect(refetches).toBeGreaterThanOrEqual(1);
    expect(refetches).toBeLessThanOrEqual(Math.ceil(elapsed / COOLDOWN_MS) + 1);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(1000);
    expect(new Set(events.map((e) => `${e.decision}/${e.status}`))).toEqual(new Set(['deny/401']));
    expect(await dbFingerprint(gw)).toEqual(db);
  });

  describe('an identity provider that is down, slow or broken: 401 or 503, never 500, and back when it recovers', () => {
    afterEach(async () => {
      mode = 'ok';
      published = [keyA.jwk, keyB.jwk];
      await pastCooldown();
    });

    /** An unknown kid after the cooldown forces a fetch in the given mode. */
    async function duringOutage(m: Mode, allowed: number[]): Promise<void> {
      await pastCooldown();
      mode = m;
      const fresh = await idpKey();
      const seq = await gw.headSeq();
      const res = await call(await token(fresh));
      expect(allowed).toContain(res.status);
      expectProblem(res, res.status, res.status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNAUTHENTICATED');
      // No bound in time here: a fetch that hung would hold this request past the test's own timeout,
      // so an answer at all (503 or 401, audited) is what shows the fetch deadline held.
      const events = await gw.auditSince(seq);
      expect(events.map((e) => `${e.decision}/${e.status}`)).toEqual([res.status === 503 ? 'error/503' : 'deny/401']);
      mode = 'ok';
      published = [keyA.jwk, keyB.jwk, fresh.jwk];
      await pastCooldown();
      expectStatus(await call(await token(fresh)));
    }

    it('connection reset: 503', () => duringOutage('reset', [503]));
    it('no answer at all (hangs): 503 after JWT_JWKS_TIMEOUT_MS', () => duringOutage('hang', [503]));
    it('headers, then a body that trickles forever: 503 at the fetch deadline, not a hung request', () => duringOutage('trickle', [503]));
    it('HTTP 500 from the key set: 503', () => duringOutage('status500', [401, 503]));
    it('not JSON: 401 or 503', () => duringOutage('garbage', [401, 503]));
    it('JSON that is not a key set: 401 or 503', () => duringOutage('invalid', [401, 503]));

    it('a redirect is not followed (the canary it points at receives nothing)', async () => {
      const hits = canary.requests.length;
      await duringOutage('redirect', [401, 503]);
      expect(canary.requests.length).toBe(hits);
    });

    it('the key set server entirely gone: 503', async () => {
      const gone = await TestGateway.start({ JWT_JWKS_URL: 'http://127.0.0.1:9/jwks.json', JWT_JWKS_TIMEOUT_MS: String(TIMEOUT_MS) });
      try {
        const seq = await gone.headSeq();
        const res = await gone.http.get('/api/v1/audit-events/verify').set('Authorization', `Bearer ${await token(keyA)}`);
        expectProblem(res, 503, 'SERVICE_UNAVAILABLE');
        expect((await gone.auditSince(seq)).map((e) => e.decision)).toEqual(['error']);
      } finally {
        await gone.stop();
      }
    });
  });

  describe('a hostile key set cannot lower the bar', () => {
    it('a symmetric (oct) key published under a kid does not make HS256 tokens verify', async () => {
      const secret = Buffer.from('shared-secret-published-by-a-compromised-jwks-000');
      const kid = `oct-${randomUUID()}`;
      published = [keyA.jwk, keyB.jwk, { kty: 'oct', k: secret.toString('base64url'), kid, alg: 'HS256' }];
      await pastCooldown();
      const hs = await new SignJWT({ roles: ['auditor'] })
        .setProtectedHeader({ alg: 'HS256', kid })
        .setSubject('x')
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt()
        .setExpirationTime(now() + 600)
        .sign(secret);
      const { res } = await refused(gw, () => call(hs), 401);
      expectProblem(res, 401, 'UNAUTHENTICATED');
    });

    it('a key published with alg none or with a private part adds no way in', async () => {
      const k = await idpKey();
      published = [keyA.jwk, { ...k.jwk, alg: 'none' }];
      await pastCooldown();
      const head = Buffer.from(JSON.stringify({ alg: 'none', kid: k.kid })).toString('base64url');
      const body = Buffer.from(JSON.stringify({ sub: 'x', roles: ['admin'], iss: ISSUER, aud: AUDIENCE, iat: now(), exp: now() + 60 })).toString('base64url');
      const { res } = await refused(gw, () => call(`${head}.${body}.AA`), 401);
      expectProblem(res, 401, 'UNAUTHENTICATED');
    });
  });
});
