import {
  ACME,
  ADMIN,
  bearer,
  dbIds,
  dbRows,
  demoPolicyFile,
  expectOneDenial,
  FIELDS,
  GLOBEX,
  gql,
  GqlResult,
  GOVERNANCE,
  listQuery,
  NORTHSTAR,
  NORTHWIND,
  NORTHWIND_CAPACITY,
  snapshot,
  SWIFTLOG,
} from './support/contract';
import { TestGateway } from './support/test-app';

jest.setTimeout(60_000);

/**
 * docs/api-guide.md (GraphQL): the GraphQL API over the same policies as REST. Lists with
 * filter/first/after, single rows, the four mutations, FORBIDDEN_FIELD errors at the exact path
 * (through aliases and fragments, row by row), depth and cost limits, 401 without a token.
 */

type Path = Array<string | number>;

const pathKey = (p: Path | undefined) => (p ?? []).join('.');
const errorPaths = (r: GqlResult, code = 'FORBIDDEN_FIELD') =>
  r.errors
    .filter((e) => e.extensions?.code === code)
    .map((e) => pathKey(e.path))
    .sort();
const otherErrors = (r: GqlResult) => r.errors.filter((e) => e.extensions?.code !== 'FORBIDDEN_FIELD');
const ids = (nodes: Array<{ id: string }>) => nodes.map((n) => n.id);

const RESTRICTED_REASON = (demoPolicyFile('supplier-northwind').rules.find((r) => r.id === 'no-order-volumes-in-restricted-region') as { reason: string })
  .reason;

describe('GraphQL contract (demo partners)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** One root error (no partial data) with this code. */
  const expectRootError = (r: GqlResult, root: string, code: string) => {
    expect(r.errors.map((e) => e.extensions?.code)).toEqual([code]);
    expect(r.errors[0].path).toEqual([root]);
    expect(r.data?.[root] ?? null).toBeNull();
  };

  it('every answer, with data or with errors, is Cache-Control: no-store (judged for one caller, never kept by a proxy)', async () => {
    const ask = async (query: string) =>
      gw.http
        .post('/graphql')
        .set('content-type', 'application/json')
        .set('Authorization', await bearer(gw, NORTHWIND))
        .send({ query });
    const data = await ask('{ demandSignals(first: 2) { nodes { id orderedQty } } }');
    expect(data.status).toBe(200);
    expect(data.body.data.demandSignals.nodes).toHaveLength(2);
    expect(data.headers['cache-control']).toBe('no-store');
    const withheld = await ask('{ demandSignals(first: 2) { nodes { id unitPrice } } }');
    expect(withheld.body.errors.length).toBeGreaterThan(0);
    expect(withheld.headers['cache-control']).toBe('no-store');
    const invalid = await ask('{ noSuchField }');
    expect(invalid.status).toBe(400);
    expect(invalid.headers['cache-control']).toBe('no-store');
  });

  it('a request no operation can be chosen from, or a subscription sent over HTTP, is a 400 with its code, for every role, and audited', async () => {
    for (const who of [NORTHWIND, GOVERNANCE]) {
      const ask = async (body: object) =>
        gw.http
          .post('/graphql')
          .set('content-type', 'application/json')
          .set('Authorization', await bearer(gw, who))
          .send(body);
      const unknownName = await ask({ query: 'query A { __typename }', operationName: 'Z' });
      const noName = await ask({ query: 'query A { __typename } query B { __typename }' });
      const subscription = await ask({ query: 'subscription { shipmentUpdated { id } }' });
      for (const [answer, code] of [
        [unknownName, 'OPERATION_RESOLUTION_FAILURE'],
        [noName, 'OPERATION_RESOLUTION_FAILURE'],
        [subscription, 'BAD_REQUEST'],
      ] as const) {
        expect(answer.status).toBe(400);
        expect(answer.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual([code]);
        expect(answer.body.data).toBeUndefined();
      }
      expect(subscription.body.errors[0].message).toMatch(/graphql-ws/);
    }
    const events = await gw.query<{ status: number; decision: string; reason: string | null }>(
      "SELECT status, decision, reason FROM audit_events WHERE operation LIKE 'graphql%' AND status = 400 AND reason LIKE '%graphql-ws%'",
    );
    expect(events.length).toBe(2);
    expect(events.every((e) => e.decision === 'deny')).toBe(true);
  });

  describe('lists', () => {
    it.each([
      ['demandSignals', NORTHWIND, 'demand_signals', "sku IN ('SKU-100','SKU-200')"],
      ['capacitySignals', ACME, 'capacity_signals', "supplier_id = 'supplier-acme'"],
      ['shipments', NORTHSTAR, 'shipments', "carrier_id = 'carrier-northstar'"],
      ['shipments', GLOBEX, 'shipments', "destination IN ('DC-US-EAST','DC-US-WEST')"],
    ] as const)('%s for %o: the rows of the scope, as { nodes, pageInfo { endCursor hasNextPage } }', async (root, who, table, where) => {
      const r = await gql(gw, who, listQuery(root, ['id']), { first: 200 });
      expect(r.status).toBe(200);
      expect(r.errors).toEqual([]);
      expect(Object.keys(r.data![root]).sort()).toEqual(['nodes', 'pageInfo']);
      expect(ids(r.data![root].nodes)).toEqual(await dbIds(gw, table, where));
      expect(r.data![root].pageInfo).toEqual({ endCursor: null, hasNextPage: false });
    });

    it('first and after walk every row exactly once', async () => {
      const seen: string[] = [];
      let after: string | null = null;
      let pages = 0;
      do {
        const r: GqlResult = await gql(gw, NORTHWIND, listQuery('demandSignals', ['id', 'sku']), { first: 4, after });
        expect(r.errors).toEqual([]);
        const { nodes, pageInfo } = r.data!.demandSignals;
        expect(nodes.length).toBeLessThanOrEqual(4);
        seen.push(...ids(nodes));
        expect(pageInfo.hasNextPage).toBe(pageInfo.endCursor !== null);
        after = pageInfo.endCursor;
        pages++;
      } while (after && pages < 50);
      const all = await dbIds(gw, 'demand_signals', "sku IN ('SKU-100','SKU-200')");
      expect(seen).toEqual(all);
      expect(pages).toBe(Math.ceil(all.length / 4));
    });

    it('without first, a page holds at most 100 rows', async () => {
      const r = await gql(gw, ADMIN, '{ demandSignals { nodes { id } pageInfo { hasNextPage } } }');
      const total = (await dbIds(gw, 'demand_signals')).length;
      expect(r.data!.demandSignals.nodes).toHaveLength(Math.min(100, total));
      expect(r.data!.demandSignals.pageInfo.hasNextPage).toBe(total > 100);
    });

    it('equality filters, typed numbers included', async () => {
      const text = await gql(gw, NORTHWIND, 'query ($f: DemandSignalFilter) { demandSignals(filter: $f, first: 100) { nodes { id sku region } } }', {
        f: { sku: 'SKU-200', region: 'AMER' },
      });
      expect(ids(text.data!.demandSignals.nodes)).toEqual(await dbIds(gw, 'demand_signals', "sku = 'SKU-200' AND region = 'AMER'"));
      expect(text.data!.demandSignals.nodes.length).toBeGreaterThan(0);
      const decimal = await gql(gw, NORTHWIND, '{ capacitySignals(filter: { unitCost: 74.9 }) { nodes { id sku unitCost } } }');
      expect(decimal.data!.capacitySignals.nodes).toHaveLength(3);
      for (const n of decimal.data!.capacitySignals.nodes) expect([n.sku, n.unitCost]).toEqual(['SKU-200', 74.9]);
      const int = await gql(gw, SWIFTLOG, '{ shipments(filter: { quantity: 480 }) { nodes { id quantity } } }');
      expect(int.data!.shipments.nodes).toEqual([{ id: 'shp-0001', quantity: 480 }]);
      const scoped = await gql(gw, NORTHWIND, '{ demandSignals(filter: { sku: "SKU-300" }) { nodes { id } } }');
      expect(scoped.data!.demandSignals.nodes).toEqual([]);
    });

    it('a filter on a field the caller may not read is refused, naming it, and audited', async () => {
      const seq = await gw.headSeq();
      const r = await gql(gw, GLOBEX, '{ shipments(filter: { carrierId: "carrier-swiftlog" }) { nodes { id } } }');
      expectRootError(r, 'shipments', 'FORBIDDEN_FIELDS');
      expect(r.errors[0].extensions?.fields).toEqual(['carrierId']);
      await expectOneDenial(gw, seq, 200);
    });

    it('a garbage or foreign cursor is INVALID_CURSOR; first below 1 is VALIDATION_FAILED', async () => {
      const foreign = (await gql(gw, SWIFTLOG, listQuery('shipments', ['id']), { first: 1 })).data!.shipments.pageInfo.endCursor;
      expect(foreign).toEqual(expect.any(String));
      for (const after of ['garbage', foreign])
        expectRootError(await gql(gw, NORTHWIND, listQuery('demandSignals', ['id']), { first: 2, after }), 'demandSignals', 'INVALID_CURSOR');
      expectRootError(await gql(gw, NORTHWIND, listQuery('demandSignals', ['id']), { first: 0 }), 'demandSignals', 'VALIDATION_FAILED');
    });

    it('a partner without a purpose gets PURPOSE_REQUIRED; X-Purpose gives one', async () => {
      const who = { roles: ['partner'], partner: 'supplier-northwind' };
      const r = await gql(gw, who, '{ demandSignals { nodes { id } } }');
      expectRootError(r, 'demandSignals', 'PURPOSE_REQUIRED');
      expect(r.errors[0].extensions?.purposes).toEqual(['capacity-planning', 'replenishment-planning']);
      const ok = await gql(gw, who, '{ demandSignals { nodes { id forecastQty } } }', undefined, { 'X-Purpose': 'capacity-planning' });
      expect(ok.errors).toEqual([]);
      expect(ok.data!.demandSignals.nodes.length).toBeGreaterThan(0);
    });

    it('a subject the policy grants no read of is refused with FORBIDDEN', async () => {
      expectRootError(await gql(gw, SWIFTLOG, '{ demandSignals { nodes { id } } }'), 'demandSignals', 'FORBIDDEN');
      expectRootError(await gql(gw, GLOBEX, '{ capacitySignals { nodes { id } } }'), 'capacitySignals', 'FORBIDDEN');
    });
  });

  describe('single rows', () => {
    it.each([
      ['demandSignal', NORTHWIND, 'demand_signals', "sku = 'SKU-100'", "sku = 'SKU-300'"],
      ['capacitySignal', NORTHWIND, 'capacity_signals', "supplier_id = 'supplier-northwind'", "supplier_id = 'supplier-acme'"],
      ['shipment', SWIFTLOG, 'shipments', "carrier_id = 'carrier-swiftlog'", "carrier_id = 'carrier-northstar'"],
      ['shipment', GLOBEX, 'shipments', "destination = 'DC-US-EAST'", "destination = 'DC-EU-CENTRAL'"],
    ] as const)('%s(id) for %o: a row in scope; one outside it answers exactly as a missing id', async (root, who, table, inside, outside) => {
      const [mine] = await dbRows(gw, table, inside);
      const [foreign] = await dbIds(gw, table, outside);
      const q = `query ($id: ID!) { ${root}(id: $id) { id } }`;
      const r = await gql(gw, who, q, { id: mine.id });
      expect(r.errors).toEqual([]);
      expect(r.data![root]).toEqual({ id: mine.id });
      const outOfScope = await gql(gw, who, q, { id: foreign });
      const missing = await gql(gw, who, q, { id: 'no-such-id' });
      expect(outOfScope.body).toEqual(missing.body);
      expect(outOfScope.data![root]).toBeNull();
    });

    it('a single row has the same values as REST', async () => {
      const fields = FIELDS.Shipment;
      const r = await gql(gw, NORTHSTAR, `{ shipment(id: "shp-0003") { ${fields.join(' ')} } }`);
      const rest = await gw.http
        .get('/api/v1/shipments/shp-0003')
        .set('Authorization', await bearer(gw, NORTHSTAR))
        .expect(200);
      expect(r.errors).toEqual([]);
      expect(r.data!.shipment).toEqual(rest.body.data);
    });
  });

  describe('a field the caller may not read: null, with a FORBIDDEN_FIELD error at its path', () => {
    it('through plain selection, alias, fragment and inline fragment, row by row; permitted fields still come back', async () => {
      const query = `{
        demandSignals(first: 100, filter: { sku: "SKU-200" }) {
          nodes { id sku price: unitPrice unitPrice ...Economics ... on DemandSignal { marginPct forecastQty } }
        }
      }
      fragment Economics on DemandSignal { customerName productFamily }`;
      const r = await gql(gw, NORTHWIND, query);
      const expected = await dbRows(gw, 'demand_signals', "sku = 'SKU-200'");
      expect(otherErrors(r)).toEqual([]);
      const nodes = r.data!.demandSignals.nodes;
      expect(ids(nodes)).toEqual(expected.map((e) => e.id));
      nodes.forEach((n: Record<string, unknown>, i: number) => {
        expect(n).toEqual({
          id: expected[i].id,
          sku: 'SKU-200',
          productFamily: expected[i].productFamily,
          forecastQty: expected[i].forecastQty,
          price: null,
          unitPrice: null,
          customerName: null,
          marginPct: null,
        });
      });
      const want = nodes
        .flatMap((_: unknown, i: number) => ['price', 'unitPrice', 'customerName', 'marginPct'].map((f) => `demandSignals.nodes.${i}.${f}`))
        .sort();
      expect(errorPaths(r)).toEqual(want);
      const aliased = r.errors.find((e) => pathKey(e.path) === 'demandSignals.nodes.0.price')!;
      expect(aliased.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', field: 'unitPrice' });
    });

    it('on single rows and with the row-dependent reason of the inverted rule', async () => {
      const r = await gql(gw, NORTHWIND, '{ shipment(id: "shp-0001") { id status freightCost routingPlan } }');
      expect(r.data!.shipment).toEqual({ id: 'shp-0001', status: expect.any(String), freightCost: null, routingPlan: null });
      expect(errorPaths(r)).toEqual(['shipment.freightCost', 'shipment.routingPlan']);

      const [restricted] = await dbIds(gw, 'demand_signals', "region = 'EMEA-RESTRICTED'");
      const one = await gql(gw, NORTHWIND, `{ demandSignal(id: "${restricted}") { id forecastQty orderedQty } }`);
      expect(one.data!.demandSignal).toEqual({ id: restricted, forecastQty: expect.any(Number), orderedQty: null });
      expect(errorPaths(one)).toEqual(['demandSignal.orderedQty']);
      expect(one.errors[0].extensions?.reason).toBe(RESTRICTED_REASON);
    });

    it('errors only on the rows where the rule takes the field away', async () => {
      const r = await gql(gw, NORTHWIND, '{ demandSignals(first: 100, filter: { sku: "SKU-100" }) { nodes { id region orderedQty } } }');
      const expected = await dbRows(gw, 'demand_signals', "sku = 'SKU-100'");
      const nodes = r.data!.demandSignals.nodes as Array<{ id: string; region: string; orderedQty: number | null }>;
      expect(ids(nodes)).toEqual(expected.map((e) => e.id));
      const restrictedRows = nodes.map((n, i) => [n, i] as const).filter(([n]) => n.region === 'EMEA-RESTRICTED');
      expect(restrictedRows.length).toBe(3);
      expect(errorPaths(r)).toEqual(restrictedRows.map(([, i]) => `demandSignals.nodes.${i}.orderedQty`).sort());
      for (const e of r.errors) expect(e.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', field: 'orderedQty', reason: RESTRICTED_REASON });
      nodes.forEach((n, i) => {
        if (n.region === 'EMEA-RESTRICTED') expect(n.orderedQty).toBeNull();
        else expect(n.orderedQty).toBe(expected[i].orderedQty);
      });
      expect(nodes.some((n) => n.region !== 'EMEA-RESTRICTED' && typeof n.orderedQty === 'number')).toBe(true);
    });

    it('for capacity planning, order volumes are withheld on every row (no rule grants them)', async () => {
      const r = await gql(gw, NORTHWIND_CAPACITY, '{ demandSignals(first: 100) { nodes { id orderedQty } } }');
      const nodes = r.data!.demandSignals.nodes as Array<{ id: string; orderedQty: unknown }>;
      const restricted = await dbIds(gw, 'demand_signals', "region = 'EMEA-RESTRICTED'");
      expect(nodes.length).toBeGreaterThan(restricted.length);
      expect(errorPaths(r)).toEqual(nodes.map((_, i) => `demandSignals.nodes.${i}.orderedQty`).sort());
      for (const n of nodes) expect(n.orderedQty).toBeNull();
      // where the inverted rule matches, it is the reason given; elsewhere no rule grants the field
      for (const e of r.errors) {
        const row = nodes[e.path![2] as number];
        expect(e.extensions).toMatchObject({ code: 'FORBIDDEN_FIELD', reason: restricted.includes(row.id) ? RESTRICTED_REASON : 'not-granted' });
      }
    });

    it('the audit event of such a read is partial and names the withheld fields', async () => {
      const seq = await gw.headSeq();
      await gql(gw, NORTHWIND, '{ shipments { nodes { id freightCost } } }');
      const [event] = await gw.auditSince(seq);
      expect(event).toMatchObject({ decision: 'partial', transport: 'graphql' });
      expect(String(event.fields_denied)).toContain('freightCost');
    });
  });

  describe('mutations', () => {
    const demandInput = {
      sku: 'SKU-200',
      site: 'DC-EU-NORTH',
      region: 'NORDICS',
      periodStart: '2026-02-01',
      forecastQty: 300,
      orderedQty: 280,
      unitPrice: 131,
      customerName: 'Hooli AB',
      marginPct: 26,
    };
    const createDemand = 'mutation ($input: DemandSignalInput!) { createDemandSignal(input: $input) { id sku forecastQty orderedQty unitPrice customerName } }';

    it('createDemandSignal by admin writes the row', async () => {
      const r = await gql(gw, ADMIN, createDemand, { input: { id: 'ds-gql-1', ...demandInput } });
      expect(r.errors).toEqual([]);
      expect(r.data!.createDemandSignal).toEqual({
        id: 'ds-gql-1',
        sku: 'SKU-200',
        forecastQty: 300,
        orderedQty: 280,
        unitPrice: 131,
        customerName: 'Hooli AB',
      });
      expect(await dbRows(gw, 'demand_signals', 'id = ?', ['ds-gql-1'])).toEqual([expect.objectContaining({ ...demandInput, productFamily: null })]);
      const seen = await gql(gw, NORTHWIND, '{ demandSignal(id: "ds-gql-1") { id orderedQty customerName } }');
      expect(seen.data!.demandSignal).toEqual({ id: 'ds-gql-1', orderedQty: 280, customerName: null });
    });

    it('createDemandSignal by a supplier is refused, writes nothing and is audited as a denial', async () => {
      const before = await snapshot(gw);
      const seq = await gw.headSeq();
      const r = await gql(gw, NORTHWIND, createDemand, { input: demandInput });
      expectRootError(r, 'createDemandSignal', 'FORBIDDEN');
      expect(await snapshot(gw)).toEqual(before);
      await expectOneDenial(gw, seq, 200);
    });

    it('upsertCapacitySignal creates, then updates, a supplier’s own signal; another supplier’s is not found', async () => {
      const upsert = 'mutation ($input: CapacitySignalInput!) { upsertCapacitySignal(input: $input) { id supplierId sku availableQty riskLevel unitCost } }';
      const created = await gql(gw, NORTHWIND_CAPACITY, upsert, {
        input: { site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-07-01', availableQty: 2000, riskLevel: 'low', unitCost: 50 },
      });
      expect(created.errors).toEqual([]);
      const id = created.data!.upsertCapacitySignal.id;
      expect(created.data!.upsertCapacitySignal).toEqual({
        id,
        supplierId: 'supplier-northwind',
        sku: 'SKU-100',
        availableQty: 2000,
        riskLevel: 'low',
        unitCost: 50,
      });

      const updated = await gql(gw, NORTHWIND_CAPACITY, upsert, { input: { id, availableQty: 1500, riskLevel: 'medium' } });
      expect(updated.errors).toEqual([]);
      expect(updated.data!.upsertCapacitySignal).toMatchObject({ id, availableQty: 1500, riskLevel: 'medium', unitCost: 50 });
      expect(await dbRows(gw, 'capacity_signals', 'id = ?', [id])).toEqual([expect.objectContaining({ availableQty: 1500, riskLevel: 'medium' })]);

      const before = await snapshot(gw);
      const seq = await gw.headSeq();
      const foreign = await gql(gw, NORTHWIND_CAPACITY, upsert, { input: { id: 'cap-0007', availableQty: 1 } });
      expect(foreign.data?.upsertCapacitySignal ?? null).toBeNull();
      expect(foreign.errors.map((e) => e.extensions?.code)).toEqual(['NOT_FOUND']);
      const stolen = await gql(gw, NORTHWIND_CAPACITY, upsert, {
        input: { supplierId: 'supplier-acme', site: 'X', sku: 'SKU-300', periodStart: '2026-07-01', availableQty: 1, riskLevel: 'low' },
      });
      expect(stolen.errors.map((e) => e.extensions?.code)).toEqual(['OUT_OF_SCOPE']);
      expect(await snapshot(gw)).toEqual(before);
      const events = await gw.auditSince(seq);
      expect(events.map((e) => e.decision)).toEqual(['deny', 'deny']);
    });

    it('updateShipment by the carrier changes tracking fields; freight cost is refused and nothing is written', async () => {
      const update = 'mutation ($id: ID!, $input: ShipmentUpdateInput!) { updateShipment(id: $id, input: $input) { id status eta lastLocation freightCost } }';
      const r = await gql(gw, NORTHSTAR, update, {
        id: 'shp-0006',
        input: { status: 'delayed', eta: '2026-03-05T10:00:00.000Z', lastLocation: 'Denver, CO, US' },
      });
      expect(r.errors).toEqual([]);
      expect(r.data!.updateShipment).toEqual({
        id: 'shp-0006',
        status: 'delayed',
        eta: '2026-03-05T10:00:00.000Z',
        lastLocation: 'Denver, CO, US',
        freightCost: 2650,
      });
      expect(await dbRows(gw, 'shipments', 'id = ?', ['shp-0006'])).toEqual([expect.objectContaining({ status: 'delayed', lastLocation: 'Denver, CO, US' })]);

      const before = await snapshot(gw);
      const seq = await gw.headSeq();
      const refused = await gql(gw, NORTHSTAR, update, { id: 'shp-0006', input: { status: 'delivered', freightCost: 1 } });
      expectRootError(refused, 'updateShipment', 'FORBIDDEN_FIELDS');
      expect(refused.errors[0].extensions?.fields).toEqual(['freightCost']);
      const foreign = await gql(gw, NORTHSTAR, update, { id: 'shp-0001', input: { status: 'delivered' } });
      expectRootError(foreign, 'updateShipment', 'NOT_FOUND');
      const customer = await gql(gw, GLOBEX, update, { id: 'shp-0001', input: { status: 'delivered' } });
      expectRootError(customer, 'updateShipment', 'FORBIDDEN');
      expect(await snapshot(gw)).toEqual(before);
      expect((await gw.auditSince(seq)).map((e) => e.decision)).toEqual(['deny', 'deny', 'deny']);
    });

    it('recordShipmentEvent applies a newer event to the shipment and keeps an older one from overwriting it', async () => {
      const record =
        'mutation ($id: ID!, $input: ShipmentEventInput!) { recordShipmentEvent(shipmentId: $id, input: $input) { id shipmentId status occurredAt location recordedBy } }';
      const newer = await gql(gw, SWIFTLOG, record, {
        id: 'shp-0012',
        input: { status: 'picked_up', occurredAt: '2026-03-08T06:30:00Z', location: 'Newark, NJ, US', temperatureC: 3.5 },
      });
      expect(newer.errors).toEqual([]);
      expect(newer.data!.recordShipmentEvent).toEqual({
        id: expect.any(String),
        shipmentId: 'shp-0012',
        status: 'picked_up',
        occurredAt: '2026-03-08T06:30:00.000Z',
        location: 'Newark, NJ, US',
        recordedBy: 'carrier-swiftlog',
      });
      const state = { status: 'picked_up', lastLocation: 'Newark, NJ, US', lastEventAt: '2026-03-08T06:30:00.000Z', temperatureC: 3.5 };
      expect(await dbRows(gw, 'shipments', 'id = ?', ['shp-0012'])).toEqual([expect.objectContaining(state)]);

      const older = await gql(gw, SWIFTLOG, record, {
        id: 'shp-0012',
        input: { status: 'planned', occurredAt: '2026-03-01T00:00:00Z', location: 'Somewhere else' },
      });
      expect(older.errors).toEqual([]);
      expect(await dbRows(gw, 'shipments', 'id = ?', ['shp-0012'])).toEqual([expect.objectContaining(state)]);
      expect(await dbIds(gw, 'shipment_events', 'shipment_id = ?', ['shp-0012'])).toEqual(
        [newer.data!.recordShipmentEvent.id, older.data!.recordShipmentEvent.id].sort(),
      );

      const before = await snapshot(gw);
      expectRootError(
        await gql(gw, NORTHSTAR, record, { id: 'shp-0012', input: { status: 'delivered', occurredAt: '2026-03-09T00:00:00Z' } }),
        'recordShipmentEvent',
        'NOT_FOUND',
      );
      expectRootError(
        await gql(gw, SWIFTLOG, record, { id: 'shp-0012', input: { status: 'teleported', occurredAt: '2026-03-09T00:00:00Z' } }),
        'recordShipmentEvent',
        'VALIDATION_FAILED',
      );
      expect(await snapshot(gw)).toEqual(before);
    });
  });

  describe('depth and cost are bounded', () => {
    const costly = `query Costly {
      a: demandSignals(first: 1000) { nodes { ...All } }
      b: demandSignals(first: 1000) { nodes { ...All } }
    }
    fragment All on DemandSignal { ${FIELDS.DemandSignal.join(' ')} }`;

    it('an over-cost query is refused before any resolver runs, and audited', async () => {
      const seq = await gw.headSeq();
      const r = await gql(gw, ADMIN, costly);
      expect(r.data ?? null).toBeNull();
      expect(r.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
      expect(r.errors[0].extensions?.limit).toBe('COST_LIMIT');
      const event = await expectOneDenial(gw, seq, r.status);
      expect(Number(event.row_count)).toBe(0);
      expect(event.transport).toBe('graphql');
      // the same selection within the budget is answered
      const ok = await gql(gw, ADMIN, costly.replace(/b: demandSignals\(first: 1000\) \{ nodes \{ \.\.\.All \} \}/, ''));
      expect(ok.errors).toEqual([]);
      expect(ok.data!.a.nodes.length).toBeGreaterThan(0);
    });
  });

  describe('authentication', () => {
    it.each([
      ['no token', null],
      ['a garbage token', 'Bearer not.a.jwt'],
      ['a Basic header', 'Basic dXNlcjpwYXNz'],
    ] as const)('%s: 401 UNAUTHENTICATED, audited', async (_, auth) => {
      const seq = await gw.headSeq();
      const r = await gql(gw, auth, '{ shipments { nodes { id } } }');
      expect(r.status).toBe(401);
      expect(r.data ?? null).toBeNull();
      expect(r.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
      const event = await expectOneDenial(gw, seq, 401);
      expect(event.transport).toBe('graphql');
    });

    it('an expired token: 401', async () => {
      const expired = `Bearer ${await gw.token({ ...SWIFTLOG, ttl: -600 })}`;
      const r = await gql(gw, expired, '{ shipments { nodes { id } } }');
      expect(r.status).toBe(401);
      expect(r.errors.map((e) => e.extensions?.code)).toEqual(['UNAUTHENTICATED']);
    });
  });
});

describe('GraphQL depth limit', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start({ GRAPHQL_MAX_DEPTH: '2' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('refuses a query deeper than GRAPHQL_MAX_DEPTH before execution, and audits it', async () => {
    const seq = await gw.headSeq();
    const deep = await gql(gw, SWIFTLOG, '{ shipments(first: 1) { nodes { id } } }');
    expect(deep.data ?? null).toBeNull();
    expect(deep.errors.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(deep.errors[0].extensions?.limit).toBe('DEPTH_LIMIT');
    const event = await expectOneDenial(gw, seq, deep.status);
    expect(Number(event.row_count)).toBe(0);
    const shallow = await gql(gw, SWIFTLOG, '{ shipment(id: "shp-0001") { id status } }');
    expect(shallow.errors).toEqual([]);
    expect(shallow.data!.shipment).toEqual({ id: 'shp-0001', status: 'in_transit' });
  });
});
