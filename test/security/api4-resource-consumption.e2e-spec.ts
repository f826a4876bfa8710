import { Server, request as httpRequest } from 'node:http';
import { mkdtempSync } from 'node:fs';
import { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { GovernedDataService } from '../../src/access/governed-data.service';
import { GovernedWriteService } from '../../src/access/governed-write.service';
import { ShipmentEventsService } from '../../src/logistics/shipment-events.service';
import { validateConfig } from '../../src/config/app-config';
import { ADMIN, bearer, dbIds, expectProblem, expectStatus, GOVERNANCE, gql, SWIFTLOG } from '../support/contract';
import { createTestDatabase, TestDatabase } from '../support/database';
import { GatewayProcess } from '../support/gateway-process';
import { TestGateway } from '../support/test-app';
import { harmless, refused } from './support/attack';

jest.setTimeout(180_000);

/**
 * OWASP API4:2023 Unrestricted Resource Consumption: page sizes are clamped, bodies over their
 * limit are 413 (also when compressed), expensive GraphQL documents (depth through fragments,
 * aliases, directives, tokens, duplicated fields, batches) are refused before any resolver runs,
 * and a slow client cannot hold a connection beyond REQUEST_TIMEOUT_MS (checked on the real
 * server that `npm start` runs, where main.ts sets it).
 */
describe('API4 resource consumption', () => {
  let gw: TestGateway;
  let swift: string;
  let swiftShipment: string;
  /** Calls of the one enforcement path since the last reset: 0 proves "refused before execution". */
  let executed: () => number;

  beforeAll(async () => {
    gw = await TestGateway.start({
      BODY_LIMIT: '64kb',
      PUSH_BODY_LIMIT: '256kb',
      GRAPHQL_MAX_DEPTH: '2',
      GRAPHQL_MAX_ALIASES: '30',
      GRAPHQL_MAX_TOKENS: '2000',
    });
    swift = await bearer(gw, SWIFTLOG);
    swiftShipment = (await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-swiftlog']))[0];
    const data = gw.app.get(GovernedDataService);
    const writes = gw.app.get(GovernedWriteService);
    const events = gw.app.get(ShipmentEventsService);
    const spies = [
      ...(['list', 'get', 'policyOf'] as const).map((m) => jest.spyOn(data, m)),
      ...(['create', 'update'] as const).map((m) => jest.spyOn(writes, m)),
      ...(['recordShipmentEvent', 'recordShipmentEvents'] as const).map((m) => jest.spyOn(events, m)),
    ];
    executed = () => spies.reduce((n, s) => n + s.mock.calls.length, 0);
  });
  beforeEach(() => jest.clearAllMocks());
  afterAll(async () => {
    jest.restoreAllMocks();
    await gw.stop();
  });
  /** A carrier's PATCH of one of its shipments, the request the body attacks below vary. */
  const patchAsSwift = () => gw.http.patch(`/api/v1/shipments/${swiftShipment}`).set('Authorization', swift);

  describe('page sizes', () => {
    it("limit=999999 is clamped to the policy's maxPageSize (admin: 1000, SwiftLog: its own)", async () => {
      const admin = await bearer(gw, ADMIN);
      const total = (await dbIds(gw, 'demand_signals')).length;
      const { res } = await harmless(gw, () => gw.http.get('/api/v1/demand-signals?limit=999999').set('Authorization', admin), []);
      expect(expectStatus(res).body.data.length).toBe(Math.min(total, 1000));
      const own = await harmless(gw, () => gw.http.get('/api/v1/shipments?limit=999999').set('Authorization', swift), []);
      expect(expectStatus(own.res).body.data.length).toBeLessThanOrEqual(1000);
    });

    it.each(['1000000', '0', '-1', '1e3', '0x10', '10.5', '', '%20', '1&limit=2'])('limit=%s is refused', async (limit) => {
      const { res } = await refused(gw, () => gw.http.get(`/api/v1/shipments?limit=${limit}`).set('Authorization', swift), 400);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });

    it.each([
      ['first beyond Int', '{ shipment(id: "x") { id } s: shipments(first: 2147483648) { pageInfo { hasNextPage } } }'],
      ['first negative', 'query { shipments(first: -1) { pageInfo { hasNextPage } } }'],
    ])('GraphQL %s is refused', async (_, query) => {
      await refused(gw, () => gql(gw, SWIFTLOG, query));
    });
  });

  describe("a partner's request quota", () => {
    it('once exceeded, holds for the rest of the window: no fresh quota a second later', async () => {
      const partner = `quota-${Date.now().toString(36)}`;
      const gov = await bearer(gw, GOVERNANCE);
      await gw.http
        .put(`/api/v1/policies/${partner}`)
        .set('Authorization', gov)
        .send({
          partner: { id: partner, name: 'Quota probe', kind: 'supplier', attributes: {} },
          limits: { requestsPerMinute: 3, maxPageSize: 10 },
          rules: [{ id: 'demand', action: 'read', subject: 'DemandSignal', fields: ['id'], purposes: ['planning'] }],
        })
        .expect(200);
      const token = await bearer(gw, { roles: ['partner'], partner, purpose: 'planning' });
      for (let i = 0; i < 3; i++) expectStatus(await gw.http.get('/api/v1/demand-signals?limit=1').set('Authorization', token));
      const first = await refused(gw, () => gw.http.get('/api/v1/demand-signals?limit=1').set('Authorization', token), 429);
      expect(Number(first.res.headers['retry-after'])).toBeGreaterThan(50);
      await new Promise((r) => setTimeout(r, 1500));
      const later = await refused(gw, () => gw.http.get('/api/v1/demand-signals?limit=1').set('Authorization', token), 429);
      expectProblem(later.res, 429, 'RATE_LIMITED');
      expect(Number(later.res.headers['retry-after'])).toBeGreaterThan(50);
      expect(later.res.headers['ratelimit-remaining']).toBe('0');
    });
  });

  describe('bodies', () => {
    const big = (kb: number) => JSON.stringify({ status: 'delayed', lastLocation: 'x'.repeat(kb * 1024) });

    it('a body over BODY_LIMIT is 413 problem+json, before authentication is even looked at', async () => {
      for (const auth of [swift, null]) {
        const { res } = await refused(
          gw,
          () => {
            const req = gw.http.patch(`/api/v1/shipments/${swiftShipment}`).set('content-type', 'application/json');
            return (auth ? req.set('Authorization', auth) : req).send(big(80));
          },
          413,
        );
        expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      }
      expect(executed()).toBe(0);
    });

    it('the same over GraphQL', async () => {
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/graphql')
            .set('Authorization', swift)
            .set('content-type', 'application/json')
            .send(JSON.stringify({ query: '{ shipment(id: "x") { id } }', variables: { pad: 'x'.repeat(80 * 1024) } })),
        413,
      );
      expectProblem(res, 413, 'PAYLOAD_TOO_LARGE');
      expect(executed()).toBe(0);
    });

    it('a gzip bomb (small on the wire, over the limit once inflated) is refused while inflating', async () => {
      const wire = gzipSync(Buffer.from(big(2048)));
      expect(wire.length).toBeLessThan(64 * 1024);
      // 413 from the real server (see "slow clients" below); inside jest's VM the parser's error loses
      // its 413 on the way (zlib's error is from another realm), so here it may read as 400.
      const { res } = await refused(gw, () => patchAsSwift().set('content-type', 'application/json').set('content-encoding', 'gzip').send(wire));
      expect([400, 413]).toContain(res.status);
      expectProblem(res, res.status);
      expect(executed()).toBe(0);
    });

    it('an unsupported content encoding or charset is 415, not a server error', async () => {
      const a = await refused(
        gw,
        () => patchAsSwift().set('content-type', 'application/json').set('content-encoding', 'compress').send('{"status":"delayed"}'),
        415,
      );
      expectProblem(a.res, 415);
      const b = await refused(gw, () => patchAsSwift().set('content-type', 'application/json; charset=koi8-r').send('{"status":"delayed"}'), 415);
      expectProblem(b.res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(a.res.body.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });

    it('a body that is not valid UTF-8 is 400, and a body that is not JSON is 415: never read as something else', async () => {
      const latin1 = Buffer.concat([Buffer.from('{"lastLocation":"Caf'), Buffer.from([0xe9]), Buffer.from('"}')]);
      const bad = await refused(
        gw,
        () =>
          patchAsSwift()
            .set('content-type', 'application/json')
            // The bytes as they are (superagent would otherwise serialise a Buffer as JSON).
            .serialize((b: Buffer) => b as unknown as string)
            .send(latin1),
        400,
      );
      expectProblem(bad.res, 400, 'VALIDATION_FAILED');
      expect(bad.res.body.errors).toEqual(['the request body is not valid UTF-8']);
      for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', null]) {
        const { res } = await refused(
          gw,
          () => {
            const req = patchAsSwift();
            return type ? req.set('content-type', type).send('{"status":"delayed"}') : req.send(Buffer.from('{"status":"delayed"}'));
          },
          415,
        );
        expectProblem(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      expect(executed()).toBe(0);
    });

    it('a chunked body is refused as not JSON at its first byte, and an empty chunked body is no body at all', async () => {
      const server = gw.app.getHttpServer() as Server;
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      const chunked = (chunks: string[], contentType?: string) =>
        new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
          const req = httpRequest(
            {
              host: '127.0.0.1',
              port,
              method: 'PATCH',
              path: `/api/v1/shipments/${swiftShipment}`,
              headers: { authorization: swift, 'transfer-encoding': 'chunked', ...(contentType ? { 'content-type': contentType } : {}) },
            },
            (res) => {
              let text = '';
              res.on('data', (c: Buffer) => (text += c.toString('utf8')));
              res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }));
            },
          );
          req.on('error', reject);
          for (const c of chunks) req.write(c);
          req.end();
        });
      const text = await chunked(['{"status":', '"delayed"}'], 'text/plain');
      expect(text).toMatchObject({ status: 415, body: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
      // No body: judged as a PATCH without fields, not refused for its media type.
      const empty = await chunked([]);
      expect(empty.status).not.toBe(415);
      expect(empty.status).toBeLessThan(500);
    });

    it('the larger PUSH_BODY_LIMIT applies to push routes only', async () => {
      const { res } = await refused(
        gw,
        () => gw.http.post('/api/v1/shipments').set('Authorization', swift).set('content-type', 'application/json').send(big(128)),
        413,
      );
      expectProblem(res, 413);
      const batchPath = await refused(
        gw,
        () => gw.http.post('/api/v1/shipment-events:batch/x').set('Authorization', swift).set('content-type', 'application/json').send(big(128)),
        413,
      );
      expectProblem(batchPath.res, 413);
      // control: a 128 KB push is read (and refused for its content, not its size)
      const push = await gw.http
        .post('/api/v1/shipment-events:batch')
        .set('Authorization', swift)
        .set('content-type', 'application/json')
        .send(JSON.stringify({ events: [], pad: 'x'.repeat(128 * 1024) }));
      expectProblem(push, 400, 'VALIDATION_FAILED');
      const over = await refused(
        gw,
        () =>
          gw.http
            .post('/api/v1/shipment-events:batch')
            .set('Authorization', swift)
            .set('content-type', 'application/json')
            .send(JSON.stringify({ events: [], pad: 'x'.repeat(300 * 1024) })),
        413,
      );
      expectProblem(over.res, 413);
    });

    it('deeply nested JSON is refused (400, not a stack overflow), at any depth', async () => {
      const shallow = `{"status":"delayed","x":${'['.repeat(40)}${']'.repeat(40)}}`;
      expectProblem(await patchAsSwift().set('content-type', 'application/json').send(shallow), 400, 'VALIDATION_FAILED');
      const depth = 20_000;
      const json = `{"status":"delayed","x":${'['.repeat(depth)}${']'.repeat(depth)}}`;
      const { res } = await refused(gw, () => patchAsSwift().set('content-type', 'application/json').send(json), 400);
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('GraphQL documents are bounded before execution', () => {
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: shipment(id: "x") { id }`).join(' ')} }`;

    it.each([
      [
        'depth reached through nested fragments',
        'query { ...Q } fragment Q on Query { shipments { ...C } } fragment C on ShipmentConnection { nodes { ...N } } fragment N on Shipment { id }',
        'DEPTH_LIMIT',
      ],
      ['31 aliases', aliases(31), 'ALIAS_LIMIT'],
      [
        'aliases multiplied by spreading one fragment',
        `query { ...F ...F ...G } fragment F on Query { ${Array.from({ length: 12 }, (_, i) => `f${i}: shipment(id: "x") { id }`).join(' ')} } fragment G on Query { ${Array.from({ length: 12 }, (_, i) => `g${i}: shipment(id: "x") { id }`).join(' ')} }`,
        'ALIAS_LIMIT',
      ],
      [
        'duplicated fields over the cost budget',
        `{ ${Array.from({ length: 25 }, (_, i) => `s${i}: shipments(first: 1000) { pageInfo { hasNextPage endCursor } }`).join(' ')} }`,
        null,
      ],
    ])('%s', async (_, query, limit) => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query));
      expect(res.data ?? null).toBeNull();
      expect(res.errors.length).toBeGreaterThan(0);
      if (limit) expect(res.errors.map((e) => e.extensions?.limit)).toContain(limit);
      expect(executed()).toBe(0);
    });

    it('a control within the limits is answered', async () => {
      const r = await gql(gw, SWIFTLOG, aliases(30));
      expect(r.errors).toEqual([]);
      expect(executed()).toBeGreaterThan(0);
    });

    it(`over GRAPHQL_MAX_TOKENS (2000): refused while parsing`, async () => {
      const query = `{ shipment(id: "x") { ${Array.from({ length: 2100 }, () => 'id').join(' ')} } }`;
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query), 400);
      expect(res.errors[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      expect(res.errors[0].message).toMatch(/token/i);
      expect(executed()).toBe(0);
    });

    it('many directives: over the token limit, and within it refused by validation', async () => {
      const many = await refused(gw, () => gql(gw, SWIFTLOG, `{ shipment(id: "x") ${'@skip(if: false) '.repeat(400)} { id } }`), 400);
      expect(many.res.errors[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
      const some = await refused(gw, () => gql(gw, SWIFTLOG, `{ shipment(id: "x") ${'@include(if: true) '.repeat(200)} { id } }`), 400);
      expect(some.res.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const unknown = await refused(
        gw,
        () => gql(gw, SWIFTLOG, `{ shipment(id: "x") ${Array.from({ length: 100 }, (_, i) => `@d${i}`).join(' ')} { id } }`),
        400,
      );
      expect(unknown.res.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(executed()).toBe(0);
    });

    it('a fragment cycle is refused', async () => {
      const { res } = await refused(
        gw,
        () => gql(gw, SWIFTLOG, 'query { shipment(id: "x") { ...A } } fragment A on Shipment { id ...B } fragment B on Shipment { status ...A }'),
        400,
      );
      expect(res.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      expect(executed()).toBe(0);
    });

    it('a batched array body is refused (batching is off), audited', async () => {
      const one = { query: '{ shipment(id: "x") { id } }' };
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/graphql')
            .set('Authorization', swift)
            .set('content-type', 'application/json')
            .send(JSON.stringify(Array.from({ length: 50 }, () => one))),
        400,
      );
      expect(res.body.errors[0].message).toMatch(/batching/i);
      expect(executed()).toBe(0);
    });

    it('an array body on REST is refused too', async () => {
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post(`/api/v1/shipments/${swiftShipment}/events`)
            .set('Authorization', swift)
            .send([
              { status: 'in_transit', occurredAt: new Date().toISOString() },
              { status: 'in_transit', occurredAt: new Date().toISOString() },
            ]),
        400,
      );
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('slow clients (the real server of `npm start`)', () => {
    let proc: GatewayProcess;
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
      proc = await GatewayProcess.start({
        DATA_DIR: mkdtempSync(join(tmpdir(), 'gw-slow-')),
        DATABASE_URL: db.url ?? '',
        REQUEST_TIMEOUT_MS: '1000',
        SEED_DEMO: 'false',
      });
    });
    afterAll(async () => {
      await proc?.stop();
      await db?.drop();
    });

    it('REQUEST_TIMEOUT_MS cannot be switched off: 0 or a huge value stops the start', () => {
      expect(() => validateConfig({ REQUEST_TIMEOUT_MS: '0' })).toThrow(/REQUEST_TIMEOUT_MS/);
      expect(() => validateConfig({ REQUEST_TIMEOUT_MS: '86400000' })).toThrow(/REQUEST_TIMEOUT_MS/);
    });

    it('a client trickling its request headers is cut off (requestTimeout, checked at least every 30 s by Node)', async () => {
      const socket = new Socket();
      await new Promise<void>((resolve, reject) => socket.connect(proc.port, '127.0.0.1', resolve).once('error', reject));
      const started = Date.now();
      let answer = '';
      socket.on('data', (d) => {
        answer += String(d);
      });
      const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now() - started)));
      socket.write('GET /api/v1/shipments HTTP/1.1\r\nHost: x\r\n');
      const trickle = setInterval(() => {
        if (!socket.destroyed) socket.write('X-Slow: a\r\n');
      }, 200);
      const ms = await Promise.race([closed, new Promise<number>((r) => setTimeout(() => r(-1), 45_000))]);
      clearInterval(trickle);
      socket.destroy();
      // Closed by the server (not by the 45 s guard above, which gives -1).
      expect(ms).toBeGreaterThan(0);
      expect(answer === '' || /^HTTP\/1\.1 408/.test(answer)).toBe(true);
      // the server still answers others
      expect((await fetch(`${proc.url}/health/live`)).status).toBe(200);
    });

    it('a gzip bomb is 413 on the real server', async () => {
      const res = await fetch(`${proc.url}/api/v1/shipments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
        body: gzipSync(Buffer.from(JSON.stringify({ pad: 'x'.repeat(4 * 1024 * 1024) }))),
      });
      expect(res.status).toBe(413);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });
});
