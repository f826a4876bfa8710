import { TestGateway } from '../support/test-app';
import { bearer, GOVERNANCE, NORTHSTAR, ssccOf } from './logistics-support';

const DQ = (partner: string, query = '') => `/api/v1/partners/${partner}/data-quality${query}`;

describe('logistics: data quality per partner', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('computes rates and freshness from a known sequence of pushes (single, batch, EPCIS)', async () => {
    const auth = await bearer(gw, NORTHSTAR);
    const gov = await bearer(gw, GOVERNANCE);
    const started = new Date(Date.now() - 1000).toISOString();
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60000).toISOString();

    // Single events: accepted, refused (another carrier's shipment: 404), duplicate (409).
    await gw.http
      .post('/api/v1/shipments/shp-0006/events')
      .set('Authorization', auth)
      .send({ eventId: 'dq-1', status: 'in_transit', occurredAt: ago(60), location: 'Denver, CO, US' })
      .expect(201);
    await gw.http
      .post('/api/v1/shipments/shp-0001/events')
      .set('Authorization', auth)
      .send({ eventId: 'dq-x', status: 'in_transit', occurredAt: ago(60) })
      .expect(404);
    await gw.http
      .post('/api/v1/shipments/shp-0006/events')
      .set('Authorization', auth)
      .send({ eventId: 'dq-1', status: 'in_transit', occurredAt: ago(60) })
      .expect(409);

    // A batch: fresh, late and out of order (48 h old), invalid, out of scope, duplicate.
    const batch = await gw.http
      .post('/api/v1/shipment-events:batch')
      .set('Authorization', auth)
      .send({
        events: [
          { eventId: 'dq-2', shipmentId: 'shp-0006', status: 'in_transit', occurredAt: ago(30) },
          { eventId: 'dq-3', shipmentId: 'shp-0006', status: 'picked_up', occurredAt: ago(48 * 60) },
          { eventId: 'dq-4', shipmentId: 'shp-0006', status: 'lost', occurredAt: ago(20) },
          { eventId: 'dq-5', shipmentId: 'shp-0002', status: 'delivered', occurredAt: ago(20) },
          { eventId: 'dq-1', shipmentId: 'shp-0006', status: 'in_transit', occurredAt: ago(60) },
        ],
      })
      .expect(200);
    expect(batch.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted', 'accepted', 'refused', 'refused', 'duplicate']);

    // EPCIS: one accepted, one of a type that is not EPCIS's.
    const sscc = await ssccOf(gw, 'shp-0006');
    const event = (bizStep: string, minutes: number) => ({
      type: 'ObjectEvent',
      eventTime: ago(minutes),
      eventTimeZoneOffset: '+00:00',
      action: 'OBSERVE',
      epcList: [`https://id.gs1.org/00/${sscc}`],
      bizStep,
    });
    const epcis = await gw.http
      .post('/api/v1/epcis/capture')
      .set('Authorization', auth)
      .send({
        '@context': 'https://ref.gs1.org/standards/epcis/epcis-context.jsonld',
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: new Date().toISOString(),
        epcisBody: { eventList: [event('arriving', 10), { ...event('inspecting', 5), type: 'example:InspectionEvent' }] },
      })
      .expect(200);
    expect(epcis.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted', 'refused']);

    const res = await gw.http.get(DQ('carrier-northstar', '?window=P7D')).set('Authorization', gov).expect(200);
    const d = res.body.data;
    expect(d).toMatchObject({
      partnerId: 'carrier-northstar',
      partnerKind: 'logistics',
      pushes: 5,
      events: { received: 10, accepted: 4, refused: 4, duplicates: 2, late: 1, outOfOrder: 1 },
      refusedByCode: { NOT_FOUND: 2, UNSUPPORTED_EVENT_TYPE: 1, VALIDATION_FAILED: 1 },
      rates: { accepted: 0.4, refused: 0.4, duplicate: 0.2, late: 0.25, outOfOrder: 0.25 },
      bySource: {
        event: { pushes: 3, received: 3, accepted: 1, refused: 1, duplicates: 1, late: 0, outOfOrder: 0 },
        batch: { pushes: 1, received: 5, accepted: 2, refused: 2, duplicates: 1, late: 1, outOfOrder: 1 },
        epcis: { pushes: 1, received: 2, accepted: 1, refused: 1, duplicates: 0 },
      },
    });
    expect(d.window.duration).toBe('P7D');
    expect(Date.parse(d.window.until) - Date.parse(d.window.since)).toBe(7 * 86400 * 1000);
    expect(d.freshness.ShipmentEvent.lastAt >= started).toBe(true);
    expect(d.freshness.ShipmentEvent.ageSeconds).toBeLessThan(60);
    expect(d.freshness.CapacitySignal).toMatchObject({ lastAt: null, ageSeconds: null });
    expect(res.body.meta.lateAfterHours).toBe(24);

    // A window that starts after the pushes holds nothing; the rates are then null, not 0.
    const later = await gw.http
      .get(
        DQ(
          'carrier-northstar',
          `?since=${encodeURIComponent(new Date(Date.now() + 60000).toISOString())}&until=${encodeURIComponent(new Date(Date.now() + 120000).toISOString())}`,
        ),
      )
      .set('Authorization', gov)
      .expect(200);
    expect(later.body.data).toMatchObject({ pushes: 0, events: { received: 0 }, rates: { accepted: null, late: null } });

    // Prometheus, labelled by partner.
    const metrics = await gw.http.get('/metrics').expect(200);
    expect(metrics.text).toContain('gateway_push_events_total{partner="carrier-northstar",source="batch",outcome="accepted"} 2');
    expect(metrics.text).toContain('gateway_push_refusals_total{partner="carrier-northstar",source="epcis",code="UNSUPPORTED_EVENT_TYPE"} 1');
    expect(metrics.text).toContain('gateway_push_late_events_total{partner="carrier-northstar",source="batch"} 1');
    expect(metrics.text).toContain('gateway_push_out_of_order_events_total{partner="carrier-northstar",source="batch"} 1');
    expect(metrics.text).toMatch(/gateway_push_last_accepted_timestamp_seconds\{partner="carrier-northstar"\} \d+/);
  });

  it("reports a supplier's capacity freshness", async () => {
    const res = await gw.http
      .get(DQ('supplier-northwind'))
      .set('Authorization', await bearer(gw, GOVERNANCE))
      .expect(200);
    const [row] = await gw.query<{ last: string }>("SELECT MAX(updated_at) AS last FROM capacity_signals WHERE supplier_id = 'supplier-northwind'");
    expect(res.body.data.freshness.CapacitySignal.lastAt).toBe(row.last);
    expect(res.body.data.window.duration).toBe('P7D');
  });

  it('is for governance only, audited, and checks its parameters', async () => {
    const gov = await bearer(gw, GOVERNANCE);
    const seq = await gw.headSeq();
    await gw.http
      .get(DQ('carrier-northstar'))
      .set('Authorization', await bearer(gw, NORTHSTAR))
      .expect(403);
    await gw.http
      .get(DQ('carrier-northstar'))
      .set('Authorization', await bearer(gw, { roles: ['admin'] }))
      .expect(403);
    await gw.http.get(DQ('carrier-nobody')).set('Authorization', gov).expect(404);
    for (const q of ['?window=7D', '?window=P0D', '?window=P400D', '?window=P1D&since=2026-01-01T00:00:00Z', '?since=yesterday', '?colour=red']) {
      expect((await gw.http.get(DQ('carrier-northstar', q)).set('Authorization', gov).expect(400)).body.code).toBe('VALIDATION_FAILED');
    }
    await gw.http.get(DQ('carrier-northstar', '?window=PT12H')).set('Authorization', gov).expect(200);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(10);
    expect(events[events.length - 1]).toMatchObject({ operation: 'GET /api/v1/partners/:id/data-quality', subject: 'DataQuality', decision: 'allow' });
  });
});
