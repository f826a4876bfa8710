import { randomUUID } from 'node:crypto';
import { ACME, bearer, dbIds, dbRows, expectProblem, NORTHWIND_CAPACITY, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { dbFingerprint, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API6:2023 Unrestricted Access to Sensitive Business Flows: a write sent again (a retry,
 * a replay, a burst of concurrent duplicates) has exactly one effect; an Idempotency-Key cannot
 * be reused for another request nor used to read another partner's answer.
 */
describe('API6 business flows: one effect per Idempotency-Key', () => {
  let gw: TestGateway;
  let northwind: string;
  let swift: string;
  let swiftShipment: string;

  const capacity = (over: Record<string, unknown> = {}) => ({
    site: 'PLANT-DE-1',
    sku: 'SKU-100',
    periodStart: '2027-01-04',
    availableQty: 900,
    riskLevel: 'low',
    ...over,
  });

  beforeAll(async () => {
    gw = await TestGateway.start();
    northwind = await bearer(gw, NORTHWIND_CAPACITY);
    swift = await bearer(gw, SWIFTLOG);
    swiftShipment = (await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-swiftlog']))[0];
  });
  afterAll(async () => {
    await gw.stop();
  });

  const post = (key: string, body: object, token = northwind) =>
    gw.http.post('/api/v1/capacity-signals').set('Authorization', token).set('Idempotency-Key', key).send(body);

  it('20 concurrent duplicates (no id in the body): one row, every answer the first one', async () => {
    const key = randomUUID();
    const body = capacity({ riskNotes: `burst ${key}` });
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(key, body)));
    const rows = await dbRows(gw, 'capacity_signals', 'risk_notes = ?', [`burst ${key}`]);
    expect(rows).toHaveLength(1);
    for (const a of answers) {
      expect(a.status).toBe(201);
      expect(a.body.data.id).toBe(rows[0].id);
    }
    expect(answers.filter((a) => a.headers['idempotent-replayed'] === 'true')).toHaveLength(19);
  });

  it('20 concurrent duplicates with a client-chosen id: one row, every answer the first one (no 409s)', async () => {
    const key = randomUUID();
    const id = `supplier-northwind.idem-${key.slice(0, 8)}`;
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(key, capacity({ id }))));
    expect(await dbIds(gw, 'capacity_signals', 'id = ?', [id])).toEqual([id]);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(201));
    for (const a of answers) expect(a.body).toEqual(answers[0].body);
  });

  it('concurrent duplicate tracking events: one event row, the shipment changed once', async () => {
    const key = randomUUID();
    const before = (await dbIds(gw, 'shipment_events', 'shipment_id = ?', [swiftShipment])).length;
    const body = { status: 'in_transit', occurredAt: new Date().toISOString(), location: `burst ${key}` };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        gw.http.post(`/api/v1/shipments/${swiftShipment}/events`).set('Authorization', swift).set('Idempotency-Key', key).send(body),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(201));
    expect(new Set(answers.map((a) => a.body.data.id)).size).toBe(1);
    expect((await dbIds(gw, 'shipment_events', 'shipment_id = ?', [swiftShipment])).length).toBe(before + 1);
  });

  it('a sequential replay writes nothing but its own audit event, and says it is a replay', async () => {
    const key = randomUUID();
    const first = await post(key, capacity({ riskNotes: `replay ${key}` }));
    expect(first.status).toBe(201);
    const before = await dbFingerprint(gw);
    const seq = await gw.headSeq();
    const again = await post(key, capacity({ riskNotes: `replay ${key}` }));
    expect({ status: again.status, body: again.body, replayed: again.headers['idempotent-replayed'] }).toEqual({
      status: 201,
      body: first.body,
      replayed: 'true',
    });
    expect(await dbFingerprint(gw)).toEqual(before);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(1);
    expect(String(events[0].reason)).toMatch(/replay/);
  });

  it('the same key with another body is refused (422), nothing written', async () => {
    const key = randomUUID();
    expect((await post(key, capacity({ availableQty: 1 }))).status).toBe(201);
    const { res } = await refused(gw, () => post(key, capacity({ availableQty: 999_999 })), 422);
    expectProblem(res, 422, 'IDEMPOTENCY_KEY_REUSED');
  });

  it('another partner using the same key gets its own judgement, never the first partner\u2019s answer', async () => {
    const key = randomUUID();
    const first = await post(key, capacity({ riskNotes: `secret ${key}`, unitCost: 7.25 }));
    expect(first.status).toBe(201);
    const acme = await bearer(gw, { ...ACME, purpose: 'capacity-planning' });
    // Acme's own policy pins supplierId to Acme: the same body is a new row of Acme's, not a replay.
    const theirs = await post(key, capacity({ riskNotes: `secret ${key}`, unitCost: 7.25 }), acme);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body?.data?.id).not.toBe(first.body.data.id);
    expect(JSON.stringify(theirs.body)).not.toContain('supplier-northwind');
  });

  it('a replayed batch push is one effect too', async () => {
    const key = randomUUID();
    const events = [0, 1, 2].map((i) => ({
      eventId: `flow-${key}-${i}`,
      shipmentId: swiftShipment,
      status: 'in_transit',
      occurredAt: new Date(Date.now() - i * 1000).toISOString(),
    }));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => gw.http.post('/api/v1/shipment-events:batch').set('Authorization', swift).set('Idempotency-Key', key).send({ events })),
    );
    for (const a of answers) expect(a.status).toBe(200);
    expect(await gw.query('SELECT id FROM shipment_events WHERE client_event_id LIKE ?', [`flow-${key}-%`])).toHaveLength(3);
  });
});
