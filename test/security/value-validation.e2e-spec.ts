import { ADMIN, AUDITOR, bearer, dbRows, expectProblem, expectStatus, gql, GOVERNANCE, NORTHWIND_CAPACITY, snapshot, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * Every value a client sends is checked as the storage will hold it, the same on SQLite and
 * PostgreSQL: dates and date-times in the documented formats only, whole numbers within 32 bits,
 * text lengths in characters as the databases count them, no lone surrogates. A bad value is 400
 * VALIDATION_FAILED naming the field on every transport (never a 500 on one store and a stored
 * row on the other); in a push, the event holding it is refused alone.
 */
describe('value validation as stored (both databases)', () => {
  let gw: TestGateway;
  let admin: string;
  let swift: string;
  let northwind: string;
  let auditor: string;

  // 33 characters as JavaScript's validators count them (a variation selector is not counted), 66 as the databases do.
  const SELECTOR_66 = '\u263A\uFE0F'.repeat(33);
  // 64 characters outside the BMP: 128 UTF-16 units, 64 characters in a varchar(64).
  const ASTRAL_64 = '\u{1F4E6}'.repeat(64);

  const shipment = (over: Record<string, unknown> = {}) => ({
    reference: `PO-VV-${Math.random().toString(36).slice(2, 10)}`,
    carrierId: 'carrier-swiftlog',
    shipperId: 'supplier-northwind',
    origin: 'PLANT-DE-1',
    destination: 'DC-US-EAST',
    sku: 'SKU-100',
    quantity: 10,
    ...over,
  });

  beforeAll(async () => {
    gw = await TestGateway.start();
    admin = await bearer(gw, ADMIN);
    swift = await bearer(gw, SWIFTLOG);
    northwind = await bearer(gw, NORTHWIND_CAPACITY);
    auditor = await bearer(gw, AUDITOR);
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** A refused write: 400 VALIDATION_FAILED naming `field`, nothing changed. */
  async function refusedNaming(send: () => PromiseLike<{ status: number; body: any; headers: any }>, field: string) {
    const before = await snapshot(gw);
    const res = await send();
    const body = expectProblem(res as never, 400, 'VALIDATION_FAILED');
    expect(body.errors).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^${field}\\b`))]));
    expect(await snapshot(gw)).toEqual(before);
    return body;
  }

  describe('REST bodies', () => {
    it.each([
      ['quantity above 2^31-1', { quantity: 2 ** 31 }, 'quantity'],
      ['quantity below -2^31', { quantity: -(2 ** 31) - 1 }, 'quantity'],
      ['reference of 66 characters (33 to a UTF-16 validator)', { reference: SELECTOR_66 }, 'reference'],
      ['origin with a lone surrogate', { origin: 'Hamburg\uDFFF' }, 'origin'],
      ['eta as an ISO week date', { eta: '2026-W05-3' }, 'eta'],
      ['eta as an ordinal date', { eta: '2026-032' }, 'eta'],
      ['eta on 30 February', { eta: '2026-02-30T10:00:00Z' }, 'eta'],
      ['eta without an offset', { eta: '2026-05-01T10:00:00' }, 'eta'],
      ['eta as a date only', { eta: '2026-05-01' }, 'eta'],
      ['sscc of 18 astral characters', { sscc: '1'.repeat(17) + '\u{1D7CF}' }, 'sscc'],
    ])('POST /shipments: %s → 400 naming the field', async (_name, change, field) => {
      await refusedNaming(() => gw.http.post('/api/v1/shipments').set('Authorization', admin).send(shipment(change)), field);
    });

    it('values at the limits are stored and read back alike: 2^31-1, 64 characters outside the BMP, an offset date-time', async () => {
      const res = expectStatus(
        await gw.http
          .post('/api/v1/shipments')
          .set('Authorization', admin)
          .send(shipment({ quantity: 2 ** 31 - 1, reference: ASTRAL_64, eta: '2026-05-01T12:00:00+02:00' })),
        201,
      );
      expect(res.body.data).toMatchObject({ quantity: 2 ** 31 - 1, reference: ASTRAL_64, eta: '2026-05-01T10:00:00.000Z' });
      const [row] = await dbRows(gw, 'shipments', 'id = ?', [res.body.data.id]);
      expect(row).toMatchObject({ quantity: 2 ** 31 - 1, reference: ASTRAL_64, eta: '2026-05-01T10:00:00.000Z' });
      const read = expectStatus(await gw.http.get(`/api/v1/shipments/${res.body.data.id}`).set('Authorization', admin));
      expect(read.body.data.quantity).toBe(2 ** 31 - 1);
    });

    it.each([
      ['eta as an ISO week date', { eta: '2026-W05-3' }, 'eta'],
      ['lastEventAt on 2026-13-45', { lastEventAt: '2026-13-45T10:00:00Z' }, 'lastEventAt'],
      ['lastLocation of 201 characters', { lastLocation: `${'\u263A\uFE0F'.repeat(100)}x` }, 'lastLocation'],
    ])('PATCH /shipments/:id (carrier): %s → 400 naming the field', async (_name, change, field) => {
      await refusedNaming(() => gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', swift).send(change), field);
    });

    it.each([
      ['periodStart 2026-02-30', { periodStart: '2026-02-30' }, 'periodStart'],
      ['periodStart 2026-13-45', { periodStart: '2026-13-45' }, 'periodStart'],
      ['periodStart as a week date', { periodStart: '2026-W05' }, 'periodStart'],
      ['availableQty above 2^31-1', { availableQty: 2 ** 31 }, 'availableQty'],
      ['committedQty above availableQty', { availableQty: 100, committedQty: 101 }, 'committedQty'],
      ['riskNotes with a lone surrogate', { riskNotes: '\uD800 tight' }, 'riskNotes'],
    ])('POST /capacity-signals: %s → 400 naming the field', async (_name, change, field) => {
      const body = { site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 500, riskLevel: 'low', ...change };
      await refusedNaming(() => gw.http.post('/api/v1/capacity-signals').set('Authorization', northwind).send(body), field);
    });

    it('PATCH /capacity-signals/:id: committedQty is checked against the stored availableQty', async () => {
      const created = expectStatus(
        await gw.http
          .post('/api/v1/capacity-signals')
          .set('Authorization', northwind)
          .send({ site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 500, committedQty: 100, riskLevel: 'low' }),
        201,
      );
      const id = created.body.data.id;
      await refusedNaming(() => gw.http.patch(`/api/v1/capacity-signals/${id}`).set('Authorization', northwind).send({ committedQty: 501 }), 'committedQty');
      await refusedNaming(() => gw.http.patch(`/api/v1/capacity-signals/${id}`).set('Authorization', northwind).send({ availableQty: 99 }), 'committedQty');
      expectStatus(await gw.http.patch(`/api/v1/capacity-signals/${id}`).set('Authorization', northwind).send({ committedQty: 500 }));
    });
  });

  describe('filters', () => {
    it.each([
      ['/api/v1/shipments?eta=2026', 'eta'],
      ['/api/v1/shipments?eta=2026-W05-3', 'eta'],
      ['/api/v1/shipments?lastEventAt=2026-05-01T10:00:00', 'lastEventAt'],
      ['/api/v1/demand-signals?periodStart=2026-02-30', 'periodStart'],
      ['/api/v1/demand-signals?periodStart=2026-032', 'periodStart'],
    ])('GET %s → 400 naming the filter', async (url, field) => {
      const body = expectProblem(await gw.http.get(url).set('Authorization', admin), 400, 'VALIDATION_FAILED');
      expect(body.detail).toMatch(new RegExp(`filter '${field}'`));
    });

    it.each(['quantity=3000000000', 'quantity=-2147483649'])(
      'a number no row can hold matches no row: GET /api/v1/shipments?%s → 200, empty',
      async (query) => {
        const res = expectStatus(await gw.http.get(`/api/v1/shipments?${query}`).set('Authorization', admin));
        expect(res.body.data).toEqual([]);
      },
    );

    it('an offset date-time filter matches the stored UTC instant', async () => {
      const created = expectStatus(
        await gw.http
          .post('/api/v1/shipments')
          .set('Authorization', admin)
          .send(shipment({ eta: '2031-01-02T03:04:05Z' })),
        201,
      );
      const res = expectStatus(await gw.http.get('/api/v1/shipments?eta=2031-01-02T04:04:05%2B01:00&fields=id').set('Authorization', admin));
      expect(res.body.data).toEqual([{ id: created.body.data.id }]);
    });

    it.each([
      ['from=2026-02-30', 'from'],
      ['to=2026-13-45T00:00:00Z', 'to'],
      ['from=2026-W05-3', 'from'],
      ['from=2026', 'from'],
      ['to=May%201%202026', 'to'],
    ])('GET /audit-events?%s → 400 naming it', async (query, field) => {
      const body = expectProblem(await gw.http.get(`/api/v1/audit-events?${query}`).set('Authorization', auditor), 400, 'VALIDATION_FAILED');
      expect(body.detail).toMatch(new RegExp(`^${field} must be`));
    });

    it.each(['since=2026-02-30', 'since=2026-W05-3T00:00:00Z', 'until=2026-03-01T10:00:00', 'until=2026-13-01'])(
      'GET /partners/:id/data-quality?%s → 400 naming it',
      async (query) => {
        const governance = await bearer(gw, GOVERNANCE);
        const body = expectProblem(
          await gw.http.get(`/api/v1/partners/carrier-swiftlog/data-quality?${query}`).set('Authorization', governance),
          400,
          'VALIDATION_FAILED',
        );
        expect(body.detail).toMatch(new RegExp(`^${query.split('=')[0]} must be`));
      },
    );

    it('audit from/to take a calendar date or an offset date-time', async () => {
      expectStatus(await gw.http.get('/api/v1/audit-events?from=2020-01-01&to=2099-12-31T23:00:00-01:00&limit=1').set('Authorization', auditor));
    });
  });

  describe('GraphQL', () => {
    const UPDATE = 'mutation ($id: ID!, $input: ShipmentUpdateInput!) { updateShipment(id: $id, input: $input) { id eta } }';

    it.each([
      ['eta as an ISO week date', { eta: '2026-W05-3' }, 'eta'],
      ['eta as an ordinal date', { eta: '2026-032' }, 'eta'],
      ['lastLocation with a lone surrogate', { lastLocation: 'Dock \uDC00' }, 'lastLocation'],
    ])('updateShipment: %s → VALIDATION_FAILED (400) naming the field', async (_name, input, field) => {
      const before = await snapshot(gw);
      const r = await gql(gw, SWIFTLOG, UPDATE, { id: 'shp-0001', input });
      expect(r.errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'VALIDATION_FAILED', status: 400 }) })]);
      expect(r.errors[0].message).toMatch(new RegExp(`^${field} `));
      expect(await snapshot(gw)).toEqual(before);
    });

    it('createDemandSignal: a calendar-invalid periodStart and an over-long customerName are named', async () => {
      const before = await snapshot(gw);
      const r = await gql(gw, ADMIN, 'mutation ($input: DemandSignalInput!) { createDemandSignal(input: $input) { id } }', {
        input: { sku: 'SKU-100', site: 'PLANT-DE-1', region: 'EMEA', periodStart: '2026-02-30', forecastQty: 5, customerName: SELECTOR_66.repeat(4) },
      });
      expect(r.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(r.errors[0].extensions!.errors).toEqual(expect.arrayContaining([expect.stringMatching(/^periodStart /), expect.stringMatching(/^customerName /)]));
      expect(await snapshot(gw)).toEqual(before);
    });

    it('upsertCapacitySignal: committedQty above availableQty is refused', async () => {
      const r = await gql(gw, NORTHWIND_CAPACITY, 'mutation ($input: CapacitySignalInput!) { upsertCapacitySignal(input: $input) { id } }', {
        input: { site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 5, committedQty: 6, riskLevel: 'low' },
      });
      expect(r.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(r.errors[0].message).toMatch(/^committedQty/);
    });

    it('filters: a bad date-time or date is named, not compared', async () => {
      const bad = await gql(gw, ADMIN, '{ shipments(filter: { eta: "2026" }) { nodes { id } } }');
      expect(bad.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(bad.errors[0].message).toMatch(/filter 'eta'/);
      const date = await gql(gw, ADMIN, '{ demandSignals(filter: { periodStart: "2026-02-30" }) { nodes { id } } }');
      expect(date.errors[0].message).toMatch(/filter 'periodStart'/);
      const surrogate = await gql(gw, ADMIN, 'query ($r: String) { shipments(filter: { reference: $r }) { nodes { id } } }', { r: 'PO-\uDFFF' });
      expect(surrogate.errors[0].extensions).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
      expect(surrogate.errors[0].message).toMatch(/filter 'reference'.*surrogate/);
    });
  });

  describe('pushes: the event with a bad value is refused alone', () => {
    it('POST /shipment-events:batch', async () => {
      const res = expectStatus(
        await gw.http
          .post('/api/v1/shipment-events:batch')
          .set('Authorization', swift)
          .send({
            events: [
              { eventId: 'vv-1', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-W05-3' },
              {
                eventId: 'vv-2',
                shipmentId: 'shp-0001',
                status: 'in_transit',
                occurredAt: '2026-04-01T10:00:00+02:00',
                location: `${'\u263A\uFE0F'.repeat(100)}x`,
              },
              { eventId: 'vv-3', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-04-01T10:00:00Z', note: 'bad \uDFFF' },
              { eventId: 'vv-4', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-02-29T10:00:00Z' },
              { eventId: 'vv-\uD800', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-04-01T10:00:00Z' },
              { eventId: 'vv-6', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-04-01T12:00:00+02:00', location: ASTRAL_64 },
            ],
          }),
      );
      const results = res.body.data.results;
      expect(results.map((r: { outcome: string; code: string | null }) => [r.outcome, r.code])).toEqual([
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['accepted', null],
      ]);
      expect(results.slice(0, 5).map((r: { message: string }) => r.message.split(' ')[0])).toEqual(['occurredAt', 'location', 'note', 'occurredAt', 'eventId']);
      const stored = await gw.query<Record<string, unknown>>(
        "SELECT client_event_id, occurred_at, location FROM shipment_events WHERE recorded_by = 'carrier-swiftlog' AND client_event_id LIKE 'vv-%'",
      );
      expect(stored).toEqual([{ client_event_id: 'vv-6', occurred_at: '2026-04-01T10:00:00.000Z', location: ASTRAL_64 }]);
    });

    it('POST /epcis/capture: a bad eventTime or an over-long readPoint refuses its event only', async () => {
      const event = (eventID: string, eventTime: string, readPoint = 'urn:epc:id:sgln:0614141.00777.0') => ({
        type: 'ObjectEvent',
        eventID,
        eventTime,
        eventTimeZoneOffset: '+00:00',
        action: 'OBSERVE',
        bizStep: 'departing',
        disposition: 'in_transit',
        readPoint: { id: readPoint },
        bizTransactionList: [{ type: 'desadv', bizTransaction: 'urn:epcglobal:cbv:bt:0614141000005:PO-2026-0001' }],
      });
      const [target] = await dbRows(gw, 'shipments', 'id = ?', ['shp-0001']);
      const bt = `urn:epcglobal:cbv:bt:0614141000005:${String(target.reference)}`;
      const withBt = (e: Record<string, unknown>) => ({ ...e, bizTransactionList: [{ type: 'desadv', bizTransaction: bt }] });
      const res = expectStatus(
        await gw.http
          .post('/api/v1/epcis/capture')
          .set('Authorization', swift)
          .send({
            '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
            type: 'EPCISDocument',
            schemaVersion: '2.0',
            creationDate: '2026-03-05T10:00:00.000+01:00',
            epcisBody: {
              eventList: [
                withBt(event('urn:uuid:00000000-0000-4000-8000-000000000001', '2026-02-30T10:00:00Z')),
                withBt(event('urn:uuid:00000000-0000-4000-8000-000000000002', '2026-03-05T23:59:60Z')),
                withBt(event('urn:uuid:00000000-0000-4000-8000-000000000003', '2026-03-05T10:00:00Z', `urn:example:${'x'.repeat(200)}`)),
                withBt(event('urn:uuid:00000000-0000-4000-8000-000000000004', '2026-03-05T11:00:00+01:00')),
              ],
            },
          }),
      );
      const results = res.body.data.results;
      expect(results.map((r: { outcome: string; code: string | null }) => [r.outcome, r.code])).toEqual([
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['refused', 'VALIDATION_FAILED'],
        ['accepted', null],
      ]);
      expect(results.slice(0, 3).map((r: { message: string }) => r.message.split(' ')[0])).toEqual([
        'epcisBody.eventList[0].eventTime',
        'epcisBody.eventList[1].eventTime',
        'location',
      ]);
    });
  });

  it('the OpenAPI document states the same limits, from the catalog', async () => {
    const schemas = expectStatus(await gw.http.get('/docs-json')).body.components.schemas;
    const create = schemas.CreateShipmentDto;
    expect(create.properties.reference).toMatchObject({ type: 'string', maxLength: 64 });
    expect(create.properties.lastLocation).toMatchObject({ type: 'string', maxLength: 200 });
    expect(create.properties.eta).toMatchObject({ type: 'string', format: 'date-time' });
    expect(create.properties.quantity).toMatchObject({ type: 'number', format: 'int32', maximum: 2 ** 31 - 1 });
    expect(create.required).toEqual(expect.arrayContaining(['reference', 'quantity']));
    expect(create.required).not.toContain('eta');
    expect(schemas.UpdateShipmentDto.properties.lastEventAt).toMatchObject({ format: 'date-time' });
    expect(schemas.UpdateShipmentDto.required ?? []).toEqual([]);
    expect(schemas.CreateDemandSignalDto.properties.periodStart).toMatchObject({ type: 'string', format: 'date' });
  });

  it('policy condition values holding a lone surrogate are refused, as NUL is', async () => {
    const governance = await bearer(gw, GOVERNANCE);
    const current = expectStatus(await gw.http.get('/api/v1/policies/carrier-swiftlog').set('Authorization', governance));
    const document = current.body.data.document ?? current.body.data;
    const rules = [
      ...document.rules,
      { id: 'surrogate-bound', action: 'read', subject: 'Shipment', fields: ['id'], conditions: { reference: { $gte: '\uDFFF' } } },
    ];
    const res = await gw.http
      .put('/api/v1/policies/carrier-swiftlog')
      .set('Authorization', governance)
      .send({ ...document, rules });
    const body = expectProblem(res, 400);
    expect(JSON.stringify(body)).toMatch(/surrogate/);
  });
});
