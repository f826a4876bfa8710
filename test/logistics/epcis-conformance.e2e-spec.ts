import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import captureSchema from '../../src/logistics/epcis/epcis-document.schema.json';
import querySchema from '../../src/logistics/epcis/epcis-query-document.schema.json';
import { TestGateway } from '../support/test-app';
import { conformanceEvents, epcisDocument, ssccUrn } from './epcis-conformance/documents';
import { bearer, NORTHSTAR, shipmentRow, ssccOf, SWIFTLOG } from './logistics-support';

const CAPTURE = '/api/v1/epcis/capture';
const EVENTS = '/api/v1/epcis/events';

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv, ['date-time', 'uri']);
ajv.addSchema(captureSchema);
const validQueryDocument = ajv.compile(querySchema);

type Event = Record<string, unknown>;

describe('EPCIS 2.0 conformance: capture and standard queries (both databases)', () => {
  let gw: TestGateway;
  let swift: string;
  let north: string;
  let ev: ReturnType<typeof conformanceEvents>;
  let capturedIds: string[];
  let reefer: string;

  /** GET an EPCIS query, checking what every answer must be: ld+json, the version header, valid against the query schema. */
  async function query(path: string, auth = swift, status = 200) {
    const res = await gw.http.get(path).set('Authorization', auth).expect(status);
    if (status !== 200) return { res, events: [] as Event[] };
    expect(res.headers['content-type']).toMatch(/^application\/ld\+json/);
    expect(res.headers['gs1-epcis-version']).toBe('2.0.0');
    const valid = validQueryDocument(res.body);
    expect(validQueryDocument.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    return { res, events: res.body.epcisBody.queryResults.resultsBody.eventList as Event[] };
  }
  const ids = (events: Event[]) => events.map((e) => e.eventID as string);

  beforeAll(async () => {
    gw = await TestGateway.start();
    swift = await bearer(gw, SWIFTLOG);
    north = await bearer(gw, NORTHSTAR);
    reefer = await ssccOf(gw, 'shp-0010');
    ev = conformanceEvents({ reefer, asn: await ssccOf(gw, 'shp-0001'), other: await ssccOf(gw, 'shp-0003') });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('captures every event type, sensor-only events and extensions; refuses the foreign, custom and invalid events alone', async () => {
    const doc = epcisDocument(
      [ev.object, ev.sensor, ev.inspecting, ev.aggregation, ev.transaction, ev.transformation, ev.association, ev.foreign, ev.custom, ev.invalid],
      { 'acme:sender': 'SwiftLog TMS' },
    );
    const res = await gw.http.post(CAPTURE).set('Authorization', swift).set('Content-Type', 'application/ld+json').send(JSON.stringify(doc)).expect(200);
    const results = res.body.data.results as Array<{ eventId: string; outcome: string; code: string | null; message: string }>;
    expect(results.map((r) => [r.outcome, r.code])).toEqual([
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['accepted', null],
      ['refused', 'NOT_FOUND'],
      ['refused', 'UNSUPPORTED_EVENT_TYPE'],
      ['refused', 'VALIDATION_FAILED'],
    ]);
    expect(results[9].message).toContain("epcisBody.eventList[9]: must have property 'action'");
    expect(results[9].message).toContain('epcisBody.eventList[9].eventTimeZoneOffset');
    capturedIds = results.slice(0, 7).map((r) => r.eventId);
    expect(capturedIds[1]).toMatch(/^ni:\/\/\/sha-256;[0-9a-f]{64}\?ver=CBV2\.0$/);
    // The aggregation names two of SwiftLog's shipments (parent and child): it is kept on both.
    expect(results[3].message).toContain('shp-0001');
    expect(results[3].message).toContain('shp-0010');

    // Sensor readings of the statusless events are on the reefer's history; its status is still the departure's.
    const history = await gw.query<{ status: string; temperature_c: unknown; occurred_at: string }>(
      "SELECT status, temperature_c, occurred_at FROM shipment_events WHERE shipment_id = 'shp-0010' AND occurred_at >= '2026-04-01T05:00:00.000Z' ORDER BY occurred_at",
    );
    expect(history.map((h) => [h.occurred_at, h.status, Number(h.temperature_c)])).toEqual([
      ['2026-04-01T05:00:00.000Z', 'in_transit', 3.7],
      ['2026-04-01T05:30:00.000Z', 'in_transit', 3.9],
    ]);
    expect(await shipmentRow(gw, 'shp-0010')).toMatchObject({ status: 'in_transit', temperatureC: 3.9, lastEventAt: '2026-04-01T05:30:00.000Z' });
  });

  it('answers a standard query with the events as captured, and a captured answer is all duplicate', async () => {
    const { events } = await query(EVENTS);
    expect(ids(events).sort()).toEqual([...capturedIds].sort());
    // Ordered by eventTime.
    expect(events.map((e) => e.type)).toEqual([
      'TransformationEvent',
      'TransactionEvent',
      'AggregationEvent',
      'AssociationEvent',
      'ObjectEvent',
      'ObjectEvent',
      'ObjectEvent',
    ]);
    const object = events.find((e) => e.eventID === ev.object.eventID)!;
    const { recordTime, ...asCaptured } = object;
    expect(asCaptured).toEqual(ev.object);
    expect(typeof recordTime).toBe('string');
    const sensor = events.find((e) => e.eventID === capturedIds[1])!;
    expect({ ...sensor, eventID: undefined, recordTime: undefined }).toEqual({ ...ev.sensor, eventID: undefined, recordTime: undefined });
    const { res } = await query(EVENTS);
    expect(res.body['@context']).toEqual(expect.arrayContaining([{ acme: 'https://ns.acme-logistics.example/epcis/' }]));

    const again = await gw.http
      .post(CAPTURE)
      .set('Authorization', swift)
      .send({
        '@context': res.body['@context'],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: new Date().toISOString(),
        epcisBody: { eventList: events },
      })
      .expect(200);
    expect(again.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(events.map(() => 'duplicate'));
  });

  it('filters by every standard simple-query parameter', async () => {
    const q = async (params: string) => ids((await query(`${EVENTS}?${params}`)).events).sort();
    const enc = encodeURIComponent;
    const [object, sensor, inspecting, aggregation, transaction, transformation, association] = capturedIds;
    expect(await q('eventType=AggregationEvent')).toEqual([aggregation]);
    expect(await q('eventType=TransactionEvent,TransformationEvent')).toEqual([transaction, transformation].sort());
    expect(await q(`GE_eventTime=${enc('2026-04-01T05:00:00+02:00')}&LT_eventTime=${enc('2026-04-01T06:15:00+02:00')}`)).toEqual(
      [aggregation, association].sort(),
    );
    expect(await q(`GE_recordTime=${enc('2000-01-01T00:00:00Z')}&LT_recordTime=${enc('2000-01-02T00:00:00Z')}`)).toEqual([]);
    expect(await q(`GE_recordTime=${enc('2000-01-01T00:00:00Z')}`)).toHaveLength(7);
    expect(await q('EQ_bizStep=sensor_reporting|inspecting')).toEqual([sensor, inspecting].sort());
    expect(await q(`EQ_bizStep=${enc('https://ref.gs1.org/cbv/BizStep-departing')}`)).toEqual([object]);
    expect(await q(`EQ_disposition=${enc('urn:epcglobal:cbv:disp:in_progress')}`)).toEqual([aggregation]);
    expect(await q(`EQ_readPoint=${enc('urn:epc:id:sgln:4012345.00001.0')}`)).toEqual([sensor, aggregation, association].sort());
    expect(await q(`EQ_bizLocation=${enc('https://id.gs1.org/414/4012345000023')}`)).toEqual([object]);
    // MATCH_epc: epcList and childEPCs; an SSCC matches however it is written.
    expect(await q(`MATCH_epc=${enc(ssccUrn(reefer))}`)).toEqual([object, sensor, inspecting, aggregation, association].sort());
    expect(await q(`MATCH_epc=${enc(`https://id.gs1.org/00/${await ssccOf(gw, 'shp-0001')}`)}`)).toEqual([transaction]);
    expect(await q(`MATCH_anyEPC=${enc(`https://id.gs1.org/00/${await ssccOf(gw, 'shp-0001')}`)}`)).toEqual([aggregation, transaction, transformation].sort());
    expect(await q(`MATCH_anyEPC=${enc('https://id.gs1.org/01/04012345000122/21/7781')}`)).toEqual([transformation]);
    expect(await q(`EQ_bizTransaction_po=${enc('urn:epcglobal:cbv:bt:4012345000009:PO-17')}`)).toEqual([object, transaction].sort());
    expect(await q(`EQ_bizTransaction_bol=${enc('urn:epcglobal:cbv:bt:4012345000009:PO-17')}`)).toEqual([]);
    expect(await q('shipmentId=shp-0001&eventType=ObjectEvent')).toEqual([]);
    expect(await q('shipmentId=shp-0001&perPage=10')).toEqual([aggregation, transaction, transformation].sort());

    // Paging: perPage and nextPageToken, announced in a Link header; the pages hold every event once.
    const seen: string[] = [];
    let next: string | null = `${EVENTS}?perPage=3`;
    let pages = 0;
    while (next) {
      const { res, events } = await query(next);
      expect(events.length).toBeLessThanOrEqual(3);
      seen.push(...ids(events));
      const link = /<([^>]+)>; rel="next"/.exec(String(res.headers.link ?? ''));
      next = link ? link[1] : null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen.sort()).toEqual([...capturedIds].sort());

    const bad = await gw.http.get(`${EVENTS}?EQ_colour=red&GE_eventTime=yesterday`).set('Authorization', swift).expect(400);
    expect(bad.body.code).toBe('VALIDATION_FAILED');
    await gw.http.get(`${EVENTS}?nextPageToken=nonsense`).set('Authorization', swift).expect(400);
  });

  it('answers one event by its URL-encoded eventID, the hash included', async () => {
    for (const id of [ev.object.eventID, capturedIds[1]]) {
      const { events } = await query(`${EVENTS}/${encodeURIComponent(id)}`);
      expect(ids(events)).toEqual([id]);
    }
    await gw.http
      .get(`${EVENTS}/${encodeURIComponent('urn:uuid:00000000-0000-4000-8000-00000000dead')}`)
      .set('Authorization', swift)
      .expect(404);
  });

  it('limits every answer to the caller: another carrier sees none of them, not by id nor in counts, and reads are audited', async () => {
    expect((await query(EVENTS, north)).events).toEqual([]);
    expect((await query(`${EVENTS}?MATCH_epc=${encodeURIComponent(ssccUrn(reefer))}`, north)).events).toEqual([]);
    await gw.http
      .get(`${EVENTS}/${encodeURIComponent(ev.object.eventID)}`)
      .set('Authorization', north)
      .expect(404);

    const seq = await gw.headSeq();
    await query(`${EVENTS}?eventType=ObjectEvent`);
    const [audit] = await gw.auditSince(seq);
    expect(audit).toMatchObject({ operation: expect.stringContaining('/epcis/events'), decision: 'allow', subject: 'ShipmentEvent', row_count: 3 });
  });

  it("writes a shipment's tracking history (?shipmentId= alone) as events valid against the schema's event definition", async () => {
    const res = await gw.http.get(`${EVENTS}?shipmentId=shp-0010`).set('Authorization', swift).expect(200);
    expect(res.headers['gs1-epcis-version']).toBe('2.0.0');
    const validEvent = ajv.getSchema(`${captureSchema.$id}#/$defs/event`)!;
    const uriBizTransactions = ajv.getSchema(`${querySchema.$id}#/$defs/uriBizTransactions`)!;
    const events = res.body.epcisBody.queryResults.resultsBody.eventList as Event[];
    expect(events.length).toBeGreaterThan(2);
    for (const e of events) {
      for (const check of [validEvent, uriBizTransactions]) {
        const ok = check(e) as boolean;
        expect(check.errors ?? []).toEqual([]);
        expect(ok).toBe(true);
      }
    }
  });

  it('hashes events the same whatever the order of their unordered arrays', async () => {
    const { eventID: _id, ...object } = ev.object;
    const first = { ...object, eventTime: '2026-04-02T06:15:00.000+02:00' };
    const reordered = {
      ...first,
      bizTransactionList: [...ev.object.bizTransactionList].reverse(),
      'acme:seals': [...ev.object['acme:seals']].reverse(),
      'acme:driver': { licence: 'B-11', name: 'R. Ortiz' },
    };
    const a = await gw.http
      .post(CAPTURE)
      .set('Authorization', swift)
      .send(epcisDocument([first]))
      .expect(200);
    const b = await gw.http
      .post(CAPTURE)
      .set('Authorization', swift)
      .send(epcisDocument([reordered]))
      .expect(200);
    expect(a.body.data.results[0].outcome).toBe('accepted');
    expect(b.body.data.results[0]).toMatchObject({ outcome: 'duplicate', eventId: a.body.data.results[0].eventId });
  });

  it('takes an error declaration: the declared event is returned with it, and its corrective event supersedes it', async () => {
    const corrective = { ...ev.object, eventID: 'urn:uuid:7d1f3a60-0c2e-4b8e-9a51-000000000010', readPoint: { id: 'https://id.gs1.org/414/4012345000030' } };
    const declaration = {
      ...ev.object,
      errorDeclaration: { declarationTime: '2026-04-01T10:00:00.000+02:00', reason: 'incorrect_data', correctiveEventIDs: [corrective.eventID] },
    };
    const res = await gw.http
      .post(CAPTURE)
      .set('Authorization', swift)
      .send(epcisDocument([declaration, corrective]))
      .expect(200);
    expect(res.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['accepted', 'accepted']);
    expect(res.body.data.results[0].message).toMatch(/^Declared erroneous/);
    const { events } = await query(`${EVENTS}/${encodeURIComponent(ev.object.eventID)}`);
    expect(events[0].errorDeclaration).toEqual(declaration.errorDeclaration);
    // On the reefer's history the corrective event took the declared one's place.
    const history = await gw.query<{ location: string }>(
      "SELECT location FROM shipment_events WHERE shipment_id = 'shp-0010' AND occurred_at = '2026-04-01T04:15:00.000Z'",
    );
    expect(history.map((h) => h.location)).toEqual(['https://id.gs1.org/414/4012345000030']);
    // The same declaration again changes nothing.
    const again = await gw.http
      .post(CAPTURE)
      .set('Authorization', swift)
      .send(epcisDocument([declaration]))
      .expect(200);
    expect(again.body.data.results[0].outcome).toBe('duplicate');
  });
});
