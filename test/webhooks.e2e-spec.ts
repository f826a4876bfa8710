import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { createTestDatabase } from './support/database';
import { GatewayProcess } from './support/gateway-process';
import { refuseAuditAppends } from './support/refuse-audit-appends';
import { TestGateway } from './support/test-app';
import { ReceivedWebhook, WebhookReceiver } from './support/webhook-receiver';

const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };
const NORTHSTAR = { roles: ['partner'], partner: 'carrier-northstar', purpose: 'shipment-execution' };
const ACME = { roles: ['partner'], partner: 'supplier-acme', purpose: 'replenishment-planning' };
const ADMIN = { roles: ['admin'], sub: 'orchestrator' };
const GOVERNANCE = { roles: ['governance'], sub: 'officer' };
/** A gateway process transpiles its sources when it starts: slow on a busy machine. */
const STARTUP_MS = 180_000;
const ECONOMICS = ['unitPrice', 'customerName', 'marginPct'];
const demand = (id: string, sku: string) => ({
  id,
  sku,
  productFamily: 'Drive Units',
  site: 'DC-EU-NORTH',
  region: 'NORDICS',
  periodStart: '2026-03-01',
  forecastQty: 10,
  orderedQty: 8,
  unitPrice: 12.5,
  customerName: 'Hooli AB',
  marginPct: 21,
});

/** Repeats `check` until it holds (the test's own timeout bounds the wait). */
async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('webhooks (Standard Webhooks deliveries, judged at delivery time)', () => {
  let gw: TestGateway;
  let receiver: WebhookReceiver;
  const bearer = async (claims: Parameters<TestGateway['token']>[0]) => `Bearer ${await gw.token(claims)}`;
  const call = async (claims: Parameters<TestGateway['token']>[0], method: 'get' | 'post' | 'patch' | 'delete', path: string, body?: unknown) => {
    const req = gw.http[method](path).set('Authorization', await bearer(claims));
    return body === undefined ? req : req.send(body as object);
  };
  const deliveries = async (claims: Parameters<TestGateway['token']>[0], id: string) =>
    (await call(claims, 'get', `/api/v1/me/webhooks/${id}/deliveries`)).body.data as Array<Record<string, unknown>>;
  const settled = (rows: Array<Record<string, unknown>>, n: number) => rows.length >= n && rows.every((d) => d.status !== 'pending');

  beforeAll(async () => {
    gw = await TestGateway.start({
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_POLL_MS: '20',
      WEBHOOK_BACKOFF_BASE_MS: '5',
      WEBHOOK_BACKOFF_MAX_MS: '40',
      WEBHOOK_MAX_ATTEMPTS: '3',
    });
    receiver = await WebhookReceiver.start();
  });
  afterAll(async () => {
    await gw?.stop();
    await receiver?.stop();
  });

  it('a change of endpoints is kept only with its audit event: registering, rotating and deleting roll back when the event cannot be appended', async () => {
    const kept = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['demand.updated'], description: 'kept' });
    expect(kept.status).toBe(201);
    const id = kept.body.data.id as string;
    const [{ secret: before }] = await gw.query<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = ?', [id]);
    const restore = await refuseAuditAppends(gw);
    try {
      const created = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['demand.updated'], description: 'lost' });
      expect(created.status).toBe(503);
      expect(JSON.stringify(created.body)).not.toContain('whsec_');
      expect((await call(NORTHWIND, 'post', `/api/v1/me/webhooks/${id}/rotate-secret`)).status).toBe(503);
      expect((await call(NORTHWIND, 'delete', `/api/v1/me/webhooks/${id}`)).status).toBe(503);
    } finally {
      await restore();
    }
    expect(await gw.query("SELECT id FROM webhook_endpoints WHERE description = 'lost'")).toEqual([]);
    const [{ secret: after }] = await gw.query<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = ?', [id]);
    expect(after).toBe(before);
    expect((await call(NORTHWIND, 'delete', `/api/v1/me/webhooks/${id}`)).status).toBe(204);
  });

  it('registers an endpoint (secret shown once), lists it, and refuses other roles and other partners', async () => {
    const created = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['demand.updated'], description: 'planning' });
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({
      url: receiver.url,
      events: ['demand.updated'],
      description: 'planning',
      purpose: 'replenishment-planning',
      enabled: true,
      status: 'active',
    });
    expect(created.body.data.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.body.data.secret.slice(6), 'base64')).toHaveLength(32);
    const id = created.body.data.id as string;

    const list = await call(NORTHWIND, 'get', '/api/v1/me/webhooks');
    expect(list.status).toBe(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
    expect(JSON.stringify(list.body)).not.toContain('whsec_');
    const one = await call(NORTHWIND, 'get', `/api/v1/me/webhooks/${id}`);
    expect(one.body.data).toMatchObject({ id, enabled: true });
    expect(one.body.data.secret).toBeUndefined();

    expect((await call(ACME, 'get', `/api/v1/me/webhooks/${id}`)).status).toBe(404);
    expect((await call(ACME, 'delete', `/api/v1/me/webhooks/${id}`)).status).toBe(404);
    expect((await call(ACME, 'get', '/api/v1/me/webhooks')).body.data).toEqual([]);
    expect((await call(GOVERNANCE, 'get', '/api/v1/me/webhooks')).status).toBe(403);
    expect((await call(ADMIN, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['demand.updated'] })).status).toBe(403);

    const audited = await gw.query<{ operation: string; action: string; subject: string; actor_partner_id: string }>(
      "SELECT operation, action, subject, actor_partner_id FROM audit_events WHERE operation LIKE '%/api/v1/me/webhooks%' ORDER BY seq",
    );
    expect(audited).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          operation: 'POST /api/v1/me/webhooks',
          action: 'create',
          subject: 'WebhookEndpoint',
          actor_partner_id: 'supplier-northwind',
        }),
        expect.objectContaining({ operation: 'GET /api/v1/me/webhooks/:id', action: 'read', actor_partner_id: 'supplier-acme' }),
      ]),
    );
    expect((await call(NORTHWIND, 'delete', `/api/v1/me/webhooks/${id}`)).status).toBe(204);
    expect((await call(NORTHWIND, 'get', `/api/v1/me/webhooks/${id}`)).status).toBe(404);
  });

  it('refuses bad bodies with 400 VALIDATION_FAILED and stores nothing', async () => {
    const before = await gw.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM webhook_endpoints');
    for (const body of [
      { events: ['demand.updated'] },
      { url: receiver.url },
      { url: receiver.url, events: [] },
      { url: receiver.url, events: ['order.created'] },
      { url: 'ftp://example.com/x', events: ['demand.updated'] },
      { url: receiver.url, events: ['demand.updated'], secret: 'mine' },
      { url: 'not a url', events: ['demand.updated'] },
    ]) {
      const res = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    }
    expect(await gw.query('SELECT COUNT(*) AS n FROM webhook_endpoints')).toEqual(before);
  });

  it('delivers signed events of the three types, only of records in the partner scope, with only the fields its policy grants', async () => {
    const created = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', {
      url: receiver.url,
      events: ['demand.updated', 'capacity.updated', 'shipment.updated'],
    });
    const { id, secret } = created.body.data as { id: string; secret: string };
    const start = receiver.received.length;
    const seq = await gw.headSeq();

    expect((await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-1', 'SKU-100'))).status).toBe(201);
    // Not a SKU Northwind supplies: out of its scope, never delivered.
    expect((await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-2', 'SKU-999'))).status).toBe(201);
    const capacity = await call(NORTHWIND, 'post', '/api/v1/capacity-signals', {
      site: 'PLANT-DE-1',
      sku: 'SKU-100',
      periodStart: '2026-03-01',
      availableQty: 50,
      committedQty: 10,
      leadTimeDays: 4,
      riskLevel: 'low',
    });
    expect(capacity.status).toBe(201);
    const [shipment] = await gw.query<{ id: string }>("SELECT id FROM shipments WHERE shipper_id = 'supplier-northwind' ORDER BY id");
    expect((await call(ADMIN, 'patch', `/api/v1/shipments/${shipment.id}`, { status: 'delayed' })).status).toBe(200);

    const rows = await eventually(
      () => deliveries(NORTHWIND, id),
      (r) => settled(r, 3),
    );
    // The delivery of ds-wh-2 was skipped: the history does not name a record Northwind may not see.
    await eventually(
      () => gw.query<{ status: string }>("SELECT status FROM webhook_deliveries WHERE endpoint_id = ? AND record_id = 'ds-wh-2'", [id]),
      (r) => r.length === 1 && r[0].status === 'skipped',
    );
    expect(rows.map((d) => [d.eventType, d.recordId, d.status]).sort()).toEqual(
      [
        ['capacity.updated', capacity.body.data.id, 'delivered'],
        ['demand.updated', 'ds-wh-1', 'delivered'],
        ['shipment.updated', shipment.id, 'delivered'],
      ].sort(),
    );
    expect(JSON.stringify(await deliveries(NORTHWIND, id))).not.toContain('ds-wh-2');
    const got = receiver.received.slice(start);
    expect(got).toHaveLength(3);
    for (const r of got) expect(WebhookReceiver.verify(secret, r)).toEqual(r.payload);
    const byType = Object.fromEntries(got.map((r) => [r.payload.type, r]));

    const demandData = byType['demand.updated'].payload.data;
    expect(demandData).toMatchObject({ id: 'ds-wh-1', sku: 'SKU-100', forecastQty: 10, orderedQty: 8 });
    for (const f of ECONOMICS) expect(demandData).not.toHaveProperty(f);
    expect(byType['demand.updated'].body).not.toContain('Hooli');
    expect(byType['capacity.updated'].payload.data).toMatchObject({ id: capacity.body.data.id, supplierId: 'supplier-northwind', availableQty: 50 });
    const shipmentData = byType['shipment.updated'].payload.data;
    expect(shipmentData).toMatchObject({ id: shipment.id, status: 'delayed' });
    expect(shipmentData).not.toHaveProperty('freightCost');
    expect(shipmentData).not.toHaveProperty('routingPlan');
    expect(byType['demand.updated'].id).toBe(rows.find((d) => d.recordId === 'ds-wh-1')!.id);
    expect(Number.isInteger(Number(byType['demand.updated'].timestamp))).toBe(true);

    // Every attempt is an audit event (the refused one too), with what it returned.
    const events = await gw.query<{ request_id: string; decision: string; fields_returned: string; actor_partner_id: string; operation: string }>(
      "SELECT request_id, decision, fields_returned, actor_partner_id, operation FROM audit_events WHERE seq > ? AND operation LIKE 'webhook %' ORDER BY seq",
      [seq],
    );
    expect(events).toHaveLength(4);
    for (const e of events) expect(e.actor_partner_id).toBe('supplier-northwind');
    const demandEvent = events.find((e) => e.request_id === byType['demand.updated'].id)!;
    expect(demandEvent).toMatchObject({ decision: 'allow', operation: 'webhook POST demand.updated attempt 1' });
    for (const f of ECONOMICS) expect(demandEvent.fields_returned).not.toContain(f);
    const [skipped] = await gw.query<{ id: string }>("SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND record_id = 'ds-wh-2'", [id]);
    const [refused] = await gw.query<{ decision: string; status: number }>('SELECT decision, status FROM audit_events WHERE request_id = ?', [skipped.id]);
    expect(refused).toMatchObject({ decision: 'deny', status: 404 });
    // The event is Northwind's own (its access log shows it): it does not name the record another wrote.
    const accessLog = await call(NORTHWIND, 'get', '/api/v1/me/access-log?limit=1000');
    expect(accessLog.status).toBe(200);
    expect(JSON.stringify(accessLog.body)).not.toContain('ds-wh-2');
    await call(NORTHWIND, 'delete', `/api/v1/me/webhooks/${id}`);
  });

  it("one partner's slow receivers hold up only its own deliveries: another partner's arrive while they wait", async () => {
    const GLOBEX = { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking' };
    const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
    const slow = await WebhookReceiver.start();
    slow.hold = true;
    const globexIds: string[] = [];
    let swiftId: string | null = null;
    try {
      // More of Globex's endpoints than the worker has slots, all at a receiver that does not answer.
      for (let i = 0; i < 10; i++) {
        const r = await call(GLOBEX, 'post', '/api/v1/me/webhooks', { url: slow.url, events: ['shipment.updated'] });
        expect(r.status).toBe(201);
        globexIds.push(r.body.data.id as string);
      }
      const swift = await call(SWIFTLOG, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['shipment.updated'] });
      expect(swift.status).toBe(201);
      swiftId = swift.body.data.id as string;
      const [shipment] = await gw.query<{ id: string }>(
        "SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' AND destination IN ('DC-US-EAST', 'DC-US-WEST') ORDER BY id",
      );
      const start = receiver.received.length;
      expect((await call(ADMIN, 'patch', `/api/v1/shipments/${shipment.id}`, { status: 'delayed' })).status).toBe(200);
      const signedForSwiftlog = (r: ReceivedWebhook) => {
        try {
          WebhookReceiver.verify(swift.body.data.secret as string, r);
          return true;
        } catch {
          return false;
        }
      };
      await eventually(
        () => Promise.resolve(receiver.received.slice(start).filter(signedForSwiftlog)),
        (got) => got.length === 1,
      );
      // Swiftlog's delivery was made while Globex's wait: none of them has been answered. With nothing
      // else due Globex may take more of the worker's eight slots, never the last two.
      expect(slow.waiting).toBeLessThanOrEqual(6);
      const placeholders = globexIds.map(() => '?').join(', ');
      expect(await gw.query(`SELECT id FROM webhook_deliveries WHERE endpoint_id IN (${placeholders}) AND attempts > 0`, globexIds)).toEqual([]);
      slow.release();
      // Then every one of Globex's deliveries is made.
      await slow.waitFor(10);
    } finally {
      slow.release();
      await slow.stop();
      for (const id of globexIds) await call(GLOBEX, 'delete', `/api/v1/me/webhooks/${id}`);
      if (swiftId) await call(SWIFTLOG, 'delete', `/api/v1/me/webhooks/${swiftId}`);
    }
  });

  it('judges by the policy in force when delivering: a carrier sees its own economics, which a supplier never gets', async () => {
    const carrier = await call(NORTHSTAR, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['shipment.updated'] });
    const [shipment] = await gw.query<{ id: string }>("SELECT id FROM shipments WHERE carrier_id = 'carrier-northstar' ORDER BY id");
    const start = receiver.received.length;
    expect((await call(NORTHSTAR, 'patch', `/api/v1/shipments/${shipment.id}`, { lastLocation: 'Rotterdam' })).status).toBe(200);
    await eventually(
      () => deliveries(NORTHSTAR, carrier.body.data.id),
      (r) => settled(r, 1),
    );
    await receiver.waitFor(start + 1);
    const r = receiver.received[start];
    WebhookReceiver.verify(carrier.body.data.secret, r);
    expect(r.payload.data).toMatchObject({ id: shipment.id, lastLocation: 'Rotterdam' });
    expect(r.payload.data).toHaveProperty('freightCost');
    await call(NORTHSTAR, 'delete', `/api/v1/me/webhooks/${carrier.body.data.id}`);
  });

  it('retries a failing receiver with backoff, then disables the endpoint with a reason', async () => {
    const failing = await WebhookReceiver.start();
    failing.status = 500;
    try {
      const created = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', { url: failing.url, events: ['demand.updated'] });
      const id = created.body.data.id as string;
      const seq = await gw.headSeq();
      await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-3', 'SKU-200'));
      const endpoint = await eventually(
        async () => (await call(NORTHWIND, 'get', `/api/v1/me/webhooks/${id}`)).body.data as Record<string, unknown>,
        (e) => e.enabled === false,
      );
      expect(endpoint).toMatchObject({ status: 'disabled', disabledReason: expect.stringContaining('HTTP 500') });
      expect(endpoint.disabledReason).toContain('3 attempt');
      const [d] = await deliveries(NORTHWIND, id);
      expect(d).toMatchObject({ status: 'failed', attempts: 3, lastStatus: 500, recordId: 'ds-wh-3' });
      expect(failing.received).toHaveLength(3);
      expect(new Set(failing.received.map((r) => r.id))).toEqual(new Set([d.id]));
      const attempts = await gw.query<{ operation: string }>('SELECT operation FROM audit_events WHERE seq > ? AND request_id = ? ORDER BY seq', [seq, d.id]);
      expect(attempts.map((a) => a.operation)).toEqual([1, 2, 3].map((n) => `webhook POST demand.updated attempt ${n}`));

      // A disabled endpoint gets nothing more until the partner enables it again.
      await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-4', 'SKU-200'));
      expect(await deliveries(NORTHWIND, id)).toHaveLength(1);
      failing.status = 200;
      const enabled = await call(NORTHWIND, 'patch', `/api/v1/me/webhooks/${id}`, { enabled: true });
      expect(enabled.body.data).toMatchObject({ enabled: true, disabledReason: null });
      await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-5', 'SKU-200'));
      await eventually(
        () => deliveries(NORTHWIND, id),
        (r) => r.some((x) => x.recordId === 'ds-wh-5' && x.status === 'delivered'),
      );
    } finally {
      await failing.stop();
    }
  });

  it('signs with the new secret after rotation (the old one no longer verifies)', async () => {
    const created = await call(NORTHWIND, 'post', '/api/v1/me/webhooks', { url: receiver.url, events: ['demand.updated'] });
    const id = created.body.data.id as string;
    const rotated = await call(NORTHWIND, 'post', `/api/v1/me/webhooks/${id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.data.secret).toMatch(/^whsec_/);
    expect(rotated.body.data.secret).not.toBe(created.body.data.secret);
    const start = receiver.received.length;
    await call(ADMIN, 'post', '/api/v1/demand-signals', demand('ds-wh-6', 'SKU-100'));
    await receiver.waitFor(start + 1);
    const r: ReceivedWebhook = receiver.received[start];
    expect(WebhookReceiver.verify(rotated.body.data.secret, r)).toMatchObject({ type: 'demand.updated', data: { id: 'ds-wh-6' } });
    expect(() => WebhookReceiver.verify(created.body.data.secret, r)).toThrow();
    await call(NORTHWIND, 'delete', `/api/v1/me/webhooks/${id}`);
  });
});

describe('webhook URLs (SSRF): without WEBHOOK_ALLOW_PRIVATE', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start({ WEBHOOK_ALLOW_PRIVATE: 'false' });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it.each([
    'http://127.0.0.1:8080/hook',
    'https://10.1.2.3/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://[::1]/hook',
    'http://localhost:3000/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'http://192.168.1.10/hook',
    'https://[fd00::1]/hook',
    'http://0.0.0.0/hook',
    'http://2130706433/hook',
  ])('refuses %s with 400 VALIDATION_FAILED', async (url) => {
    const res = await gw.http
      .post('/api/v1/me/webhooks')
      .set('Authorization', `Bearer ${await gw.token(NORTHWIND)}`)
      .send({ url, events: ['demand.updated'] });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(await gw.query('SELECT id FROM webhook_endpoints')).toEqual([]);
  });

  it('refuses changing an endpoint to such a URL as well', async () => {
    // Registered directly: a public address cannot be reached from the test machine, and registration resolves names.
    await gw.query(
      "INSERT INTO webhook_endpoints (id, partner_id, url, events, description, purpose, secret, enabled, created_by, created_at, updated_at) VALUES ('wh-1', 'supplier-northwind', 'https://93.184.215.14/hook', '[\"demand.updated\"]', NULL, 'replenishment-planning', 'whsec_AAAA', 1, 'x', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')",
    );
    const res = await gw.http
      .patch('/api/v1/me/webhooks/wh-1')
      .set('Authorization', `Bearer ${await gw.token(NORTHWIND)}`)
      .send({ url: 'http://127.0.0.1/hook' });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(await gw.query('SELECT url FROM webhook_endpoints')).toEqual([{ url: 'https://93.184.215.14/hook' }]);
  });
});

describe('webhook deliveries across a restart (gateway process)', () => {
  it(
    'a delivery pending when the gateway stops is delivered after it starts again',
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'gateway-webhooks-'));
      const db = await createTestDatabase();
      const env = {
        DATA_DIR: dataDir,
        DATABASE_URL: db.url ?? '',
        JWT_ISSUER: 'https://webhooks.test',
        JWT_AUDIENCE: 'webhooks',
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '50',
        WEBHOOK_BACKOFF_BASE_MS: '500',
        WEBHOOK_BACKOFF_MAX_MS: '500',
      };
      const key = async () => loadOrCreateSigningKey(dataDir);
      const token = async (claims: Record<string, unknown>, sub: string) => {
        const k = await key();
        return new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: k.kid })
          .setSubject(sub)
          .setIssuer(env.JWT_ISSUER)
          .setAudience(env.JWT_AUDIENCE)
          .setIssuedAt()
          .setExpirationTime('10m')
          .sign(k.privateKey);
      };
      // The receiver's port is chosen now and nothing listens on it until the gateway has stopped.
      const port = await freePort();
      let gw = await GatewayProcess.start(env, undefined, STARTUP_MS);
      let receiver: WebhookReceiver | null = null;
      try {
        const partner = await token({ roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' }, 'planner');
        const admin = await token({ roles: ['admin'] }, 'orchestrator');
        const send = (path: string, bearer: string, method = 'GET', body?: unknown) =>
          fetch(`${gw.url}${path}`, {
            method,
            headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
            body: body === undefined ? undefined : JSON.stringify(body),
          });
        const created = await send('/api/v1/me/webhooks', partner, 'POST', { url: `http://127.0.0.1:${port}/hooks`, events: ['demand.updated'] });
        expect(created.status).toBe(201);
        const { id, secret } = ((await created.json()) as { data: { id: string; secret: string } }).data;
        expect((await send('/api/v1/demand-signals', admin, 'POST', demand('ds-restart-1', 'SKU-100'))).status).toBe(201);
        const list = async () =>
          ((await (await send(`/api/v1/me/webhooks/${id}/deliveries`, partner)).json()) as { data: Array<Record<string, unknown>> }).data;
        await eventually(list, (r) => r.length === 1 && Number(r[0].attempts) >= 1);
        expect((await list())[0]).toMatchObject({ status: 'pending', lastError: expect.stringContaining('ECONNREFUSED') });
        await gw.stop();

        receiver = await WebhookReceiver.start(port);
        gw = await GatewayProcess.start(env, undefined, STARTUP_MS);
        await receiver.waitFor(1);
        const [d] = await eventually(list, (r) => r[0]?.status === 'delivered');
        expect(receiver.received).toHaveLength(1);
        expect(receiver.received[0].id).toBe(d.id);
        expect(WebhookReceiver.verify(secret, receiver.received[0])).toMatchObject({ type: 'demand.updated', data: { id: 'ds-restart-1' } });
      } finally {
        await gw.stop();
        await receiver?.stop();
        await db.drop();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    3 * STARTUP_MS,
  );
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
