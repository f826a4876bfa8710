import { bearer, expectProblem, GOVERNANCE, gql, NORTHWIND_CAPACITY } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * Governance tools understand transforms and aggregates (contract section 13): the access matrix
 * marks transformed fields and aggregate-only subjects, simulate and impact show transformed and
 * aggregate grants, a document's own tests assert transformed values and suppressed groups, and
 * the demo policies use both.
 */
describe('governance of transforms and aggregates', () => {
  let gw: TestGateway;
  let governance: string;

  beforeAll(async () => {
    gw = await TestGateway.start();
    governance = await bearer(gw, GOVERNANCE);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const policy = async (partnerId: string) =>
    (await gw.http.get(`/api/v1/policies/${partnerId}`).set('Authorization', governance).expect(200)).body.data.document as {
      rules: Array<Record<string, unknown>>;
      tests?: Array<Record<string, unknown>>;
    };

  describe('the demo policies', () => {
    it('Northwind reads the restricted programme forecast rounded to 100 for capacity planning, on REST and GraphQL', async () => {
      const stored = await gw.query<{ id: string; forecast_qty: number }>(
        "SELECT id, forecast_qty FROM demand_signals WHERE region = 'EMEA-RESTRICTED' ORDER BY id",
      );
      expect(stored.length).toBeGreaterThan(0);
      expect(stored.some((r) => Number(r.forecast_qty) % 100 !== 0)).toBe(true);
      const capacity = await bearer(gw, NORTHWIND_CAPACITY);
      const res = await gw.http.get('/api/v1/demand-signals?region=EMEA-RESTRICTED&fields=id,region,forecastQty').set('Authorization', capacity).expect(200);
      expect(res.body.data).toEqual(stored.map((r) => ({ id: r.id, region: 'EMEA-RESTRICTED', forecastQty: Math.round(Number(r.forecast_qty) / 100) * 100 })));
      expect(res.body.meta.transformedFields).toEqual(['forecastQty']);
      const r = await gql(gw, NORTHWIND_CAPACITY, '{ demandSignals(filter: { region: "EMEA-RESTRICTED" }) { nodes { id region forecastQty } } }');
      expect(r.errors).toEqual([]);
      expect(r.data!.demandSignals.nodes).toEqual(res.body.data);
      expect(r.body.extensions.transformedFields).toEqual(['forecastQty']);
      // Elsewhere the forecast stays exact, and nothing is said to be transformed.
      const open = await gw.http.get('/api/v1/demand-signals?region=EMEA&fields=id,forecastQty').set('Authorization', capacity).expect(200);
      expect(open.body.meta.transformedFields).toBeUndefined();
      // Filtering by the transformed field is refused, naming it.
      expect(expectProblem(await gw.http.get('/api/v1/demand-signals?forecastQty=315').set('Authorization', capacity), 403, 'FORBIDDEN_FIELDS').fields).toEqual(
        ['forecastQty'],
      );
    });

    it("the demo documents' own tests assert transformed values and suppressed groups", async () => {
      const northwind = await policy('supplier-northwind');
      expect(northwind.tests!.some((t) => t.values && t.transforms)).toBe(true);
      const globex = await policy('customer-globex');
      expect(globex.tests!.some((t) => t.action === 'aggregate' && t.suppressedGroups === 1)).toBe(true);
      // Simulate runs a document's tests: all pass.
      const sim = await gw.http
        .post('/api/v1/policies/customer-globex/simulate')
        .set('Authorization', governance)
        .send({ action: 'aggregate', subject: 'DemandSignal', purpose: 'delivery-tracking' })
        .expect(200);
      expect((sim.body.data.tests as Array<{ passed: boolean }>).every((t) => t.passed)).toBe(true);
    });
  });

  describe('the access matrix', () => {
    it('marks transformed fields with their transform and rule, and aggregate-only subjects', async () => {
      const matrix = (await gw.http.get('/api/v1/access-matrix').set('Authorization', governance).expect(200)).body.data as Array<Record<string, unknown>>;
      const capacityRead = matrix.find(
        (e) => e.partnerId === 'supplier-northwind' && e.subject === 'DemandSignal' && e.action === 'read' && e.purpose === 'capacity-planning',
      )!;
      expect(capacityRead.transformedFields).toEqual([{ field: 'forecastQty', transform: 'round 100', ruleId: 'restricted-forecast-rounded-for-capacity' }]);
      const replenishment = matrix.find(
        (e) => e.partnerId === 'supplier-northwind' && e.subject === 'DemandSignal' && e.action === 'read' && e.purpose === 'replenishment-planning',
      )!;
      expect(replenishment.transformedFields).toBeUndefined();

      const totals = matrix.find((e) => e.partnerId === 'customer-globex' && e.subject === 'DemandSignal' && e.action === 'aggregate')!;
      expect(totals).toMatchObject({
        purpose: 'delivery-tracking',
        fields: ['region', 'periodStart', 'forecastQty', 'orderedQty'],
        rows: 'all',
        aggregateOnly: true,
        aggregates: [
          {
            ruleId: 'demand-totals-per-region-and-period',
            groupBy: ['region', 'periodStart'],
            measures: { forecastQty: ['sum', 'avg'], orderedQty: ['sum'] },
            minGroupSize: 3,
            conditions: null,
          },
        ],
      });
      expect(matrix.some((e) => e.partnerId === 'customer-globex' && e.subject === 'DemandSignal' && e.action === 'read')).toBe(false);

      const r = await gql(
        gw,
        governance,
        '{ accessMatrix { partnerId subject action purpose transformedFields { field transform ruleId } aggregates aggregateOnly } }',
      );
      expect(r.errors).toEqual([]);
      const entries = r.data!.accessMatrix as Array<Record<string, unknown>>;
      expect(entries.find((e) => e.partnerId === 'customer-globex' && e.action === 'aggregate')).toMatchObject({
        aggregateOnly: true,
        aggregates: totals.aggregates,
      });
      expect(
        entries.find((e) => e.partnerId === 'supplier-northwind' && e.subject === 'DemandSignal' && e.action === 'read' && e.purpose === 'capacity-planning')!
          .transformedFields,
      ).toEqual(capacityRead.transformedFields);
    });
  });

  describe('simulate and impact', () => {
    const simulate = (partnerId: string, body: Record<string, unknown>) =>
      gw.http.post(`/api/v1/policies/${partnerId}/simulate`).set('Authorization', governance).send(body).expect(200);

    it('simulate names the transform of each grant, and the one a record is read with', async () => {
      const general = await simulate('supplier-northwind', { action: 'read', subject: 'DemandSignal', purpose: 'capacity-planning' });
      const forecast = (general.body.data.fields as Array<{ field: string; grantedBy: Array<Record<string, unknown>> }>).find(
        (f) => f.field === 'forecastQty',
      )!;
      expect(forecast.grantedBy).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ ruleId: 'restricted-forecast-rounded-for-capacity', transform: 'round 100' }),
          expect.not.objectContaining({ transform: expect.anything() }),
        ]),
      );
      const field = async (region: string) =>
        (
          (await simulate('supplier-northwind', { action: 'read', subject: 'DemandSignal', purpose: 'capacity-planning', record: { sku: 'SKU-100', region } }))
            .body.data.fields as Array<Record<string, unknown>>
        ).find((f) => f.field === 'forecastQty')!;
      expect(await field('EMEA-RESTRICTED')).toMatchObject({ allowed: true, ruleId: 'restricted-forecast-rounded-for-capacity', transform: 'round 100' });
      expect(await field('EMEA')).not.toHaveProperty('transform');
    });

    it('simulate judges aggregate grants, and impact shows transforms and aggregates gained by a draft', async () => {
      const agg = await simulate('customer-globex', { action: 'aggregate', subject: 'DemandSignal', purpose: 'delivery-tracking' });
      expect(agg.body.data.allowed).toBe(true);
      expect(agg.body.data.aggregates).toEqual([expect.objectContaining({ ruleId: 'demand-totals-per-region-and-period', minGroupSize: 3 })]);
      const possible = (agg.body.data.fields as Array<{ field: string; possible: boolean }>).filter((f) => f.possible).map((f) => f.field);
      expect(possible.sort()).toEqual(['forecastQty', 'orderedQty', 'periodStart', 'region']);

      const draft = await policy('customer-globex');
      delete draft.tests;
      const shipments = draft.rules.find((r) => r.id === 'inbound-deliveries')!;
      shipments.transform = { eta: { truncate: 'day' } };
      draft.rules.push({
        id: 'shipment-totals',
        action: 'aggregate',
        subject: 'Shipment',
        groupBy: ['destination'],
        measures: { quantity: ['sum'] },
        minGroupSize: 5,
        purposes: ['delivery-tracking'],
      });
      const sim = await simulate('customer-globex', { document: draft, action: 'read', subject: 'Shipment', purpose: 'delivery-tracking' });
      expect(sim.body.data.aggregates).toEqual([expect.objectContaining({ ruleId: 'shipment-totals', groupBy: ['destination'], minGroupSize: 5 })]);
      expect(sim.body.data.impact.Shipment).toMatchObject({
        transforms: { now: {}, draft: { eta: ['truncate day'] } },
        aggregates: { now: [], draft: [expect.objectContaining({ ruleId: 'shipment-totals' })] },
      });
      const diff = await gw.http.post('/api/v1/policies/customer-globex/diff').set('Authorization', governance).send({ document: draft }).expect(200);
      expect(diff.body.data.changes).toEqual(
        expect.arrayContaining([expect.objectContaining({ subject: 'Shipment', action: 'aggregate', gained: ['destination', 'quantity'], lost: [] })]),
      );
      expect(diff.body.data.impact['delivery-tracking'].Shipment.transforms.draft).toEqual({ eta: ['truncate day'] });
      // A simulated action outside the language is refused with the list.
      const bad = await gw.http
        .post('/api/v1/policies/customer-globex/simulate')
        .set('Authorization', governance)
        .send({ action: 'sum', subject: 'Shipment', purpose: 'delivery-tracking' });
      expect(JSON.stringify(expectProblem(bad, 400, 'VALIDATION_FAILED'))).toContain('read, create, update, aggregate');
    });
  });

  describe("a document's own tests", () => {
    it('a draft whose transform or aggregate expectations fail is refused, naming them; the version in force stays', async () => {
      const doc = await policy('supplier-northwind');
      const before = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance)).body.meta.version;
      doc.rules.push({
        id: 'demand-totals',
        action: 'aggregate',
        subject: 'DemandSignal',
        groupBy: ['region'],
        measures: { forecastQty: ['sum'] },
        minGroupSize: 2,
        purposes: ['replenishment-planning'],
      });
      doc.tests = [
        {
          name: 'rounded forecast',
          action: 'read',
          subject: 'DemandSignal',
          purpose: 'capacity-planning',
          record: { sku: 'SKU-100', region: 'EMEA-RESTRICTED', forecastQty: 315 },
          values: { forecastQty: 315 },
        },
        {
          name: 'small regions hidden',
          action: 'aggregate',
          subject: 'DemandSignal',
          purpose: 'replenishment-planning',
          groupBy: ['region'],
          rows: [{ region: 'EMEA' }, { region: 'EMEA' }, { region: 'AMER' }],
          suppressedGroups: 2,
        },
      ];
      const p = expectProblem(await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', governance).send(doc), 400, 'POLICY_INVALID');
      const messages = (p.problems as Array<{ path: string; message: string }>).map((x) => `${x.path}: ${x.message}`);
      expect(messages).toEqual([
        "tests[rounded forecast]: expected 'forecastQty' read as 315, but it is read as 300",
        'tests[small regions hidden]: expected 2 suppressed group(s), but 1 are (minGroupSize 2)',
      ]);
      expect((await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance)).body.meta.version).toBe(before);
    });
  });
});
