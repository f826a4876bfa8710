import { TestGateway } from '../support/test-app';
import { bearer, eventsRecordedBy, parseJsonList, shipmentRow, ssccOf, SWIFTLOG } from './logistics-support';

const CAPTURE = '/api/v1/epcis/capture';
const CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { example: 'https://ns.example.com/epcis/' }];

/** `106141410000002019` → `urn:epc:id:sscc:0614141.1000000201` (GS1 company prefix 0614141). */
function ssccUrn(sscc: string): string {
  return `urn:epc:id:sscc:${sscc.slice(1, 8)}.${sscc.charAt(0)}${sscc.slice(8, 17)}`;
}

function document(eventList: unknown[]) {
  return { '@context': CONTEXT, type: 'EPCISDocument', schemaVersion: '2.0', creationDate: '2026-03-05T10:00:00.000+01:00', epcisBody: { eventList } };
}

describe('logistics: EPCIS 2.0 capture and query', () => {
  let gw: TestGateway;
  let reefer: string; // shp-0010, SwiftLog's reefer container
  let asn: string; // shp-0001, SwiftLog
  let foreign: string; // shp-0003, Northstar's
  beforeAll(async () => {
    gw = await TestGateway.start();
    reefer = await ssccOf(gw, 'shp-0010');
    asn = await ssccOf(gw, 'shp-0001');
    foreign = await ssccOf(gw, 'shp-0003');
  });
  afterAll(async () => {
    await gw.stop();
  });

  const departing = () => ({
    type: 'ObjectEvent',
    eventID: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a01',
    eventTime: '2026-03-05T08:30:00.000+01:00',
    eventTimeZoneOffset: '+01:00',
    recordTime: '2026-03-05T08:31:02.118+01:00',
    epcList: [ssccUrn(reefer)],
    action: 'OBSERVE',
    bizStep: 'departing',
    disposition: 'in_transit',
    readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
    bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:TO-2025-0201' }],
    sensorElementList: [
      {
        sensorMetadata: { time: '2026-03-05T08:00:00.000+01:00', deviceID: 'urn:epc:id:giai:4000001.111' },
        sensorReport: [
          { type: 'gs1:Temperature', value: 4.2, uom: 'CEL' },
          { type: 'gs1:RelativeHumidity', value: 61, uom: 'A93' },
        ],
      },
      {
        sensorMetadata: { time: '2026-03-05T08:25:00.000+01:00', deviceID: 'urn:epc:id:giai:4000001.111' },
        sensorReport: [{ type: 'gs1:Temperature', value: 4.6, uom: 'CEL' }],
      },
    ],
    'example:carrierTrip': 'TRIP-77',
  });
  const arriving = () => ({
    type: 'ObjectEvent',
    eventTime: '2026-03-05T14:00:00Z',
    eventTimeZoneOffset: '+00:00',
    epcList: [`https://id.gs1.org/00/${asn}`],
    action: 'OBSERVE',
    bizStep: 'urn:epcglobal:cbv:bizstep:arriving',
    disposition: 'urn:epcglobal:cbv:disp:in_transit',
    readPoint: { id: 'https://id.gs1.org/414/0614141007779' },
  });
  const northstars = () => ({
    type: 'ObjectEvent',
    eventID: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a03',
    eventTime: '2026-03-05T15:00:00Z',
    eventTimeZoneOffset: '+00:00',
    epcList: [ssccUrn(foreign)],
    action: 'OBSERVE',
    bizStep: 'receiving',
    readPoint: { id: 'urn:epc:id:sgln:0614141.00888.0' },
  });
  const byReference = () => ({
    type: 'ObjectEvent',
    eventID: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a04',
    eventTime: '2026-03-10T07:15:00+01:00',
    eventTimeZoneOffset: '+01:00',
    epcList: [],
    action: 'OBSERVE',
    bizStep: 'https://ref.gs1.org/cbv/BizStep-shipping',
    disposition: 'https://ref.gs1.org/cbv/Disp-in_transit',
    readPoint: { id: 'urn:epc:id:sgln:0614141.00001.0' },
    bizTransactionList: [{ bizTransaction: 'ASN-2025-0110' }],
  });

  it('captures a real-world-shaped document: SSCC as URN and Digital Link, reference, temperature; refuses the foreign and unusable events', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const seq = await gw.headSeq();
    const foreignBefore = await shipmentRow(gw, 'shp-0003');
    const res = await gw.http
      .post(CAPTURE)
      .set('Authorization', auth)
      .set('Content-Type', 'application/ld+json')
      .send(
        JSON.stringify(
          document([
            departing(),
            arriving(),
            northstars(),
            byReference(),
            { type: 'AggregationEvent', eventTime: '2026-03-05T15:00:00Z', eventTimeZoneOffset: '+00:00', parentID: ssccUrn(reefer), action: 'ADD' },
            { ...arriving(), eventTime: '2026-03-05T16:00:00Z', bizStep: 'inspecting', disposition: 'active' },
            { ...arriving(), eventTime: '2026-03-05T16:00:00Z', epcList: ['urn:epc:id:sgtin:0614141.107346.2018'] },
          ]),
        ),
      )
      .expect(200);
    const hash = res.body.data.results[1].eventId as string;
    expect(hash).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    expect(res.body.data.results).toEqual([
      { index: 0, eventId: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a01', outcome: 'accepted', code: null, message: expect.stringContaining('shp-0010') },
      { index: 1, eventId: hash, outcome: 'accepted', code: null, message: expect.stringContaining('shp-0001') },
      {
        index: 2,
        eventId: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a03',
        outcome: 'refused',
        code: 'NOT_FOUND',
        message: `No shipment you may track has SSCC ${foreign}.`,
      },
      { index: 3, eventId: 'urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a04', outcome: 'accepted', code: null, message: expect.stringContaining('shp-0014') },
      // Kept as captured, linked to the shipment, without a status change.
      {
        index: 4,
        eventId: expect.stringMatching(/^ni:/),
        outcome: 'accepted',
        code: null,
        message: expect.stringMatching(/^Kept as epc-.* on shipment shp-0010; no shipment state changed\.$/),
      },
      {
        index: 5,
        eventId: expect.stringMatching(/^ni:/),
        outcome: 'accepted',
        code: null,
        message: expect.stringContaining('shp-0001; no shipment state changed'),
      },
      { index: 6, eventId: expect.stringMatching(/^ni:/), outcome: 'refused', code: 'NO_SHIPMENT_IDENTIFIER', message: expect.any(String) },
    ]);
    expect(res.body.meta).toMatchObject({ total: 7, accepted: 5, refused: 2, duplicate: 0 });

    // Mapped onto the shipments: eventTime → occurredAt (UTC), bizStep/disposition → status, readPoint → location, temperature.
    expect(await shipmentRow(gw, 'shp-0010')).toEqual({
      status: 'in_transit',
      lastLocation: 'urn:epc:id:sgln:0614141.00777.0',
      lastEventAt: '2026-03-05T07:30:00.000Z',
      temperatureC: 4.6,
    });
    expect(await shipmentRow(gw, 'shp-0001')).toMatchObject({
      status: 'in_transit',
      lastLocation: 'https://id.gs1.org/414/0614141007779',
      lastEventAt: '2026-03-05T14:00:00.000Z',
    });
    expect(await shipmentRow(gw, 'shp-0014')).toMatchObject({ status: 'picked_up', lastEventAt: '2026-03-10T06:15:00.000Z' });
    expect(await shipmentRow(gw, 'shp-0003')).toEqual(foreignBefore);
    const stored = await eventsRecordedBy(gw, 'carrier-swiftlog', ['urn:uuid:4b2c4d3e-0f57-4d7a-9d44-3f1c8a7e5a01', hash]);
    expect(stored.map((e) => [e.shipment_id, e.status, e.temperature_c === null ? null : Number(e.temperature_c)]).sort()).toEqual([
      ['shp-0001', 'in_transit', null],
      ['shp-0010', 'in_transit', 4.6],
    ]);

    const audit = await gw.auditSince(seq);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ operation: 'POST /api/v1/epcis/capture', decision: 'partial', subject: 'ShipmentEvent' });
    expect(parseJsonList(audit[0].resource_ids)).toEqual(expect.arrayContaining(['shp-0010', 'shp-0001', 'shp-0014']));
    expect(parseJsonList(audit[0].resource_ids)).not.toContain('shp-0003');
  });

  it('answers a resent event as a duplicate, by eventID or by event hash (however the event is written)', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const count = async () => Number((await gw.query<{ n: number }>('SELECT COUNT(*) AS n FROM shipment_events'))[0].n);
    const before = await count();
    // The same arriving event with the SSCC as URN, CBV terms as Web URIs, the time in another zone, keys in another order.
    const rewritten = {
      readPoint: { id: 'https://id.gs1.org/414/0614141007779' },
      disposition: 'https://ref.gs1.org/cbv/Disp-in_transit',
      bizStep: 'arriving',
      action: 'OBSERVE',
      epcList: [ssccUrn(asn)],
      eventTimeZoneOffset: '+00:00',
      eventTime: '2026-03-05T15:00:00.000+01:00',
      type: 'ObjectEvent',
    };
    const res = await gw.http
      .post(CAPTURE)
      .set('Authorization', auth)
      .send(document([departing(), rewritten]))
      .expect(200);
    expect(res.body.data.results.map((r: { outcome: string; code: string }) => [r.outcome, r.code])).toEqual([
      ['duplicate', 'DUPLICATE'],
      ['duplicate', 'DUPLICATE'],
    ]);
    expect(await count()).toBe(before);
  });

  it('refuses a malformed document whole with 400 VALIDATION_FAILED naming the problems, and a malformed event alone with its path', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const seq = await gw.headSeq();
    const badEvent = {
      ...departing(),
      eventID: 'urn:uuid:00000000-0000-4000-8000-00000000bad0',
      eventTime: 'yesterday',
      action: 'LOOK',
      eventTimeZoneOffset: undefined,
      colour: 'red',
    };
    const bad = document([badEvent]);
    delete (bad as Record<string, unknown>).schemaVersion;
    const res = await gw.http.post(CAPTURE).set('Authorization', auth).send(bad).expect(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toEqual(["(document): must have property 'schemaVersion'"]);
    for (const e of res.body.errors as string[]) expect(res.body.detail).toContain(e);

    const mixed = await gw.http
      .post(CAPTURE)
      .set('Authorization', auth)
      .send(document([badEvent, { type: 'example:CustomEvent', eventTime: '2026-03-05T15:00:00Z' }]))
      .expect(200);
    const [first, second] = mixed.body.data.results as Array<{ outcome: string; code: string; message: string }>;
    expect(first).toMatchObject({ outcome: 'refused', code: 'VALIDATION_FAILED' });
    for (const problem of [
      "epcisBody.eventList[0]: must have property 'eventTimeZoneOffset'",
      'epcisBody.eventList[0].action: must be one of "ADD", "OBSERVE", "DELETE"',
      "epcisBody.eventList[0]: unknown property 'colour'",
    ])
      expect(first.message).toContain(problem);
    expect(second).toMatchObject({ outcome: 'refused', code: 'UNSUPPORTED_EVENT_TYPE', message: expect.stringContaining('epcisBody.eventList[1].type') });
    await gw.http.post(CAPTURE).set('Authorization', auth).send({ type: 'EPCISQueryDocument' }).expect(400);
    const [event] = await gw.auditSince(seq);
    expect(event).toMatchObject({ decision: 'deny', code: 'VALIDATION_FAILED', subject: 'ShipmentEvent' });
  });

  it('refuses more than 1,000 events with 413', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const events = Array.from({ length: 1001 }, (_, i) => ({ ...arriving(), eventTime: new Date(Date.UTC(2026, 1, 1) + i * 60000).toISOString() }));
    const res = await gw.http.post(CAPTURE).set('Authorization', auth).send(document(events)).expect(413);
    expect(res.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', maxEvents: 1000 });
  });

  it('refuses temperatures in an unknown unit, per event, and converts Fahrenheit', async () => {
    const auth = await bearer(gw, SWIFTLOG);
    const reading = (value: number, uom: string) => ({
      ...departing(),
      eventID: `urn:uuid:00000000-0000-4000-8000-0000000000${uom === 'FAH' ? '0f' : '0a'}`,
      eventTime: '2026-03-06T08:30:00Z',
      eventTimeZoneOffset: '+00:00',
      sensorElementList: [{ sensorReport: [{ type: 'Temperature', value, uom }] }],
    });
    const res = await gw.http
      .post(CAPTURE)
      .set('Authorization', auth)
      .send(document([reading(41, 'FAH'), reading(1, 'XYZ')]))
      .expect(200);
    expect(res.body.data.results.map((r: { outcome: string; code: string }) => [r.outcome, r.code])).toEqual([
      ['accepted', null],
      ['refused', 'VALIDATION_FAILED'],
    ]);
    expect((await shipmentRow(gw, 'shp-0010')).temperatureC).toBe(5);
  });

  it('answers the events a caller may read as an EPCISQueryDocument', async () => {
    const swift = await gw.http
      .get('/api/v1/epcis/events?shipmentId=shp-0010')
      .set('Authorization', await bearer(gw, SWIFTLOG))
      .expect(200);
    expect(swift.body).toMatchObject({ type: 'EPCISQueryDocument', schemaVersion: '2.0', epcisBody: { queryResults: { queryName: 'SimpleEventQuery' } } });
    expect(swift.body['@context'][0]).toBe('https://ref.gs1.org/standards/epcis/epcis-context.jsonld');
    const events: Array<Record<string, unknown>> = swift.body.epcisBody.queryResults.resultsBody.eventList;
    const captured = events.find((e) => e.eventTime === '2026-03-05T07:30:00.000Z')!;
    expect(captured).toMatchObject({
      type: 'ObjectEvent',
      eventTimeZoneOffset: '+00:00',
      action: 'OBSERVE',
      epcList: [`https://id.gs1.org/00/${reefer}`],
      bizStep: 'transporting',
      disposition: 'in_transit',
      readPoint: { id: 'urn:epc:id:sgln:0614141.00777.0' },
      bizTransactionList: [{ bizTransaction: 'urn:gateway:shipment-reference:TO-2025-0201' }],
      sensorElementList: [{ sensorReport: [{ type: 'gs1:Temperature', value: 4.6, uom: 'CEL' }] }],
      'gw:shipmentId': 'shp-0010',
      'gw:status': 'in_transit',
      'gw:recordedBy': 'carrier-swiftlog',
    });
    expect(captured.eventID).toMatch(/^urn:gateway:shipment-event:evt-/);
    // The seeded milestones are there too (a free-text location becomes gw:location).
    expect(events.some((e) => e['gw:location'] === 'Port of Antwerp, BE')).toBe(true);

    // A customer sees milestones of its inbound delivery, without location, carrier, SSCC or temperature.
    const globex = await gw.http
      .get('/api/v1/epcis/events?shipmentId=shp-0010')
      .set('Authorization', await bearer(gw, { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking' }))
      .expect(200);
    const seen: Array<Record<string, unknown>> = globex.body.epcisBody.queryResults.resultsBody.eventList;
    expect(seen.length).toBe(events.length);
    for (const e of seen) {
      expect(e.epcList).toEqual([]);
      for (const hidden of ['readPoint', 'gw:location', 'sensorElementList', 'gw:recordedBy', 'gw:note']) expect(e).not.toHaveProperty(hidden);
      expect(e.bizTransactionList).toEqual([{ bizTransaction: 'urn:gateway:shipment-reference:TO-2025-0201' }]);
    }

    // Another carrier's shipment is not there, exactly like a missing one.
    const northstar = await bearer(gw, { roles: ['partner'], partner: 'carrier-northstar', purpose: 'shipment-execution' });
    const a = await gw.http.get('/api/v1/epcis/events?shipmentId=shp-0010').set('Authorization', northstar).expect(404);
    const b = await gw.http.get('/api/v1/epcis/events?shipmentId=shp-nope').set('Authorization', northstar).expect(404);
    expect(a.body.code).toBe(b.body.code);
    // Without shipmentId it is a standard query: none of the events SwiftLog captured is Northstar's to read.
    const none = await gw.http.get('/api/v1/epcis/events').set('Authorization', northstar).expect(200);
    expect(none.body.epcisBody.queryResults.resultsBody.eventList).toEqual([]);

    // Paging: a Link header names the next page.
    const page = await gw.http
      .get('/api/v1/epcis/events?shipmentId=shp-0010&limit=1')
      .set('Authorization', await bearer(gw, SWIFTLOG))
      .expect(200);
    expect(page.body.epcisBody.queryResults.resultsBody.eventList).toHaveLength(1);
    expect(page.headers.link).toMatch(/<\/api\/v1\/epcis\/events\?shipmentId=shp-0010&limit=1&cursor=[^>]+>; rel="next"/);
  });
});
