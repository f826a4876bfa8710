import { execFile } from 'node:child_process';
import { createHmac, createPublicKey, JsonWebKey } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createLocalJWKSet, generateKeyPair, JWTPayload, jwtVerify, SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { ADMIN, AUDITOR, bearer, expectOneDenial, expectProblem, expectStatus, GOVERNANCE, gql, NORTHWIND, SWIFTLOG } from './support/contract';
import { AUDIENCE, ISSUER, TestGateway } from './support/test-app';

jest.setTimeout(120_000);

/**
 * Identity (docs/api-guide.md, Tokens; docs/security.md): bearer JWTs verified with jose (asymmetric
 * only, exp/nbf, iss, aud, keys from the gateway's JWKS), the roles, `npm run -s token`, the published
 * JWKS; and the operator endpoints (docs/operations.md: health, metrics, Swagger UI and OpenAPI).
 */

const b64url = (v: object | string) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);
const DATA_URL = '/api/v1/shipments';

describe('identity', () => {
  let gw: TestGateway;
  let kid: string;
  /** The body every refused token gets on DATA_URL. */
  let unauthenticated: Record<string, unknown>;

  /** A token for carrier-swiftlog signed with the gateway's key, with claims and header changed at will. */
  async function forge(
    options: { claims?: JWTPayload; omit?: string[]; header?: Record<string, unknown>; key?: Parameters<SignJWT['sign']>[0] } = {},
  ): Promise<string> {
    const key = await loadOrCreateSigningKey(gw.dataDir);
    const claims: JWTPayload = {
      sub: 'dispatch@swiftlog',
      roles: ['partner'],
      partner_id: 'carrier-swiftlog',
      purpose: 'shipment-execution',
      iss: ISSUER,
      aud: AUDIENCE,
      iat: now(),
      exp: now() + 600,
      ...options.claims,
    };
    for (const c of options.omit ?? []) delete claims[c];
    return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...options.header }).sign(options.key ?? key.privateKey);
  }

  const call = (authorization: string | null, url = DATA_URL) => {
    const req = gw.http.get(url);
    return authorization === null ? req : req.set('Authorization', authorization);
  };

  /** 401 with exactly the body of a request without any token, and one deny audit event. */
  async function expectRefused(authorization: string | null, url = DATA_URL): Promise<void> {
    const seq = await gw.headSeq();
    const res = await call(authorization, url);
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.body).toEqual(unauthenticated);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
    await expectOneDenial(gw, seq, 401);
  }

  beforeAll(async () => {
    gw = await TestGateway.start();
    kid = (await loadOrCreateSigningKey(gw.dataDir)).kid;
    unauthenticated = (await call(null)).body;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('a valid token signed with the embedded key is accepted (the control for every refusal below)', async () => {
    expectStatus(await call(`Bearer ${await forge()}`));
    expectStatus(await call(await bearer(gw, SWIFTLOG)));
  });

  describe('a missing or malformed Authorization header: 401, always the same body', () => {
    it.each([
      ['missing', null],
      ['empty', ''],
      ['Basic', 'Basic ZGlzcGF0Y2g6c2VjcmV0'],
      ['Bearer without a token', 'Bearer '],
      ['a token without the Bearer scheme', 'TOKEN'],
      ['not a JWT', 'Bearer not-a-jwt'],
      ['two segments', 'Bearer abc.def'],
      ['garbage in three segments', 'Bearer abc.def.ghi'],
      ['two tokens', 'Bearer TOKEN TOKEN'],
    ])('%s', async (_, header) => {
      const token = await forge();
      expect(unauthenticated).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
      await expectRefused(header === null ? null : header.replace(/TOKEN/g, token));
    });
  });

  describe('a token that fails verification: 401, the same body', () => {
    const cases: Array<[string, () => Promise<string>]> = [
      ['expired (ttl negative, beyond the clock tolerance)', async () => gw.token({ ...SWIFTLOG, ttl: -600 })],
      ['not yet valid (nbf in the future)', () => forge({ claims: { nbf: now() + 600 } })],
      ['issued in the future (iat beyond tolerance) and not yet valid', () => forge({ claims: { iat: now() + 600, nbf: now() + 600 } })],
      ['without exp', () => forge({ omit: ['exp'] })],
      ['from another issuer', () => forge({ claims: { iss: 'https://evil.example' } })],
      ['for another audience', () => forge({ claims: { aud: 'another-api' } })],
      ['with an unknown kid', () => forge({ header: { kid: 'no-such-key' } })],
      ['signed with a foreign key under our kid', async () => forge({ key: (await generateKeyPair('RS256')).privateKey })],
      ['signed with a foreign EC key', async () => forge({ key: (await generateKeyPair('ES256')).privateKey, header: { alg: 'ES256' } })],
      ['alg none, no signature', async () => `${b64url({ alg: 'none', typ: 'JWT' })}.${(await forge()).split('.')[1]}.`],
      ['alg none, any signature', async () => `${b64url({ alg: 'none', typ: 'JWT', kid })}.${(await forge()).split('.')[1]}.${b64url('sig')}`],
      [
        'HS256 signed with the public key (key confusion)',
        async () => {
          const key = await loadOrCreateSigningKey(gw.dataDir);
          const pem = createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
          const head = b64url({ alg: 'HS256', typ: 'JWT', kid });
          const body = (await forge()).split('.')[1];
          return `${head}.${body}.${createHmac('sha256', pem).update(`${head}.${body}`).digest('base64url')}`;
        },
      ],
      [
        'a tampered payload',
        async () => {
          const [h, p, s] = (await forge()).split('.');
          const claims = JSON.parse(Buffer.from(p, 'base64url').toString());
          return `${h}.${b64url({ ...claims, partner_id: 'carrier-northstar' })}.${s}`;
        },
      ],
      ['without sub', () => forge({ omit: ['sub'] })],
      ['without roles', () => forge({ omit: ['roles'] })],
      ['with an unknown role', () => forge({ claims: { roles: ['superuser'] } })],
      ['role partner without partner_id', () => forge({ omit: ['partner_id'] })],
    ];

    it.each(cases)('%s', async (_, make) => {
      await expectRefused(`Bearer ${await make()}`);
    });

    it(`a clock skew within JWT_CLOCK_TOLERANCE_S (30 s) is tolerated`, async () => {
      expectStatus(await call(`Bearer ${await gw.token({ ...SWIFTLOG, ttl: -10 })}`));
      expectStatus(await call(`Bearer ${await forge({ claims: { nbf: now() + 10 } })}`));
    });
  });

  describe('a token anywhere but the Authorization header is ignored', () => {
    it.each(['access_token', 'token', 'jwt', 'bearer'])('?%s=<valid token> on REST: 401', async (param) => {
      await expectRefused(null, `${DATA_URL}?${param}=${await forge()}`);
    });

    it('?access_token= on GraphQL: 401', async () => {
      const res = await gw.http.post(`/graphql?access_token=${await forge()}`).send({ query: '{ shipments { nodes { id } } }' });
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('roles', () => {
    const dataCalls: Array<['get' | 'post' | 'patch', string, object?]> = [
      ['get', '/api/v1/demand-signals'],
      ['get', '/api/v1/capacity-signals/cap-0001'],
      ['get', '/api/v1/shipments'],
      ['post', '/api/v1/shipments', { reference: 'R', carrierId: 'c', shipperId: 's', origin: 'o', destination: 'd', sku: 'SKU-1', quantity: 1 }],
      ['patch', '/api/v1/shipments/shp-0001', { status: 'delayed' }],
    ];

    it.each([
      ['auditor', AUDITOR],
      ['governance', GOVERNANCE],
    ] as const)('%s tokens read and write no partner data: 403, audited', async (_, who) => {
      for (const [method, url, body] of dataCalls) {
        const seq = await gw.headSeq();
        const req = (method === 'get' ? gw.http.get(url) : method === 'post' ? gw.http.post(url) : gw.http.patch(url)).set(
          'Authorization',
          await bearer(gw, who),
        );
        expectProblem(await (body ? req.send(body) : req), 403, 'FORBIDDEN_ROLE');
        const event = await expectOneDenial(gw, seq, 403);
        expect(event.actor_sub).toBe(who.sub);
      }
      const r = await gql(gw, who, '{ shipments { nodes { id } } }');
      expect(r.data?.shipments ?? null).toBeNull();
      expect(r.errors.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN_ROLE']);
    });

    it('a partner token may not read or edit policies, nor read the audit log', async () => {
      const nw = await bearer(gw, NORTHWIND);
      const doc = {
        partner: { id: 'supplier-northwind', name: 'Northwind', kind: 'supplier' },
        rules: [{ id: 'all', action: 'read', subject: 'DemandSignal' }],
      };
      const seq = await gw.headSeq();
      expectProblem(await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', nw).send(doc), 403, 'FORBIDDEN_ROLE');
      await expectOneDenial(gw, seq, 403);
      expectProblem(await gw.http.get('/api/v1/policies').set('Authorization', nw), 403, 'FORBIDDEN_ROLE');
      expectProblem(await gw.http.get('/api/v1/audit-events').set('Authorization', nw), 403, 'FORBIDDEN_ROLE');
      // the policy in force is unchanged
      const inForce = await gw.http
        .get('/api/v1/policies/supplier-northwind')
        .set('Authorization', await bearer(gw, GOVERNANCE))
        .expect(200);
      expect(inForce.body.data.version).toBe(1);
    });

    it('an auditor may not edit or read policies; governance may read them; the auditor reads the audit log', async () => {
      const auditor = await bearer(gw, AUDITOR);
      expectProblem(await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', auditor).send({}), 403, 'FORBIDDEN_ROLE');
      expectProblem(await gw.http.get('/api/v1/policies').set('Authorization', auditor), 403, 'FORBIDDEN_ROLE');
      expectStatus(await gw.http.get('/api/v1/policies').set('Authorization', await bearer(gw, GOVERNANCE)));
      expectStatus(await gw.http.get('/api/v1/audit-events?limit=1').set('Authorization', auditor));
    });

    it("admin (no partner, no purpose) reads everything, and admin's and auditor's requests are audited too", async () => {
      const seq = await gw.headSeq();
      const res = expectStatus(await gw.http.get('/api/v1/shipments?limit=1000').set('Authorization', await bearer(gw, ADMIN)));
      expect(res.body.data.some((s: { carrierId: string }) => s.carrierId === 'carrier-northstar')).toBe(true);
      expect(res.body.data.some((s: { carrierId: string }) => s.carrierId === 'carrier-swiftlog')).toBe(true);
      expect(res.body.data[0]).toHaveProperty('freightCost');
      expectStatus(await gw.http.get('/api/v1/audit-events?limit=1').set('Authorization', await bearer(gw, AUDITOR)));
      const events = await gw.auditSince(seq);
      expect(events.map((e) => [e.actor_sub, e.decision])).toEqual([
        [ADMIN.sub, 'allow'],
        [AUDITOR.sub, 'allow'],
      ]);
    });

    it('a partner token for a partner without a policy is refused', async () => {
      expectProblem(await gw.http.get(DATA_URL).set('Authorization', await bearer(gw, { roles: ['partner'], partner: 'supplier-unknown', purpose: 'x' })), 403);
    });
  });

  describe('npm run -s token', () => {
    const run = promisify(execFile);
    const mint = async (...args: string[]) => {
      const { stdout } = await run('npm', ['run', '-s', 'token', '--', ...args], {
        cwd: join(__dirname, '..'),
        env: { ...process.env, DATA_DIR: gw.dataDir, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, DATABASE_URL: '' },
      });
      return stdout;
    };

    it('prints a token, and nothing else, that the gateway accepts; --ttl=-600 mints an expired one', async () => {
      const [valid, expired] = await Promise.all([
        mint('--sub', 'dispatch@swiftlog', '--roles', 'partner', '--partner', 'carrier-swiftlog', '--purpose', 'shipment-execution'),
        mint('--sub', 'dispatch@swiftlog', '--roles', 'partner', '--partner', 'carrier-swiftlog', '--purpose', 'shipment-execution', '--ttl=-600'),
      ]);
      expect(valid).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      const ok = expectStatus(await call(`Bearer ${valid.trim()}`));
      expect(ok.body.meta.purpose).toBe('shipment-execution');
      expect(ok.body.data.every((s: { carrierId: string }) => s.carrierId === 'carrier-swiftlog')).toBe(true);
      expect(expired).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
      await expectRefused(`Bearer ${expired.trim()}`);
    });
  });

  describe('GET /.well-known/jwks.json', () => {
    it('publishes the public key that verifies gateway tokens, and no private part of it', async () => {
      const res = expectStatus(await gw.http.get('/.well-known/jwks.json'));
      expect(res.headers['content-type']).toMatch(/json/);
      expect(res.body.keys).toHaveLength(1);
      const [jwk] = res.body.keys;
      expect(jwk).toMatchObject({ kid, kty: 'RSA', alg: 'RS256', use: 'sig', n: expect.any(String), e: expect.any(String) });
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(jwk).not.toHaveProperty(secret);
      const { payload } = await jwtVerify(await gw.token(SWIFTLOG), createLocalJWKSet(res.body), { issuer: ISSUER, audience: AUDIENCE });
      expect(payload).toMatchObject({ partner_id: 'carrier-swiftlog', roles: ['partner'] });
    });
  });
});

describe('operator endpoints', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('GET /health/live and /health/ready answer without a token', async () => {
    expect(expectStatus(await gw.http.get('/health/live')).body).toMatchObject({ status: 'ok' });
    const ready = expectStatus(await gw.http.get('/health/ready'));
    expect(ready.body).toMatchObject({ status: 'ok', details: { database: { status: 'up' }, audit: { status: 'up' } } });
  });

  it('GET /metrics is Prometheus text', async () => {
    await gw.http.get('/api/v1/shipments'); // something to count
    const res = expectStatus(await gw.http.get('/metrics'));
    expect(res.headers['content-type']).toMatch(/^text\/plain;.*version=0\.0\.4/);
    expect(res.text).toMatch(/^# HELP gateway_http_request_duration_seconds /m);
    expect(res.text).toMatch(/^# TYPE gateway_http_request_duration_seconds histogram$/m);
    expect(res.text).toMatch(/^gateway_http_request_duration_seconds_count\{[^}]*status="401"[^}]*\} \d+$/m);
    for (const line of res.text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (-?[\d.e+-]+|NaN|[+-]Inf)( \d+)?$/);
  });

  it("GET /metrics needs the operator's bearer token when METRICS_TOKEN is set", async () => {
    const secret = 'metrics-secret-0123456789abcdef';
    const guarded = await TestGateway.start({ METRICS_TOKEN: secret, SEED_DEMO: 'false' });
    try {
      for (const auth of [undefined, 'Bearer wrong-secret-0123456789abcdef', `Bearer ${secret}x`, secret]) {
        const req = guarded.http.get('/metrics');
        const res = auth ? await req.set('Authorization', auth) : await req;
        expect(res.status).toBe(401);
        expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
        expect(res.body.code).toBe('UNAUTHENTICATED');
        expect(res.text).not.toMatch(/gateway_/);
      }
      const ok = await guarded.http.get('/metrics').set('Authorization', `Bearer ${secret}`).expect(200);
      expect(ok.text).toMatch(/^# HELP gateway_http_request_duration_seconds /m);
    } finally {
      await guarded.stop();
    }
  });

  it('GET /docs is the Swagger UI and /docs-json its OpenAPI 3 document with the /api/v1 paths', async () => {
    const ui = expectStatus(await gw.http.get('/docs'));
    expect(ui.headers['content-type']).toMatch(/text\/html/);
    expect(ui.text).toMatch(/swagger-ui/i);
    const doc = expectStatus(await gw.http.get('/docs-json')).body;
    expect(doc.openapi).toMatch(/^3\./);
    const methods = (path: string) => Object.keys(doc.paths[path] ?? {}).sort();
    expect(methods('/api/v1/demand-signals')).toEqual(expect.arrayContaining(['get', 'post']));
    expect(methods('/api/v1/demand-signals/{id}')).toEqual(expect.arrayContaining(['get']));
    expect(methods('/api/v1/capacity-signals')).toEqual(expect.arrayContaining(['get', 'post']));
    expect(methods('/api/v1/capacity-signals/{id}')).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(methods('/api/v1/shipments')).toEqual(expect.arrayContaining(['get', 'post']));
    expect(methods('/api/v1/shipments/{id}')).toEqual(expect.arrayContaining(['get', 'patch']));
    expect(methods('/api/v1/shipments/{id}/events')).toEqual(expect.arrayContaining(['post']));
    expect(Object.values(doc.components?.securitySchemes ?? {})).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'http', scheme: 'bearer' })]));
  });
});
