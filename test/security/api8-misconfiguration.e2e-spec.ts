import { GovernedDataService } from '../../src/access/governed-data.service';
import { validateConfig } from '../../src/config/app-config';
import { bearer, expectProblem, expectStatus, gql, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API8:2023 Security Misconfiguration, on a gateway started as operators run it in
 * production (NODE_ENV=production): no GraphQL introspection, no schema hints ("Did you mean")
 * in errors, no stack traces or internals in any error, helmet's security headers everywhere,
 * no CORS unless configured and never a wildcard, request ids that cannot inject headers.
 */

const SECRET = 'SECRET-INTERNAL at /work/main/src/access/governed-data.service.ts:123 SELECT * FROM shipments WHERE password';

describe('API8 misconfiguration (NODE_ENV=production)', () => {
  let gw: TestGateway;
  let swift: string;

  beforeAll(async () => {
    gw = await TestGateway.start({ NODE_ENV: 'production', METRICS_TOKEN: 'metrics-secret-0123456789abcdef' });
    swift = await bearer(gw, SWIFTLOG);
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('GraphQL tells nothing about its schema', () => {
    it.each([
      ['__schema', '{ __schema { types { name fields { name } } } }'],
      ['__type', '{ __type(name: "Shipment") { name fields { name } } }'],
      ['__schema behind an alias and a fragment', 'query { s: __schema { ...T } } fragment T on __Schema { queryType { name } }'],
    ])('introspection through %s is refused', async (_, query) => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query));
      expect(res.data ?? null).toBeNull();
      expect(JSON.stringify(res.body)).not.toMatch(/ShipmentConnection|freightCost|DemandSignal/);
    });

    it.each([
      ['a misspelt root field', '{ shipmentz { nodes { id } } }'],
      ['a misspelt field', '{ shipments { nodes { freightCosts } } }'],
      ['a misspelt argument', '{ shipments(frist: 2) { nodes { id } } }'],
      ['a misspelt input field', 'query { shipments(filter: { carrierID: "x" }) { nodes { id } } }'],
      ['a misspelt type in a fragment', 'query { shipments { nodes { ...F } } } fragment F on Shipmnt { id }'],
    ])('%s: an error without "Did you mean" suggestions', async (_, query) => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query));
      const text = JSON.stringify(res.body);
      expect(text).not.toMatch(/Did you mean/i);
      // the error may repeat what the caller wrote, never name a field it did not
      expect(text).not.toMatch(/freightCost\\"|carrierId\\"|\\"first\\"|\\"Shipment\\" type/);
    });
  });

  describe('errors carry no internals', () => {
    afterEach(() => jest.restoreAllMocks());

    it('an unexpected failure on REST: a bare 500 problem, no message, no stack, audited as error', async () => {
      jest.spyOn(gw.app.get(GovernedDataService), 'list').mockRejectedValue(new Error(SECRET));
      const seq = await gw.headSeq();
      const res = await gw.http.get('/api/v1/shipments').set('Authorization', swift);
      expectProblem(res, 500, 'INTERNAL');
      expect(JSON.stringify(res.body)).not.toMatch(/SECRET|\/src\/|\.ts:|SELECT|stack|at /);
      expect((await gw.auditSince(seq)).map((e) => e.decision)).toEqual(['error']);
    });

    it('the same over GraphQL: no message, no extensions.stacktrace', async () => {
      jest.spyOn(gw.app.get(GovernedDataService), 'list').mockRejectedValue(new Error(SECRET));
      const r = await gql(gw, SWIFTLOG, '{ shipments { nodes { id } } }');
      expect(JSON.stringify(r.body)).not.toMatch(/SECRET|\/src\/|\.ts:|SELECT|stacktrace/);
      expect(r.errors[0].extensions?.code).toBe('INTERNAL');
    });

    it.each([
      ['malformed JSON', (req: ReturnType<TestGateway['http']['patch']>) => req.set('content-type', 'application/json').send('{"status": "delayed",,}')],
      ['a wrong type', (req: ReturnType<TestGateway['http']['patch']>) => req.send({ status: 42 })],
    ])('client errors (%s) say what was wrong, not where in the code', async (_, make) => {
      const { res } = await refused(gw, () => make(gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', swift)), 400);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(JSON.stringify(res.body)).not.toMatch(/\/src\/|node_modules|\.ts:|\.js:|stack|SyntaxError|Unexpected token/);
    });

    it('GraphQL syntax errors carry no stack trace', async () => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, '{ shipments { nodes { id } '), 400);
      expect(JSON.stringify(res.body)).not.toMatch(/stacktrace|node_modules|\.js:/);
    });
  });

  describe('hostile values are answered and audited, never a 500 (and never poison a group commit)', () => {
    it('a 300-character operation name with 30 aliases: answered, its audit event stored (operation clipped to its column)', async () => {
      const name = `Q${'x'.repeat(299)}`;
      const query = `query ${name} { ${Array.from({ length: 30 }, (_, i) => `a${i}: shipment(id: "shp-0001") { id }`).join(' ')} }`;
      const other = await bearer(gw, { roles: ['auditor'], sub: 'auditor@orchestrator' });
      const seq = await gw.headSeq();
      // other callers' requests share group commits with it: none may fail
      const [hostile, ...bystanders] = await Promise.all([
        gql(gw, SWIFTLOG, query),
        ...Array.from({ length: 10 }, () => gw.http.get('/api/v1/audit-events/verify').set('Authorization', other)),
      ]);
      expect(hostile.status).toBe(200);
      expect(hostile.errors).toEqual([]);
      for (const b of bystanders) expectStatus(b);
      const events = await gw.auditSince(seq);
      expect(events).toHaveLength(11);
      const mine = events.find((e) => String(e.operation).startsWith('graphql query Q'))!;
      expect(String(mine.operation).length).toBeLessThanOrEqual(200);
      expectStatus(await gw.http.get('/health/ready'));
    });

    it('a 3,000-character unknown path: 404, audited', async () => {
      const { res, event } = await refused(gw, () => gw.http.get(`/api/v1/${'p'.repeat(3000)}`).set('Authorization', swift), 404);
      expectProblem(res, 404);
      expect(String(event.operation).length).toBeLessThanOrEqual(200);
    });

    it('U+0000 in a REST body, a path id or a GraphQL input: 400 or 404, audited, nothing written', async () => {
      const body = await refused(gw, () => gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', swift).send({ lastLocation: 'a\u0000b' }), 400);
      expectProblem(body.res, 400, 'VALIDATION_FAILED');
      const id = await refused(gw, () => gw.http.patch('/api/v1/shipments/shp%000001').set('Authorization', swift).send({ lastLocation: 'x' }), 404);
      expectProblem(id.res, 404, 'NOT_FOUND');
      const event = await refused(
        gw,
        () => gw.http.post('/api/v1/shipments/shp%00/events').set('Authorization', swift).send({ status: 'in_transit', occurredAt: new Date().toISOString() }),
        { status: 404, ignore: ['push_tallies'] },
      );
      expectProblem(event.res, 404, 'NOT_FOUND');
      const literal = await refused(gw, () => gql(gw, SWIFTLOG, 'mutation { updateShipment(id: "shp-0001", input: { lastLocation: "a\\u0000b" }) { id } }'));
      expect(literal.res.errors[0].extensions?.code).toBe('VALIDATION_FAILED');
    });

    it('U+0000 in ids and filters of governance and audit routes: a refusal or an empty answer, never a 500', async () => {
      const gov = await bearer(gw, { roles: ['governance'], sub: 'officer@orchestrator' });
      const auditor = await bearer(gw, { roles: ['auditor'], sub: 'auditor@orchestrator' });
      for (const [url, token] of [
        ['/api/v1/policies/a%00b', gov],
        ['/api/v1/policies/a%00b/versions', gov],
        ['/api/v1/partners/a%00b/data-quality', gov],
        ['/api/v1/audit-events/a%00b', auditor],
        ['/api/v1/audit-events?partnerId=a%00b', auditor],
        ['/api/v1/audit-events?sub=%00', auditor],
      ]) {
        const seq = await gw.headSeq();
        const res = await gw.http.get(url).set('Authorization', token);
        expect({ url, status: res.status }).toEqual({ url, status: expect.any(Number) });
        expect(res.status).toBeLessThan(500);
        expect((await gw.auditSince(seq)).map((e) => e.decision)).toEqual([res.status >= 400 ? 'deny' : 'allow']);
      }
    });

    it('a validly signed token whose sub holds U+0000 is audited (the NUL spelt out)', async () => {
      const odd = await bearer(gw, { ...SWIFTLOG, sub: 'dispatch\u0000@swiftlog' });
      const seq = await gw.headSeq();
      expectStatus(await gw.http.get('/api/v1/shipments?limit=1').set('Authorization', odd));
      const [event] = await gw.auditSince(seq);
      expect(event.actor_sub).toBe('dispatch\\0@swiftlog');
    });
  });

  describe('HTTP headers', () => {
    const EXPECTED = {
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringMatching(/max-age=\d+/),
      'referrer-policy': 'no-referrer',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'x-dns-prefetch-control': 'off',
      'x-permitted-cross-domain-policies': 'none',
    };

    it.each([
      ['a REST answer', () => gw.http.get('/api/v1/shipments').set('Authorization', swift)],
      ['a REST refusal', () => gw.http.get('/api/v1/shipments')],
      ['an unknown route', () => gw.http.get('/nope')],
      ['a GraphQL answer', () => gw.http.post('/graphql').set('Authorization', swift).send({ query: '{ shipments { nodes { id } } }' })],
      ['a GraphQL refusal', () => gw.http.post('/graphql').send({ query: '{ shipments { nodes { id } } }' })],
      ['health', () => gw.http.get('/health/live')],
      ['the JWKS', () => gw.http.get('/.well-known/jwks.json')],
    ])('helmet\u2019s headers on %s; no X-Powered-By', async (_, call) => {
      const res = await call();
      expect(res.headers).toEqual(expect.objectContaining(EXPECTED));
      expect(res.headers['x-powered-by']).toBeUndefined();
    });

    it('no CORS headers by default, for simple requests and preflights alike', async () => {
      const simple = await gw.http.get('/api/v1/shipments').set('Authorization', swift).set('Origin', 'https://evil.example');
      expectStatus(simple);
      const preflight = await gw.http
        .options('/api/v1/shipments')
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'GET')
        .set('Access-Control-Request-Headers', 'authorization');
      for (const res of [simple, preflight]) {
        expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
      }
    });

    it('a request id that could inject headers or flood logs is replaced', async () => {
      for (const id of ['x'.repeat(500), 'a b', 'abc%0d%0aSet-Cookie:%20x=1', '<script>']) {
        const res = await gw.http.get('/api/v1/shipments').set('X-Request-Id', id);
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });
  });

  describe('with CORS_ORIGINS set', () => {
    let cors: TestGateway;
    beforeAll(async () => {
      cors = await TestGateway.start({
        NODE_ENV: 'production',
        METRICS_TOKEN: 'metrics-secret-0123456789abcdef',
        CORS_ORIGINS: 'https://portal.partner.example, https://ops.example',
      });
    });
    afterAll(async () => {
      await cors.stop();
    });

    it('echoes a listed origin, never "*", never with credentials', async () => {
      const token = await bearer(cors, SWIFTLOG);
      const res = await cors.http.get('/api/v1/shipments').set('Authorization', token).set('Origin', 'https://portal.partner.example');
      expect(res.headers['access-control-allow-origin']).toBe('https://portal.partner.example');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(String(res.headers.vary)).toMatch(/Origin/i);
    });

    it('a wildcard, a path or a pattern in CORS_ORIGINS stops the start, naming the setting', () => {
      for (const bad of ['*', 'https://portal.example.com, *', 'https://*.example.com', 'https://portal.example.com/', 'null', 'portal.example.com']) {
        expect(() => validateConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
      }
      expect(() => validateConfig({ CORS_ORIGINS: 'https://portal.example.com, http://localhost:8080' })).not.toThrow();
    });

    it.each(['https://evil.example', 'null', 'https://portal.partner.example.evil.example', 'http://portal.partner.example', '*'])(
      'origin %s gets no CORS grant',
      async (origin) => {
        const token = await bearer(cors, SWIFTLOG);
        const simple = await cors.http.get('/api/v1/shipments').set('Authorization', token).set('Origin', origin);
        const preflight = await cors.http.options('/graphql').set('Origin', origin).set('Access-Control-Request-Method', 'POST');
        for (const res of [simple, preflight]) {
          expect(res.headers['access-control-allow-origin']).toBeUndefined();
          expect(JSON.stringify(res.headers)).not.toMatch(/"access-control-allow-origin":"\*"/);
        }
      },
    );
  });
});
