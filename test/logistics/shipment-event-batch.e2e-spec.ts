import { TestGateway } from '../support/test-app';
import { bearer, eventsRecordedBy, NORTHSTAR, parseJsonList, shipmentRow, SWIFTLOG } from './logistics-support';

const BATCH = '/api/v1/shipment-events:batch';

describe('logistics: POST /shipment-events:batch', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('judges each event alone: valid, invalid, out of scope and duplicate items, one transaction, one audit event', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const [foreign] = await gw.query<{ id: string }>("SELECT id FROM shipments WHERE carrier_id = 'carrier-northstar' ORDER BY id LIMIT 1");
    const eventsBefore = await gw.query<{ n: number }>('SELECT COUNT(*) AS n FROM shipment_events');
    const foreignBefore = await shipmentRow(gw, foreign.id);
    const seq = await gw.headSeq();

    const res = await gw.http
      .post(BATCH)
      .set('Authorization', auth)
      .send({
        events: [
          {
            eventId: 'b-1',
            shipmentId: 'shp-0001',
            status: 'in_transit',
            occurredAt: '2026-03-02T10:00:00Z',
            location: 'Rotterdam',
            note: 'Gate in',
            temperatureC: 6.5,
          },
          { eventId: 'b-2', shipmentId: 'shp-0001', status: 'teleported', occurredAt: '2026-03-02T11:00:00Z' },
          { eventId: 'b-3', shipmentId: foreign.id, status: 'delivered', occurredAt: '2026-03-02T12:00:00Z' },
          { eventId: 'b-1', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-03-02T10:00:00Z', location: 'Rotterdam' },
          { eventId: 'b-4', shipmentId: 'shp-0001', status: 'picked_up', occurredAt: '2026-03-01T08:00:00Z', location: 'Stuttgart' },
          { eventId: 'b-5', shipmentId: 'shp-0001', status: 'delayed', occurredAt: '2026-03-02T13:00:00Z', colour: 'red' },
          { eventId: 'b-6', status: 'delayed', occurredAt: '2026-03-02T13:00:00Z' },
          { eventId: 'b-7', shipmentId: 'shp-does-not-exist', status: 'delayed', occurredAt: '2026-03-02T13:00:00Z' },
        ],
      })
      .expect(200);

    expect(res.body.data.results).toEqual([
      { index: 0, eventId: 'b-1', outcome: 'accepted', code: null, message: expect.stringMatching(/^Recorded as evt-/) },
      { index: 1, eventId: 'b-2', outcome: 'refused', code: 'VALIDATION_FAILED', message: expect.stringMatching(/status/) },
      { index: 2, eventId: 'b-3', outcome: 'refused', code: 'NOT_FOUND', message: expect.any(String) },
      { index: 3, eventId: 'b-1', outcome: 'duplicate', code: 'DUPLICATE', message: expect.any(String) },
      { index: 4, eventId: 'b-4', outcome: 'accepted', code: null, message: expect.stringMatching(/older than the shipment's last event/) },
      { index: 5, eventId: 'b-5', outcome: 'refused', code: 'VALIDATION_FAILED', message: expect.stringMatching(/colour/) },
      { index: 6, eventId: 'b-6', outcome: 'refused', code: 'VALIDATION_FAILED', message: expect.stringMatching(/shipmentId/) },
      { index: 7, eventId: 'b-7', outcome: 'refused', code: 'NOT_FOUND', message: expect.any(String) },
    ]);
    // Out of scope reads exactly as absent.
    const strip = (m: string) => m.replace(/'[^']*'/, "'x'");
    expect(strip(res.body.data.results[2].message)).toBe(strip(res.body.data.results[7].message));
    expect(res.body.meta).toMatchObject({ total: 8, accepted: 2, refused: 5, duplicate: 1, policyVersion: 1, purpose: 'shipment-execution' });

    // The database: two events stored once each; the shipment shows the newer one; nothing else changed.
    const stored = await eventsRecordedBy(gw, 'carrier-swiftlog', ['b-1', 'b-2', 'b-3', 'b-4', 'b-5', 'b-6', 'b-7']);
    expect(stored.map((e) => [e.client_event_id, e.shipment_id, e.status])).toEqual([
      ['b-1', 'shp-0001', 'in_transit'],
      ['b-4', 'shp-0001', 'picked_up'],
    ]);
    const [{ n }] = await gw.query<{ n: number }>('SELECT COUNT(*) AS n FROM shipment_events');
    expect(Number(n)).toBe(Number(eventsBefore[0].n) + 2);
    expect(await shipmentRow(gw, 'shp-0001')).toEqual({
      status: 'in_transit',
      lastLocation: 'Rotterdam',
      lastEventAt: '2026-03-02T10:00:00.000Z',
      temperatureC: 6.5,
    });
    expect(await shipmentRow(gw, foreign.id)).toEqual(foreignBefore);

    // One audit event for the request: partial, naming the accepted events and their shipment.
    const audit = await gw.auditSince(seq);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ decision: 'partial', action: 'create', subject: 'ShipmentEvent', actor_partner_id: 'carrier-swiftlog' });
    expect(Number(audit[0].status)).toBe(200);
    expect(Number(audit[0].row_count)).toBe(2);
    expect(audit[0].operation).toBe('POST /api/v1/shipment-events:batch');
    // The shipments the refused events addressed are named too (an auditor finds the attempts by resourceId).
    expect(parseJsonList(audit[0].resource_ids).sort()).toEqual([...stored.map((e) => String(e.id)), 'shp-0001', foreign.id, 'shp-does-not-exist'].sort());
    expect(audit[0].reason).toMatch(/^2 accepted, 5 refused \((?=.*NOT_FOUND: 2)(?=.*VALIDATION_FAILED: 3).*\), 1 duplicate$/);
  });

  it('answers a resent batch with duplicates and stores nothing twice', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const body = {
      events: [
        { eventId: 'r-1', shipmentId: 'shp-0007', status: 'in_transit', occurredAt: '2026-03-05T09:00:00Z', location: 'Indianapolis' },
        { eventId: 'r-2', shipmentId: 'shp-0007', status: 'delayed', occurredAt: '2026-03-05T15:00:00Z', location: 'Indianapolis' },
      ],
    };
    const first = await gw.http.post(BATCH).set('Authorization', auth).send(body).expect(200);
    expect(first.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted', 'accepted']);
    const seq = await gw.headSeq();
    const again = await gw.http.post(BATCH).set('Authorization', auth).send(body).expect(200);
    expect(again.body.data.results.map((r: { outcome: string; code: string }) => [r.outcome, r.code])).toEqual([
      ['duplicate', 'DUPLICATE'],
      ['duplicate', 'DUPLICATE'],
    ]);
    expect(await eventsRecordedBy(gw, 'carrier-swiftlog', ['r-1', 'r-2'])).toHaveLength(2);
    const [event] = await gw.auditSince(seq);
    expect(event).toMatchObject({ decision: 'allow' });
    // A single event with a used eventId is still 409, as before.
    await gw.http
      .post('/api/v1/shipments/shp-0007/events')
      .set('Authorization', auth)
      .send({ eventId: 'r-1', status: 'in_transit', occurredAt: '2026-03-05T09:00:00Z' })
      .expect(409);
  });

  it('makes all but one of concurrent pushes of the same eventId duplicates, not errors', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const body = { events: [{ eventId: 'c-1', shipmentId: 'shp-0008', status: 'exception', occurredAt: '2026-03-07T09:00:00Z', location: 'Baltimore' }] };
    const answers = await Promise.all([1, 2, 3].map(() => gw.http.post(BATCH).set('Authorization', auth).send(body)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers.map((a) => a.body.data.results[0].outcome).sort()).toEqual(['accepted', 'duplicate', 'duplicate']);
    expect(await eventsRecordedBy(gw, 'carrier-swiftlog', ['c-1'])).toHaveLength(1);
  });

  it('replays an Idempotency-Key with the first answer and writes nothing', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const body = { events: [{ eventId: 'i-1', shipmentId: 'shp-0014', status: 'picked_up', occurredAt: '2026-03-10T07:00:00Z', location: 'Stuttgart' }] };
    const first = await gw.http.post(BATCH).set('Authorization', auth).set('Idempotency-Key', 'batch-k1').send(body).expect(200);
    expect(first.body.data.results[0].outcome).toBe('accepted');
    const replay = await gw.http.post(BATCH).set('Authorization', auth).set('Idempotency-Key', 'batch-k1').send(body).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await eventsRecordedBy(gw, 'carrier-swiftlog', ['i-1'])).toHaveLength(1);
    await gw.http
      .post(BATCH)
      .set('Authorization', auth)
      .set('Idempotency-Key', 'batch-k1')
      .send({ events: [{ ...body.events[0], location: 'elsewhere' }] })
      .expect(422);
  });

  it('applies events monotonically when a batch carries them out of order', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const res = await gw.http
      .post(BATCH)
      .set('Authorization', auth)
      .send({
        events: [
          { eventId: 'o-3', shipmentId: 'shp-0016', status: 'delivered', occurredAt: '2026-04-03T12:00:00Z', location: 'Frankfurt am Main, DE' },
          { eventId: 'o-1', shipmentId: 'shp-0016', status: 'in_transit', occurredAt: '2026-04-01T12:00:00Z', location: 'Nuremberg hub, DE' },
          { eventId: 'o-2', shipmentId: 'shp-0016', status: 'delayed', occurredAt: '2026-04-02T12:00:00Z', location: 'Wuerzburg, DE' },
        ],
      })
      .expect(200);
    expect(res.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(await shipmentRow(gw, 'shp-0016')).toMatchObject({
      status: 'delivered',
      lastLocation: 'Frankfurt am Main, DE',
      lastEventAt: '2026-04-03T12:00:00.000Z',
    });
    // A later single event that is older changes nothing either.
    await gw.http
      .post('/api/v1/shipments/shp-0016/events')
      .set('Authorization', auth)
      .send({ status: 'exception', occurredAt: '2026-04-02T18:00:00Z', location: 'Somewhere' })
      .expect(201);
    expect(await shipmentRow(gw, 'shp-0016')).toMatchObject({ status: 'delivered', lastEventAt: '2026-04-03T12:00:00.000Z' });
  });

  it("judges each carrier by its own policy: its shipment accepted, another carrier's refused as not found", async () => {
    const auth = await bearer(gw, NORTHSTAR);
    const [own] = await gw.query<{ id: string }>("SELECT id FROM shipments WHERE carrier_id = 'carrier-northstar' ORDER BY id LIMIT 1");
    const res = await gw.http
      .post(BATCH)
      .set('Authorization', auth)
      .send({
        events: [
          { eventId: 'n-1', shipmentId: own.id, status: 'in_transit', occurredAt: '2026-03-03T10:00:00Z' },
          { eventId: 'n-2', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-03-03T10:00:00Z' },
        ],
      })
      .expect(200);
    expect(res.body.data.results.map((r: { outcome: string; code: string }) => [r.outcome, r.code])).toEqual([
      ['accepted', null],
      ['refused', 'NOT_FOUND'],
    ]);
  });

  it('refuses more than 1,000 events with 413 problem+json and writes nothing', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const events = Array.from({ length: 1001 }, (_, i) => ({
      eventId: `big-${i}`,
      shipmentId: 'shp-0001',
      status: 'in_transit',
      occurredAt: '2026-03-02T10:00:00Z',
    }));
    const seq = await gw.headSeq();
    const res = await gw.http.post(BATCH).set('Authorization', auth).send({ events }).expect(413);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE', maxEvents: 1000, events: 1001 });
    expect(await eventsRecordedBy(gw, 'carrier-swiftlog', ['big-0', 'big-1000'])).toHaveLength(0);
    const audit = await gw.auditSince(seq);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ decision: 'deny', code: 'PAYLOAD_TOO_LARGE' });

    const ok = await gw.http
      .post(BATCH)
      .set('Authorization', auth)
      .send({ events: events.slice(0, 1000).map((e, i) => ({ ...e, occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString() })) })
      .expect(200);
    expect(ok.body.meta).toMatchObject({ total: 1000, accepted: 1000 });
  });

  it('refuses a malformed body whole with 400, and needs a purpose and a role', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    expect((await gw.http.post(BATCH).set('Authorization', auth).send({ events: 'no' }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    expect((await gw.http.post(BATCH).set('Authorization', auth).send({ events: [], extra: 1 }).expect(400)).body.detail).toMatch(/extra/);
    expect((await gw.http.post(BATCH).set('Authorization', auth).send({ events: [] }).expect(400)).body.code).toBe('VALIDATION_FAILED');
    const noPurpose = await bearer(gw, { roles: ['partner'], partner: 'carrier-swiftlog' });
    expect((await gw.http.post(BATCH).set('Authorization', noPurpose).send({ events: [] }).expect(400)).body.code).toBe('PURPOSE_REQUIRED');
    const auditor = await bearer(gw, { roles: ['auditor'] });
    expect((await gw.http.post(BATCH).set('Authorization', auditor).send({ events: [] }).expect(403)).body.code).toBe('FORBIDDEN_ROLE');
    await gw.http.post(BATCH).send({ events: [] }).expect(401);
  });
});
