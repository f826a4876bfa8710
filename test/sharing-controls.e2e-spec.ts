import { ADMIN, bearer, expectProblem, GOVERNANCE, gql, listQuery, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

const DAY = 86_400_000;
const dayOffset = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

/** Contract section 13: transforms, aggregates, relative time and shadow mode, through REST and GraphQL. */
describe('sharing controls beyond allow and deny', () => {
  let gw: TestGateway;
  let governance: string;
  let northwind: string;
  let seed: Record<string, unknown>;

  beforeAll(async () => {
    gw = await TestGateway.start();
    governance = await bearer(gw, GOVERNANCE);
    northwind = await bearer(gw, NORTHWIND);
    const admin = await bearer(gw, ADMIN);
    seed = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200)).body.data.document;
    const rows = [['ds-emb-old', -10], ['ds-emb-week', -7], ['ds-emb-recent', -3], ['ds-emb-today', 0]] as const;
    for (const [id, days] of rows) {
      await gw.http.post('/api/v1/demand-signals').set('Authorization', admin).send({
        id, sku: 'SKU-100', site: 'EMB-SITE', region: 'EMEA', periodStart: dayOffset(days), forecastQty: 1234, orderedQty: 1000,
        unitPrice: 10, customerName: 'Initech', marginPct: 12,
      }).expect(201);
    }
  });
  afterAll(async () => { await gw.stop(); });

  /** The seed document of Northwind with the demand rule's conditions extended. */
  const withDemandConditions = (extra: Record<string, unknown>) => {
    // The seed's own tests judge records without a periodStart: left out here.
    const doc = structuredClone(seed) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
    rule.conditions = { ...(rule.conditions as object), ...extra };
    return doc;
  };
  const put = (doc: object) => gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', governance).send(doc);
  const restIds = async () => ((await gw.http.get('/api/v1/demand-signals?site=EMB-SITE&fields=id,periodStart').set('Authorization', northwind).expect(200))
    .body.data as Array<{ id: string }>).map((r) => r.id).sort();
  const gqlIds = async () => {
    const r = await gql(gw, NORTHWIND, listQuery('demandSignals', ['id', 'periodStart'], '$filter: DemandSignalFilter', 'filter: $filter, first: 100'), { filter: { site: 'EMB-SITE' } });
    expect(r.errors ?? []).toEqual([]);
    return ((r.data!.demandSignals as { nodes: Array<{ id: string }> }).nodes).map((n) => n.id).sort();
  };

  describe('relative time in conditions', () => {
    afterAll(async () => { await put(seed).expect(200); });

    it('an embargo: demand is seen only once its periodStart is a week old, on REST and GraphQL alike', async () => {
      await put(withDemandConditions({ periodStart: { $lte: '${now-P7D}' } })).expect(200);
      expect(await restIds()).toEqual(['ds-emb-old', 'ds-emb-week']);
      expect(await gqlIds()).toEqual(['ds-emb-old', 'ds-emb-week']);
      // A single row outside the embargo window is 404, as for an id that does not exist.
      expectProblem(await gw.http.get('/api/v1/demand-signals/ds-emb-recent').set('Authorization', northwind), 404);
      await gw.http.get('/api/v1/demand-signals/ds-emb-old').set('Authorization', northwind).expect(200);
    });

    it('a rolling window, and timestamps compared as timestamps', async () => {
      await put(withDemandConditions({ periodStart: { $gte: '${now-P5D}', $lte: '${now+PT12H}' } })).expect(200);
      expect(await restIds()).toEqual(['ds-emb-recent', 'ds-emb-today']);
      expect(await gqlIds()).toEqual(['ds-emb-recent', 'ds-emb-today']);
      // Rows were written moments ago: their updatedAt is after an hour ago, and not an hour from now.
      await put(withDemandConditions({ updatedAt: { $gte: '${now-PT1H}' } })).expect(200);
      expect(await restIds()).toEqual(['ds-emb-old', 'ds-emb-recent', 'ds-emb-today', 'ds-emb-week']);
      await put(withDemandConditions({ updatedAt: { $gt: '${now+PT1H}' } })).expect(200);
      expect(await restIds()).toEqual([]);
      expect(await gqlIds()).toEqual([]);
    });

    it('simulate shows the relative time as written and judges a record by the clock', async () => {
      const doc = withDemandConditions({ periodStart: { $lte: '${now-P7D}' } });
      const simulate = (record: Record<string, unknown>) => gw.http.post('/api/v1/policies/supplier-northwind/simulate').set('Authorization', governance)
        .send({ document: doc, action: 'read', subject: 'DemandSignal', purpose: 'replenishment-planning', record }).expect(200);
      const general = await gw.http.post('/api/v1/policies/supplier-northwind/simulate').set('Authorization', governance)
        .send({ document: doc, action: 'read', subject: 'DemandSignal', purpose: 'replenishment-planning' }).expect(200);
      const sku = (general.body.data.fields as Array<{ field: string; grantedBy: Array<{ conditions: Record<string, unknown> }> }>).find((f) => f.field === 'sku')!;
      expect(sku.grantedBy[0].conditions.periodStart).toEqual({ $lte: '${now-P7D}' });
      expect((await simulate({ sku: 'SKU-100', region: 'EMEA', periodStart: dayOffset(-8) })).body.data.allowed).toBe(true);
      expect((await simulate({ sku: 'SKU-100', region: 'EMEA', periodStart: dayOffset(-2) })).body.data.allowed).toBe(false);
    });

    it('is validated like other placeholders, with the path', async () => {
      const bad = await put({
        ...withDemandConditions({ periodStart: { $lte: '${now-P7X}' }, forecastQty: { $gt: '${now}' }, region: '${now}' }),
      });
      const problem = expectProblem(bad, 400);
      const paths = (problem.problems as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`).join('\n');
      expect(paths).toMatch(/rules\[0\]\.conditions\.periodStart: placeholder \$\{now-P7X\} is not a relative time/);
      expect(paths).toMatch(/rules\[0\]\.conditions\.forecastQty\.\$gt: .*date and timestamp fields only/);
      expect(paths).toMatch(/rules\[0\]\.conditions\.region: relative time applies to date and timestamp fields only/);
    });
  });
});
