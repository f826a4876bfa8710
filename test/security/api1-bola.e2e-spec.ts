import type { Response } from 'supertest';
import { ACME, bearer, dbIds, expectProblem, expectStatus, gql, listQuery, NORTHSTAR, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { harmless, PUSH_TALLIES, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API1:2023 Broken Object Level Authorization. SwiftLog (a carrier) attacks rows of
 * Northstar (another carrier) and Acme attacks Northwind's capacity: by id on every route that
 * takes one, through filters and forged cursors. A row out of scope answers exactly as a row that
 * does not exist, so an attacker cannot even learn that an id is taken.
 */

/** The answer with the asked-for id blanked, to compare "not yours" with "not there". */
const anonymized = (res: Response, id: string) => ({
  status: res.status,
  type: res.headers['content-type'],
  body: JSON.parse(JSON.stringify(res.body).split(id).join('<id>')),
});

describe('API1 BOLA: another partner\u2019s objects', () => {
  let gw: TestGateway;
  let swift: string;
  let northstarIds: string[];
  let swiftIds: string[];
  let northstarShipment: string;
  const MISSING = 'shp-9999-missing';

  beforeAll(async () => {
    gw = await TestGateway.start();
    swift = await bearer(gw, SWIFTLOG);
    northstarIds = await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-northstar']);
    swiftIds = await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-swiftlog']);
    northstarShipment = northstarIds[0];
    expect(northstarIds.length).toBeGreaterThan(2);
    expect(swiftIds.length).toBeGreaterThan(2);
    // control: the owner reads its own shipment
    expectStatus(await gw.http.get(`/api/v1/shipments/${northstarShipment}`).set('Authorization', await bearer(gw, NORTHSTAR)));
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('by id: out of scope is 404, byte for byte the answer for an id that does not exist', () => {
    const cases: Array<[string, (id: string) => Promise<Response>, string[]?]> = [
      ['GET /shipments/:id', (id) => gw.http.get(`/api/v1/shipments/${id}`).set('Authorization', swift)],
      ['GET /shipments/:id?fields=id', (id) => gw.http.get(`/api/v1/shipments/${id}?fields=id`).set('Authorization', swift)],
      [
        'PATCH /shipments/:id',
        (id) => gw.http.patch(`/api/v1/shipments/${id}`).set('Authorization', swift).send({ status: 'delayed', lastLocation: 'hijacked' }),
      ],
      ['GET /shipments/:id/events', (id) => gw.http.get(`/api/v1/shipments/${id}/events`).set('Authorization', swift)],
      [
        'POST /shipments/:id/events',
        (id) =>
          gw.http
            .post(`/api/v1/shipments/${id}/events`)
            .set('Authorization', swift)
            .send({ status: 'delivered', occurredAt: new Date().toISOString(), location: 'nowhere' }),
        [PUSH_TALLIES],
      ],
      ['GET /epcis/events?shipmentId=', (id) => gw.http.get(`/api/v1/epcis/events?shipmentId=${id}`).set('Authorization', swift)],
    ];

    it.each(cases)('%s', async (_, call, ignore = []) => {
      const foreign = await refused(gw, () => call(northstarShipment), { status: 404, ignore });
      expectProblem(foreign.res, 404, 'NOT_FOUND');
      const missing = await refused(gw, () => call(MISSING), { status: 404, ignore });
      expect(anonymized(foreign.res, northstarShipment)).toEqual(anonymized(missing.res, MISSING));
      expect(JSON.stringify(foreign.res.body)).not.toMatch(/northstar/i);
    });

    it('PATCH of another supplier\u2019s capacity signal (Acme on Northwind\u2019s)', async () => {
      const northwindCapacity = (await dbIds(gw, 'capacity_signals', 'supplier_id = ?', ['supplier-northwind']))[0];
      const acme = await bearer(gw, { ...ACME, purpose: 'capacity-planning' });
      const call = (id: string) => gw.http.patch(`/api/v1/capacity-signals/${id}`).set('Authorization', acme).send({ availableQty: 1 });
      const foreign = await refused(gw, () => call(northwindCapacity), 404);
      const missing = await refused(gw, () => call('cap-missing'), 404);
      expect(anonymized(foreign.res, northwindCapacity)).toEqual(anonymized(missing.res, 'cap-missing'));
      const read = await refused(gw, () => gw.http.get(`/api/v1/capacity-signals/${northwindCapacity}`).set('Authorization', acme), 404);
      expectProblem(read.res, 404, 'NOT_FOUND');
    });

    it('GraphQL shipment(id) answers null, as for a missing id', async () => {
      const q = (id: string) => gql(gw, SWIFTLOG, 'query ($id: ID!) { shipment(id: $id) { id reference status freightCost } }', { id });
      const foreign = await refused(gw, () => q(northstarShipment));
      const missing = await refused(gw, () => q(MISSING));
      expect(foreign.res.data).toEqual({ shipment: null });
      expect(foreign.res.body).toEqual(missing.res.body);
      expect(foreign.event.code).toBe('NOT_FOUND');
    });

    it('GraphQL updateShipment and recordShipmentEvent on it: the same error as for a missing id, nothing written', async () => {
      const update = (id: string) => gql(gw, SWIFTLOG, 'mutation ($id: ID!) { updateShipment(id: $id, input: { status: "delayed" }) { id status } }', { id });
      const foreign = await refused(gw, () => update(northstarShipment));
      const missing = await refused(gw, () => update(MISSING));
      expect(JSON.parse(JSON.stringify(foreign.res.body).split(northstarShipment).join('<id>'))).toEqual(
        JSON.parse(JSON.stringify(missing.res.body).split(MISSING).join('<id>')),
      );
      expect(foreign.res.errors[0]?.extensions?.code).toBe('NOT_FOUND');

      const at = new Date().toISOString();
      const record = (id: string) =>
        gql(
          gw,
          SWIFTLOG,
          'mutation ($id: ID!, $at: String!) { recordShipmentEvent(shipmentId: $id, input: { status: "delivered", occurredAt: $at }) { id } }',
          { id, at },
        );
      const f2 = await refused(gw, () => record(northstarShipment), { ignore: [PUSH_TALLIES] });
      const m2 = await refused(gw, () => record(MISSING), { ignore: [PUSH_TALLIES] });
      expect(f2.res.errors[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(JSON.parse(JSON.stringify(f2.res.body).split(northstarShipment).join('<id>'))).toEqual(
        JSON.parse(JSON.stringify(m2.res.body).split(MISSING).join('<id>')),
      );
    });

    it('a batch push naming another carrier\u2019s shipment: that event refused exactly as for a missing shipment', async () => {
      const at = new Date().toISOString();
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/api/v1/shipment-events:batch')
            .set('Authorization', swift)
            .send({
              events: [
                { eventId: 'bola-1', shipmentId: northstarShipment, status: 'delivered', occurredAt: at },
                { eventId: 'bola-2', shipmentId: MISSING, status: 'delivered', occurredAt: at },
              ],
            }),
        { ignore: [PUSH_TALLIES] },
      );
      expectStatus(res, 200);
      const [foreign, missing] = res.body.data.results as Array<Record<string, unknown>>;
      expect(foreign).toMatchObject({ outcome: 'refused', code: 'NOT_FOUND' });
      expect({ ...foreign, index: 0, eventId: null, message: String(foreign.message).replace(northstarShipment, '<id>') }).toEqual({
        ...missing,
        index: 0,
        eventId: null,
        message: String(missing.message).replace(MISSING, '<id>'),
      });
    });
  });

  describe('filters and cursors cannot widen the scope', () => {
    it('?carrierId=carrier-northstar answers an empty page, not Northstar\u2019s shipments', async () => {
      const { res } = await harmless(gw, () => gw.http.get('/api/v1/shipments?carrierId=carrier-northstar').set('Authorization', swift), northstarIds);
      expectStatus(res);
      expect(res.body.data).toEqual([]);
    });

    it('?id=<Northstar shipment> and an SQL-looking filter value answer empty pages too', async () => {
      for (const url of [
        `/api/v1/shipments?id=${northstarShipment}`,
        `/api/v1/shipments?carrierId=${encodeURIComponent("carrier-swiftlog' OR '1'='1")}`,
        `/api/v1/shipments?reference=${encodeURIComponent("x' OR 1=1 --")}`,
      ]) {
        const { res } = await harmless(gw, () => gw.http.get(url).set('Authorization', swift), northstarIds);
        expectStatus(res);
        expect(res.body.data).toEqual([]);
      }
    });

    it('a filter given twice (carrierId=mine&carrierId=theirs) is refused', async () => {
      const { res } = await refused(
        gw,
        () => gw.http.get('/api/v1/shipments?carrierId=carrier-swiftlog&carrierId=carrier-northstar').set('Authorization', swift),
        400,
      );
      expectProblem(res, 400, 'VALIDATION_FAILED');
    });

    it('GraphQL filter { carrierId: "carrier-northstar" } answers no nodes', async () => {
      const { res } = await harmless(
        gw,
        () => gql(gw, SWIFTLOG, '{ shipments(filter: { carrierId: "carrier-northstar" }) { nodes { id carrierId } } }'),
        northstarIds,
      );
      expect(res.errors).toEqual([]);
      expect(res.data!.shipments.nodes).toEqual([]);
    });

    it('a cursor forged to point into Northstar\u2019s rows pages through SwiftLog\u2019s rows only', async () => {
      const cursor = Buffer.from(JSON.stringify({ s: 'Shipment', k: northstarShipment })).toString('base64url');
      const { res } = await harmless(gw, () => gw.http.get(`/api/v1/shipments?cursor=${cursor}&limit=1000`).set('Authorization', swift), northstarIds);
      expectStatus(res);
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(swiftIds.filter((id) => id > northstarShipment));
      for (const row of res.body.data) expect(row.carrierId).toBe('carrier-swiftlog');

      const start = Buffer.from(JSON.stringify({ s: 'Shipment', k: '' })).toString('base64url');
      const g = await harmless(gw, () => gql(gw, SWIFTLOG, listQuery('shipments', ['id', 'carrierId']), { first: 1000, after: start }), northstarIds);
      expect(g.res.data!.shipments.nodes.map((n: { id: string }) => n.id)).toEqual(swiftIds);
    });

    it('a cursor of another list (demand signals) is refused', async () => {
      const cursor = Buffer.from(JSON.stringify({ s: 'DemandSignal', k: northstarShipment })).toString('base64url');
      const { res } = await refused(gw, () => gw.http.get(`/api/v1/shipments?cursor=${cursor}`).set('Authorization', swift), 400);
      expectProblem(res, 400, 'INVALID_CURSOR');
    });

    it('a purpose of another partner\u2019s policy grants nothing', async () => {
      const { res } = await refused(
        gw,
        () => gw.http.get('/api/v1/demand-signals').set('Authorization', swift).set('X-Purpose', 'replenishment-planning'),
        400,
      );
      // the token says shipment-execution: a different header is a conflict, never a second purpose
      expectProblem(res, 400, 'PURPOSE_CONFLICT');
      const noClaim = await bearer(gw, { roles: ['partner'], partner: 'carrier-swiftlog' });
      const other = await refused(
        gw,
        () => gw.http.get('/api/v1/demand-signals').set('Authorization', noClaim).set('X-Purpose', 'replenishment-planning'),
        403,
      );
      expectProblem(other.res, 403);
    });
  });
});
