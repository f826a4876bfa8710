import { TestGateway } from './support/test-app';

const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };
const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
const NORTHSTAR = { roles: ['partner'], partner: 'carrier-northstar', purpose: 'shipment-execution' };

describe('core gateway (REST)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('gives a supplier demand for its SKUs without customer economics', async () => {
    const token = await gw.token(NORTHWIND);
    const res = await gw.http.get('/api/v1/demand-signals?limit=500').set('Authorization', `Bearer ${token}`).expect(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    const all = await gw.query<{ n: number }>("SELECT COUNT(*) AS n FROM demand_signals WHERE sku IN ('SKU-100','SKU-200')");
    expect(res.body.data).toHaveLength(Number(all[0].n));
    for (const row of res.body.data) {
      expect(['SKU-100', 'SKU-200']).toContain(row.sku);
      expect(row).not.toHaveProperty('unitPrice');
      expect(row).not.toHaveProperty('customerName');
      expect(row).not.toHaveProperty('marginPct');
    }
    expect(res.body.meta).toMatchObject({ policyVersion: 1, purpose: 'replenishment-planning', nextCursor: null });
    expect(res.body.meta.redactedFields).toEqual(['orderedQty']);
    const restricted = res.body.data.filter((r: { region: string }) => r.region === 'EMEA-RESTRICTED');
    expect(restricted.length).toBeGreaterThan(0);
    for (const row of restricted) expect(row).not.toHaveProperty('orderedQty');
  });

  it('refuses a field no rule grants with 403 FORBIDDEN_FIELDS naming it, and audits the denial', async () => {
    const token = await gw.token(NORTHWIND);
    const before = await gw.headSeq();
    const res = await gw.http.get('/api/v1/demand-signals?fields=sku,unitPrice,marginPct').set('Authorization', `Bearer ${token}`).expect(403);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 403, code: 'FORBIDDEN_FIELDS', fields: ['unitPrice', 'marginPct'] });
    const events = await gw.auditSince(before);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'deny', status: 403, code: 'FORBIDDEN_FIELDS', actor_partner_id: 'supplier-northwind' });
  });

  it('asks for a purpose, naming the ones the policy knows', async () => {
    const token = await gw.token({ roles: ['partner'], partner: 'supplier-northwind' });
    const res = await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${token}`).expect(400);
    expect(res.body.code).toBe('PURPOSE_REQUIRED');
    expect(res.body.purposes).toEqual(['capacity-planning', 'replenishment-planning']);
    const ok = await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${token}`).set('X-Purpose', 'capacity-planning').expect(200);
    expect(ok.body.meta.fields).not.toContain('orderedQty');
    const conflict = await gw.http
      .get('/api/v1/demand-signals')
      .set('Authorization', `Bearer ${await gw.token(NORTHWIND)}`)
      .set('X-Purpose', 'capacity-planning')
      .expect(400);
    expect(conflict.body.code).toBe('PURPOSE_CONFLICT');
  });

  it('lets a carrier update its own shipment but refuses freight cost, writing nothing', async () => {
    const token = await gw.token(SWIFTLOG);
    const [before] = await gw.query("SELECT status, freight_cost FROM shipments WHERE id = 'shp-0001'");
    const seq = await gw.headSeq();
    const refused = await gw.http
      .patch('/api/v1/shipments/shp-0001')
      .set('Authorization', `Bearer ${token}`)
      .send({ status: 'delayed', freightCost: 1 })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'FORBIDDEN_FIELDS', fields: ['freightCost'] });
    expect((await gw.query("SELECT status, freight_cost FROM shipments WHERE id = 'shp-0001'"))[0]).toEqual(before);
    const [event] = await gw.auditSince(seq);
    expect(event).toMatchObject({ decision: 'deny', action: 'update', subject: 'Shipment' });

    const ok = await gw.http
      .patch('/api/v1/shipments/shp-0001')
      .set('Authorization', `Bearer ${token}`)
      .send({ status: 'delayed', eta: '2026-12-24T10:00:00.000Z', lastLocation: 'Rotterdam' })
      .expect(200);
    expect(ok.body.data).toMatchObject({ id: 'shp-0001', status: 'delayed', lastLocation: 'Rotterdam' });
    const [after] = await gw.query<{ status: string }>("SELECT status FROM shipments WHERE id = 'shp-0001'");
    expect(after.status).toBe('delayed');
  });

  it("answers another carrier's shipment exactly as a missing one (404)", async () => {
    const token = await gw.token(NORTHSTAR);
    const [{ id }] = await gw.query<{ id: string }>("SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' ORDER BY id LIMIT 1");
    const foreign = await gw.http.get(`/api/v1/shipments/${id}`).set('Authorization', `Bearer ${token}`).expect(404);
    const missing = await gw.http.get('/api/v1/shipments/shp-does-not-exist').set('Authorization', `Bearer ${token}`).expect(404);
    const strip = (b: Record<string, unknown>) => ({ ...b, detail: undefined, instance: undefined });
    expect(strip(foreign.body)).toEqual(strip(missing.body));
    await gw.http.patch(`/api/v1/shipments/${id}`).set('Authorization', `Bearer ${token}`).send({ status: 'delivered' }).expect(404);
    await gw.http
      .post(`/api/v1/shipments/${id}/events`)
      .set('Authorization', `Bearer ${token}`)
      .send({ status: 'delivered', occurredAt: '2026-12-01T00:00:00Z' })
      .expect(404);
  });

  it("lets a supplier publish its own capacity and refuses another supplier's", async () => {
    const token = await gw.token({ ...NORTHWIND, purpose: 'capacity-planning' });
    const created = await gw.http
      .post('/api/v1/capacity-signals')
      .set('Authorization', `Bearer ${token}`)
      .send({ site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 900, riskLevel: 'high', riskNotes: 'Resin shortage' })
      .expect(201);
    expect(created.body.data).toMatchObject({ supplierId: 'supplier-northwind', availableQty: 900, riskLevel: 'high' });
    const count = await gw.query<{ n: number }>('SELECT COUNT(*) AS n FROM capacity_signals');
    const refused = await gw.http
      .post('/api/v1/capacity-signals')
      .set('Authorization', `Bearer ${token}`)
      .send({ supplierId: 'supplier-acme', site: 'X', sku: 'SKU-300', periodStart: '2026-12-01', availableQty: 1, riskLevel: 'low' })
      .expect(403);
    expect(refused.body.code).toBe('OUT_OF_SCOPE');
    expect(await gw.query('SELECT COUNT(*) AS n FROM capacity_signals')).toEqual(count);
    const [acme] = await gw.query<{ id: string }>("SELECT id FROM capacity_signals WHERE supplier_id = 'supplier-acme' LIMIT 1");
    await gw.http.patch(`/api/v1/capacity-signals/${acme.id}`).set('Authorization', `Bearer ${token}`).send({ availableQty: 1 }).expect(404);
  });

  it('refuses unknown fields and bad values with 400 VALIDATION_FAILED', async () => {
    const token = await gw.token(SWIFTLOG);
    const res = await gw.http
      .patch('/api/v1/shipments/shp-0001')
      .set('Authorization', `Bearer ${token}`)
      .send({ status: 'teleported', colour: 'red' })
      .expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.detail).toMatch(/colour/);
    expect(res.body.detail).toMatch(/status/);
  });

  it('audits unauthenticated requests too', async () => {
    const seq = await gw.headSeq();
    const res = await gw.http.get('/api/v1/shipments').expect(401);
    expect(res.body.code).toBe('UNAUTHENTICATED');
    await gw.http.get('/api/v1/shipments').set('Authorization', 'Bearer not.a.jwt').expect(401);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(2);
    expect(events.every((e) => e.decision === 'deny' && Number(e.status) === 401)).toBe(true);
  });

  it('replays an idempotent write without writing twice', async () => {
    const token = await gw.token(SWIFTLOG);
    const body = { status: 'in_transit', occurredAt: '2026-12-02T09:30:00.000Z', location: 'Antwerp' };
    const first = await gw.http
      .post('/api/v1/shipments/shp-0002/events')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', 'k-1')
      .send(body)
      .expect(201);
    const again = await gw.http
      .post('/api/v1/shipments/shp-0002/events')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', 'k-1')
      .send(body)
      .expect(201);
    expect(again.body).toEqual(first.body);
    const rows = await gw.query<{ n: number }>("SELECT COUNT(*) AS n FROM shipment_events WHERE location = 'Antwerp'");
    expect(Number(rows[0].n)).toBe(1);
    await gw.http
      .post('/api/v1/shipments/shp-0002/events')
      .set('Authorization', `Bearer ${token}`)
      .set('Idempotency-Key', 'k-1')
      .send({ ...body, location: 'Ghent' })
      .expect(422);
  });

  it('applies an event to the shipment only in the fields the carrier may update', async () => {
    const gov = await gw.token({ roles: ['governance'] });
    await gw.http
      .put('/api/v1/policies/carrier-limited')
      .set('Authorization', `Bearer ${gov}`)
      .send({
        partner: { id: 'carrier-limited', name: 'Limited Carrier', kind: 'logistics' },
        rules: [
          {
            id: 'see-own',
            action: ['read', 'update'],
            subject: 'Shipment',
            fields: ['id', 'carrierId', 'status', 'lastLocation'],
            conditions: { carrierId: '${partner.id}' },
            purposes: ['x'],
          },
          { id: 'no-status', action: 'update', subject: 'Shipment', fields: ['status'], inverted: true, reason: 'status is set by the orchestrator' },
          { id: 'events', action: ['create', 'read'], subject: 'ShipmentEvent', purposes: ['x'] },
        ],
      })
      .expect(200);
    const admin = await gw.token({ roles: ['admin'] });
    await gw.http
      .post('/api/v1/shipments')
      .set('Authorization', `Bearer ${admin}`)
      .send({
        id: 'shp-limited',
        reference: 'L-1',
        carrierId: 'carrier-limited',
        shipperId: 'orchestrator',
        origin: 'A',
        destination: 'B',
        sku: 'SKU-100',
        quantity: 1,
      })
      .expect(201);
    const carrier = await gw.token({ roles: ['partner'], partner: 'carrier-limited', purpose: 'x' });
    await gw.http
      .post('/api/v1/shipments/shp-limited/events')
      .set('Authorization', `Bearer ${carrier}`)
      .send({ status: 'delivered', occurredAt: '2026-12-01T10:00:00Z', location: 'Dock 7' })
      .expect(201);
    const [row] = await gw.query<{ status: string; last_location: string }>("SELECT status, last_location FROM shipments WHERE id = 'shp-limited'");
    expect(row).toEqual({ status: 'planned', last_location: 'Dock 7' });
  });
});
