import { ACME, bearer, dbIds, expectProblem, expectStatus, GLOBEX, gql, GOVERNANCE, NORTHWIND_CAPACITY, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { expectNoPollution, PUSH_TALLIES, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API3:2023 Broken Object Property Level Authorization: fields a caller may not read (asked
 * for, filtered on, smuggled through GraphQL aliases and fragments), fields a caller may not write
 * (mass assignment of ids, owners, timestamps, audit fields), and prototype keys (`__proto__`,
 * `constructor`, `prototype`) in JSON bodies and policy documents.
 */
describe('API3 BOPLA', () => {
  let gw: TestGateway;
  let globex: string;
  let swift: string;
  let swiftShipment: string;

  beforeAll(async () => {
    gw = await TestGateway.start();
    globex = await bearer(gw, GLOBEX);
    swift = await bearer(gw, SWIFTLOG);
    swiftShipment = (await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-swiftlog']))[0];
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('reading fields no rule grants (Globex, a customer, may not see carrier, route or cost)', () => {
    it.each([
      ['fields=freightCost', 403, 'FORBIDDEN_FIELDS'],
      ['fields=id,status,routingPlan', 403, 'FORBIDDEN_FIELDS'],
      ['fields=id,%20freightCost%20', 403, 'FORBIDDEN_FIELDS'],
      ['fields=FreightCost', 400, 'VALIDATION_FAILED'],
      ['fields=freight_cost', 400, 'VALIDATION_FAILED'],
      ['fields=*', 400, 'VALIDATION_FAILED'],
      ['fields=id&fields=freightCost', 400, 'VALIDATION_FAILED'],
      ['fields[]=freightCost', 400, 'VALIDATION_FAILED'],
      ['freightCost=1830', 403, 'FORBIDDEN_FIELDS'],
      ['carrierId=carrier-swiftlog', 403, 'FORBIDDEN_FIELDS'],
      ['routingPlan=', 403, 'FORBIDDEN_FIELDS'],
      ['status[$ne]=x', 400, 'VALIDATION_FAILED'],
    ])('GET /shipments?%s: %i %s', async (query, status, code) => {
      const { res } = await refused(gw, () => gw.http.get(`/api/v1/shipments?${query}`).set('Authorization', globex), status);
      expectProblem(res, status, code);
      expect(JSON.stringify(res.body)).not.toMatch(/carrier-swiftlog|carrier-northstar|"data"/);
    });

    it('single rows too: GET /shipments/:id?fields=carrierId', async () => {
      const own = (await dbIds(gw, 'shipments', "destination IN ('DC-US-EAST','DC-US-WEST')"))[0];
      const { res } = await refused(gw, () => gw.http.get(`/api/v1/shipments/${own}?fields=id,carrierId`).set('Authorization', globex), 403);
      expect(res.body.fields).toEqual(['carrierId']);
    });

    const onlyForbidden: Array<[string, string]> = [
      ['plain selection', '{ shipments { nodes { freightCost } } }'],
      ['an alias', '{ shipments { nodes { cost: freightCost route: routingPlan } } }'],
      ['an alias named like a permitted field', '{ shipments { nodes { status: carrierId } } }'],
      ['a fragment', 'query { shipments { nodes { ...Secret } } } fragment Secret on Shipment { freightCost routingPlan }'],
      ['an inline fragment', '{ shipments { nodes { ... on Shipment { carrierId } } } }'],
      [
        'a nested inline fragment with @include',
        'query ($yes: Boolean = true) { shipments { nodes { ... @include(if: $yes) { ... on Shipment { shipperId } } } } }',
      ],
      ['__typename beside a forbidden field', '{ shipments { nodes { __typename freightCost } } }'],
      ['a single row', 'query ($id: ID!) { shipment(id: $id) { routingPlan } }'],
    ];
    it.each(onlyForbidden)('GraphQL, only forbidden fields through %s: nulls with FORBIDDEN_FIELD errors, audited as deny', async (_, query) => {
      const own = (await dbIds(gw, 'shipments', "destination IN ('DC-US-EAST','DC-US-WEST')"))[0];
      const { res, event } = await refused(gw, () => gql(gw, GLOBEX, query, query.includes('$id') ? { id: own } : undefined));
      expect(res.errors.length).toBeGreaterThan(0);
      for (const e of res.errors) expect(e.extensions?.code).toBe('FORBIDDEN_FIELD');
      const text = JSON.stringify(res.data);
      expect(text).not.toMatch(/carrier-|supplier-|\d{3,}\.\d|->|Port of/);
      expect(String(event.fields_returned ?? '')).toMatch(/^(\[\]|)$/);
    });

    it('GraphQL filter on a forbidden field is refused', async () => {
      const { res } = await refused(gw, () => gql(gw, GLOBEX, '{ shipments(filter: { freightCost: 1830 }) { nodes { id } } }'));
      expect(res.errors[0].extensions?.code).toBe('FORBIDDEN_FIELDS');
      expect(res.data?.shipments ?? null).toBeNull();
    });
  });

  describe('mass assignment: fields a caller may not write', () => {
    const patch = (body: unknown) =>
      gw.http
        .patch(`/api/v1/shipments/${swiftShipment}`)
        .set('Authorization', swift)
        .send(body as object);

    it.each([
      ['id', { id: 'shp-owned', status: 'delayed' }, 400, 'VALIDATION_FAILED'],
      ['carrierId (the owner)', { carrierId: 'carrier-northstar' }, 403, 'FORBIDDEN_FIELDS'],
      ['shipperId', { shipperId: 'supplier-acme', status: 'delayed' }, 403, 'FORBIDDEN_FIELDS'],
      ['freightCost and routingPlan', { freightCost: 1, routingPlan: 'x' }, 403, 'FORBIDDEN_FIELDS'],
      ['updatedAt', { updatedAt: '2000-01-01T00:00:00.000Z', status: 'delayed' }, 400, 'VALIDATION_FAILED'],
      [
        'audit fields',
        { status: 'delayed', recordedBy: 'carrier-northstar', policyVersion: 99, seq: 1, hash: 'x', decision: 'allow' },
        400,
        'VALIDATION_FAILED',
      ],
      ['createdAt', { createdAt: '2000-01-01T00:00:00.000Z' }, 400, 'VALIDATION_FAILED'],
      ['an operator object as a value', { status: { $ne: null } }, 400, 'VALIDATION_FAILED'],
      ['an array body', [{ status: 'delayed' }], 400, 'VALIDATION_FAILED'],
    ])('PATCH /shipments/:id with %s', async (_, body, status, code) => {
      const { res } = await refused(gw, () => patch(body), status);
      expectProblem(res, status, code);
    });

    it('POST /shipments/:id/events with id, shipmentId or recordedBy', async () => {
      for (const extra of [{ id: 'evt-mine' }, { shipmentId: 'shp-0002' }, { recordedBy: 'carrier-northstar' }, { recordedAt: '2000-01-01T00:00:00Z' }]) {
        const { res } = await refused(
          gw,
          () =>
            gw.http
              .post(`/api/v1/shipments/${swiftShipment}/events`)
              .set('Authorization', swift)
              .send({ status: 'in_transit', occurredAt: new Date().toISOString(), ...extra }),
          { status: 400, ignore: [PUSH_TALLIES] },
        );
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
    });

    it('a batch push item with recordedBy or id is refused, nothing written', async () => {
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/api/v1/shipment-events:batch')
            .set('Authorization', swift)
            .send({
              events: [
                { eventId: 'ma-1', shipmentId: swiftShipment, status: 'delivered', occurredAt: new Date().toISOString(), recordedBy: 'carrier-northstar' },
                { eventId: 'ma-2', shipmentId: swiftShipment, status: 'delivered', occurredAt: new Date().toISOString(), id: 'evt-chosen' },
              ],
            }),
        { ignore: [PUSH_TALLIES] },
      );
      expectStatus(res, 200);
      expect(res.body.data.results.map((r: { outcome: string }) => r.outcome)).toEqual(['refused', 'refused']);
    });

    it('a supplier creating capacity for another supplier: 403 OUT_OF_SCOPE', async () => {
      const acme = await bearer(gw, { ...ACME, purpose: 'capacity-planning' });
      const { res } = await refused(
        gw,
        () =>
          gw.http.post('/api/v1/capacity-signals').set('Authorization', acme).send({
            supplierId: 'supplier-northwind',
            site: 'PLANT-US-1',
            sku: 'SKU-300',
            periodStart: '2026-12-01',
            availableQty: 1,
            riskLevel: 'low',
          }),
        403,
      );
      expectProblem(res, 403, 'OUT_OF_SCOPE');
    });

    it('a supplier moving its own capacity signal to another supplier: 403', async () => {
      const own = (await dbIds(gw, 'capacity_signals', 'supplier_id = ?', ['supplier-northwind']))[0];
      const nw = await bearer(gw, NORTHWIND_CAPACITY);
      const moved = await refused(
        gw,
        () => gw.http.patch(`/api/v1/capacity-signals/${own}`).set('Authorization', nw).send({ supplierId: 'supplier-acme' }),
        403,
      );
      expectProblem(moved.res, 403);
    });

    it('GraphQL: an owner field in an update input is refused; a field the input does not have fails validation', async () => {
      const owner = await refused(gw, () =>
        gql(gw, SWIFTLOG, 'mutation ($id: ID!) { updateShipment(id: $id, input: { carrierId: "carrier-northstar" }) { id } }', { id: swiftShipment }),
      );
      expect(owner.res.errors[0].extensions?.code).toBe('FORBIDDEN_FIELDS');
      const unknown = await refused(gw, () =>
        gql(gw, SWIFTLOG, 'mutation ($id: ID!) { updateShipment(id: $id, input: { updatedAt: "2000-01-01T00:00:00Z" }) { id } }', { id: swiftShipment }),
      );
      expect(unknown.res.errors[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
      const variables = await refused(
        gw,
        () =>
          gql(gw, SWIFTLOG, 'mutation ($id: ID!, $input: ShipmentUpdateInput!) { updateShipment(id: $id, input: $input) { id } }', {
            id: swiftShipment,
            input: { status: 'delayed', recordedBy: 'x' },
          }),
        400,
      );
      expect(variables.res.errors[0].extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('prototype keys: refused wherever they appear, and nothing is polluted', () => {
    const raw = (method: 'patch' | 'post' | 'put', url: string, json: string, token: string) =>
      gw.http[method](url).set('Authorization', token).set('content-type', 'application/json').send(json);

    it.each([
      ['__proto__ at the top', '{"__proto__":{"polluted":"yes"},"status":"delayed"}'],
      ['constructor.prototype at the top', '{"constructor":{"prototype":{"polluted":"yes"}},"status":"delayed"}'],
      ['__proto__ nested in a value', '{"status":"delayed","lastLocation":{"__proto__":{"polluted":"yes"}}}'],
      ['prototype deep in an array', '{"status":"delayed","x":[[{"prototype":{"polluted":"yes"}}]]}'],
    ])('REST PATCH body with %s: 400', async (_, json) => {
      const { res } = await refused(gw, () => raw('patch', `/api/v1/shipments/${swiftShipment}`, json, swift), 400);
      expectProblem(res, 400, 'VALIDATION_FAILED');
      expect(res.body.detail).toMatch(/__proto__|constructor|prototype/);
    });

    it('REST query ?__proto__[polluted]=yes and ?constructor=x: 400', async () => {
      for (const q of ['__proto__[polluted]=yes', '__proto__.polluted=yes', 'constructor=x', 'constructor[prototype][polluted]=yes']) {
        const { res } = await refused(gw, () => gw.http.get(`/api/v1/shipments?${q}`).set('Authorization', swift), 400);
        expectProblem(res, 400, 'VALIDATION_FAILED');
      }
    });

    it('GraphQL variables with __proto__: refused before execution', async () => {
      const json = `{"query":"mutation ($id: ID!, $input: ShipmentUpdateInput!) { updateShipment(id: $id, input: $input) { id } }","variables":{"id":"${swiftShipment}","input":{"status":"delayed","__proto__":{"polluted":"yes"}}}}`;
      const { res } = await refused(gw, () => raw('post', '/graphql', json, swift), 400);
      expect(JSON.stringify(res.body)).toMatch(/__proto__/);
    });

    describe('in policy documents (governance)', () => {
      let gov: string;
      const doc = (extra: string) =>
        `{"partner":{"id":"supplier-acme","name":"Acme","kind":"supplier","attributes":{"skus":["SKU-300"]${extra.startsWith('attr:') ? `,${extra.slice(5)}` : ''}}},` +
        `"rules":[{"id":"r1","action":"read","subject":"DemandSignal","fields":["id","sku"],"conditions":{"sku":${extra.startsWith('cond:') ? extra.slice(5) : '"SKU-300"'}}}]` +
        `${extra.startsWith('top:') ? `,${extra.slice(4)}` : ''}}`;
      beforeAll(async () => {
        gov = await bearer(gw, GOVERNANCE);
      });

      it.each([
        ['top-level __proto__', 'top:"__proto__":{"polluted":"yes"}'],
        ['top-level constructor', 'top:"constructor":{"prototype":{"polluted":"yes"}}'],
        ['__proto__ among partner attributes', 'attr:"__proto__":["x"]'],
        ['constructor among partner attributes', 'attr:"constructor":"x"'],
        ['__proto__ in a rule condition', 'cond:{"__proto__":{"$eq":"x"}}'],
      ])('PUT /policies/:id with %s: 400, the version in force stays', async (_, extra) => {
        const { res } = await refused(gw, () => raw('put', '/api/v1/policies/supplier-acme', doc(extra), gov), 400);
        expectProblem(res, 400);
        expect(JSON.stringify(res.body)).toMatch(/__proto__|constructor/);
      });

      it('POST /policies/:id/simulate with a draft holding __proto__: 400', async () => {
        const json = `{"action":"read","subject":"DemandSignal","purpose":"replenishment-planning","document":${doc('top:"__proto__":{"polluted":"yes"}')}}`;
        const { res } = await refused(gw, () => raw('post', '/api/v1/policies/supplier-acme/simulate', json, gov), 400);
        expectProblem(res, 400);
      });

      it('GraphQL putPolicy with a literal document holding __proto__ or constructor: POLICY_INVALID naming the key', async () => {
        for (const key of ['__proto__', 'constructor']) {
          const query = `mutation { putPolicy(partnerId: "supplier-acme", document: { partner: { id: "supplier-acme", name: "Acme", kind: "supplier", attributes: { skus: ["SKU-300"] } }, rules: [], ${key}: { polluted: "yes" } }) { version } }`;
          const { res } = await refused(gw, () => gql(gw, GOVERNANCE, query));
          expect(res.errors[0].extensions?.code).toBe('POLICY_INVALID');
          expect(JSON.stringify(res.errors[0].extensions?.problems)).toContain(key);
        }
      });

      it('a placeholder reaching for ${partner.attributes.constructor} or ${partner.__proto__} does not resolve', async () => {
        for (const placeholder of [
          '${partner.attributes.constructor}',
          '${partner.attributes.__proto__}',
          '${partner.__proto__}',
          '${partner.constructor.name}',
        ]) {
          const { res } = await refused(gw, () => raw('put', '/api/v1/policies/supplier-acme', doc(`cond:${JSON.stringify(placeholder)}`), gov), 400);
          expectProblem(res, 400, 'POLICY_INVALID');
          expect(JSON.stringify(res.body.problems)).toMatch(/placeholder/);
        }
      });
    });

    afterAll(() => expectNoPollution());
  });
});
