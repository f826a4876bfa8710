import { ACME, ADMIN, AUDITOR, bearer, expectProblem, GLOBEX, GOVERNANCE, gql, listQuery, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

const DAY = 86_400_000;
const dayOffset = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

/** Contract section 13: transforms, aggregates, relative time and shadow mode, through REST and GraphQL. */
describe('sharing controls beyond allow and deny', () => {
  let gw: TestGateway;
  let governance: string;
  let northwind: string;
  let seed: Record<string, unknown>;
  let acmeToken: string;
  const acme = () => acmeToken;

  beforeAll(async () => {
    gw = await TestGateway.start();
    governance = await bearer(gw, GOVERNANCE);
    northwind = await bearer(gw, NORTHWIND);
    acmeToken = await bearer(gw, ACME);
    const admin = await bearer(gw, ADMIN);
    seed = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200)).body.data.document;
    const rows = [
      ['ds-emb-old', -10],
      ['ds-emb-week', -7],
      ['ds-emb-recent', -3],
      ['ds-emb-today', 0],
    ] as const;
    for (const [id, days] of rows) {
      await gw.http
        .post('/api/v1/demand-signals')
        .set('Authorization', admin)
        .send({
          id,
          sku: 'SKU-100',
          productFamily: 'FAM-A',
          site: 'EMB-SITE',
          region: 'EMEA',
          periodStart: dayOffset(days),
          forecastQty: 1234,
          orderedQty: 1000,
          unitPrice: 10,
          customerName: 'Initech',
          marginPct: 12,
        })
        .expect(201);
    }
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** The seed document of Northwind with the demand rule's conditions extended. */
  const withDemandConditions = (extra: Record<string, unknown>) => {
    // The seed's own tests judge records without a periodStart: left out here.
    const doc = withoutTests(seed);
    const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
    rule.conditions = { ...(rule.conditions as object), ...extra };
    return doc;
  };
  const withoutTests = (document: Record<string, unknown>) => {
    const doc = structuredClone(document) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    return doc;
  };
  const put = (doc: object) => gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', governance).send(doc);
  const restIds = async () =>
    (
      (await gw.http.get('/api/v1/demand-signals?site=EMB-SITE&fields=id,periodStart').set('Authorization', northwind).expect(200)).body.data as Array<{
        id: string;
      }>
    )
      .map((r) => r.id)
      .sort();
  const gqlIds = async () => {
    const r = await gql(gw, NORTHWIND, listQuery('demandSignals', ['id', 'periodStart'], '$filter: DemandSignalFilter', 'filter: $filter, first: 100'), {
      filter: { site: 'EMB-SITE' },
    });
    expect(r.errors ?? []).toEqual([]);
    return (r.data!.demandSignals as { nodes: Array<{ id: string }> }).nodes.map((n) => n.id).sort();
  };

  describe('relative time in conditions', () => {
    afterAll(async () => {
      await put(seed).expect(200);
    });

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
      const simulate = (record: Record<string, unknown>) =>
        gw.http
          .post('/api/v1/policies/supplier-northwind/simulate')
          .set('Authorization', governance)
          .send({ document: doc, action: 'read', subject: 'DemandSignal', purpose: 'replenishment-planning', record })
          .expect(200);
      const general = await gw.http
        .post('/api/v1/policies/supplier-northwind/simulate')
        .set('Authorization', governance)
        .send({ document: doc, action: 'read', subject: 'DemandSignal', purpose: 'replenishment-planning' })
        .expect(200);
      const sku = (general.body.data.fields as Array<{ field: string; grantedBy: Array<{ conditions: Record<string, unknown> }> }>).find(
        (f) => f.field === 'sku',
      )!;
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

    it('refuses a duration longer than 1000 years (it would reach past the dates the stores hold), in a version and in a simulation', async () => {
      const tooLong = withDemandConditions({ periodStart: { $gte: '${now-P999999999Y}' } });
      const problem = expectProblem(await put(tooLong), 400);
      expect((problem.problems as Array<{ path: string; message: string }>).map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(
        /rules\[0\]\.conditions\.periodStart: placeholder \$\{now-P999999999Y\} is not a relative time.*at most 1000 years/,
      );
      const simulated = await gw.http
        .post('/api/v1/policies/supplier-northwind/simulate')
        .set('Authorization', governance)
        .send({
          document: tooLong,
          action: 'read',
          subject: 'DemandSignal',
          purpose: 'replenishment-planning',
          record: { sku: 'SKU-100', periodStart: '2026-01-01' },
        });
      expectProblem(simulated, 400);
    });
  });

  describe('field transforms', () => {
    const TRANSFORMS = {
      forecastQty: { round: 100 },
      orderedQty: { floor: [0, 500, 1500] },
      periodStart: { truncate: 'month' },
      updatedAt: { truncate: 'day' },
      sku: { mask: { keepLast: 3 } },
      productFamily: { pseudonym: true },
    };
    const transformedDoc = () => {
      const doc = withoutTests(seed);
      const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
      rule.transform = TRANSFORMS;
      // Two more grants of forecastQty: rounding to 10 on EMEA rows, the stored value on NORDICS rows.
      doc.rules.push(
        {
          id: 'forecast-to-ten-in-emea',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['id', 'region', 'forecastQty'],
          conditions: { region: 'EMEA' },
          transform: { forecastQty: { round: 10 } },
        },
        {
          id: 'exact-forecast-in-nordics',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['id', 'region', 'forecastQty'],
          conditions: { region: 'NORDICS' },
        },
      );
      return doc;
    };
    let acme: string;

    beforeAll(async () => {
      const admin = await bearer(gw, ADMIN);
      acme = await bearer(gw, ACME);
      for (const [id, sku, region] of [
        ['ds-tr-nordic', 'SKU-100', 'NORDICS'],
        ['ds-tr-acme', 'SKU-300', 'EMEA'],
      ]) {
        await gw.http
          .post('/api/v1/demand-signals')
          .set('Authorization', admin)
          .send({
            id,
            sku,
            productFamily: 'FAM-A',
            site: 'EMB-SITE',
            region,
            periodStart: '2026-02-17',
            forecastQty: 1234,
            orderedQty: 1000,
            unitPrice: 10,
            customerName: 'Initech',
            marginPct: 12,
          })
          .expect(201);
      }
      await put(transformedDoc()).expect(200);
    });
    afterAll(async () => {
      await put(seed).expect(200);
    });

    it('a rule shows fields coarser, keeping their type; the least transformed grant on a row wins', async () => {
      const res = await gw.http.get('/api/v1/demand-signals?site=EMB-SITE&limit=500').set('Authorization', northwind).expect(200);
      const rows = res.body.data as Array<Record<string, unknown>>;
      const old = rows.find((r) => r.id === 'ds-emb-old')!;
      const nordic = rows.find((r) => r.id === 'ds-tr-nordic')!;
      // EMEA: round 100 (demand rule) and round 10 (EMEA rule) both grant forecastQty; round 10 keeps more.
      expect(old.forecastQty).toBe(1230);
      expect(old.orderedQty).toBe(500);
      expect(old.periodStart).toBe(`${dayOffset(-10).slice(0, 7)}-01`);
      expect(old.updatedAt).toBe(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
      expect(old.sku).toBe('****100');
      expect(old.region).toBe('EMEA');
      expect(old.productFamily).toMatch(/^ps_[A-Za-z0-9_-]{22}$/);
      // NORDICS: an untransformed grant beats any transform.
      expect(nordic).toMatchObject({ forecastQty: 1234, sku: '****100', periodStart: '2026-02-01', orderedQty: 500 });
      // One partner, one value: one pseudonym.
      expect(new Set(rows.map((r) => r.productFamily)).size).toBe(1);
      expect(res.body.meta.transformedFields).toEqual(['sku', 'productFamily', 'periodStart', 'forecastQty', 'orderedQty', 'updatedAt']);
      expect(JSON.stringify(rows.filter((r) => r.region !== 'NORDICS'))).not.toMatch(/1234|FAM-A|SKU-100|:1000/);
    });

    it('GraphQL gives the same values and names the transformed fields in the response extensions', async () => {
      const rest = (
        await gw.http.get('/api/v1/demand-signals/ds-emb-old?fields=id,forecastQty,sku,productFamily,periodStart').set('Authorization', northwind).expect(200)
      ).body;
      const r = await gw.http
        .post('/graphql')
        .set('Authorization', northwind)
        .send({ query: '{ demandSignal(id: "ds-emb-old") { id forecastQty sku productFamily periodStart } }' })
        .expect(200);
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.demandSignal).toEqual(rest.data);
      expect(r.body.extensions.transformedFields).toEqual(['forecastQty', 'periodStart', 'productFamily', 'sku']);
      expect(rest.meta.transformedFields).toEqual(['sku', 'productFamily', 'periodStart', 'forecastQty']);
    });

    it('two partners get unrelated pseudonyms of one value, so they cannot join on them', async () => {
      const acmeSeed = (await gw.http.get('/api/v1/policies/supplier-acme').set('Authorization', governance).expect(200)).body.data.document as Record<
        string,
        unknown
      >;
      const doc = withoutTests(acmeSeed);
      const rule = doc.rules.find((x) => x.id === 'demand-for-supplied-skus')!;
      rule.transform = { productFamily: { pseudonym: true } };
      await gw.http.put('/api/v1/policies/supplier-acme').set('Authorization', governance).send(doc).expect(200);
      try {
        const theirs = (await gw.http.get('/api/v1/demand-signals/ds-tr-acme?fields=id,productFamily').set('Authorization', acme).expect(200)).body.data
          .productFamily as string;
        const ours = (await gw.http.get('/api/v1/demand-signals/ds-emb-old?fields=id,productFamily').set('Authorization', northwind).expect(200)).body.data
          .productFamily as string;
        expect(theirs).toMatch(/^ps_/);
        expect(ours).toMatch(/^ps_/);
        expect(theirs).not.toBe(ours);
      } finally {
        await gw.http.put('/api/v1/policies/supplier-acme').set('Authorization', governance).send(acmeSeed).expect(200);
      }
    });

    it('a filter on a transformed field is refused, naming it, on REST and GraphQL', async () => {
      const p = expectProblem(await gw.http.get('/api/v1/demand-signals?forecastQty=1234').set('Authorization', northwind), 403, 'FORBIDDEN_FIELDS');
      expect(p.fields).toEqual(['forecastQty']);
      expect(String(p.detail)).toMatch(/transformed/);
      expectProblem(await gw.http.get('/api/v1/demand-signals?sku=SKU-100').set('Authorization', northwind), 403, 'FORBIDDEN_FIELDS');
      const r = await gql(gw, NORTHWIND, listQuery('demandSignals', ['id'], '$filter: DemandSignalFilter', 'filter: $filter'), {
        filter: { forecastQty: 1234 },
      });
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN_FIELDS');
      expect(JSON.stringify(r.data ?? null)).not.toMatch(/ds-emb/);
    });

    it('the audit event records the transformed fields, and the chain still verifies', async () => {
      await gw.http.get('/api/v1/demand-signals/ds-emb-old?fields=id,forecastQty').set('Authorization', northwind).expect(200);
      const [event] = await gw.query<{ reason: string | null; fields_returned: string }>(
        'SELECT reason, fields_returned FROM audit_events ORDER BY seq DESC LIMIT 1',
      );
      expect(event.reason).toBe('transformed: forecastQty (round 10)');
      const auditor = await bearer(gw, AUDITOR);
      expect((await gw.http.get('/api/v1/audit-events/verify').set('Authorization', auditor).expect(200)).body).toMatchObject({ ok: true });
    });

    it('the validator refuses a transform that does not fit the field, with its path', async () => {
      const doc = withoutTests(seed);
      const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
      const index = doc.rules.indexOf(rule);
      rule.transform = {
        region: { round: 10 },
        forecastQty: { truncate: 'week' },
        periodStart: { mask: { keepLast: 2 } },
        sku: { pseudonym: 'yes' },
        unitPrice: { round: 1 },
        orderedQty: { floor: [5, 1] },
      };
      const p = expectProblem(await put(doc), 400);
      const messages = (p.problems as Array<{ path: string; message: string }>).map((x) => `${x.path}: ${x.message}`).join('\n');
      const at = `rules[${index}].transform`;
      expect(messages).toContain(`${at}.region: round applies to numbers; the field is string`);
      expect(messages).toContain(`${at}.forecastQty: truncate applies to dates and timestamps; the field is integer`);
      expect(messages).toContain(`${at}.periodStart: mask applies to text fields; the field is date`);
      expect(messages).toContain(`${at}.sku: pseudonym takes true`);
      expect(messages).toContain(`${at}.unitPrice: the rule does not grant 'unitPrice'`);
      expect(messages).toContain(`${at}.orderedQty: floor boundaries must be in increasing order`);
    });
  });

  describe('aggregate-only sharing', () => {
    const TOTALS = {
      id: 'demand-totals',
      action: 'aggregate',
      subject: 'DemandSignal',
      groupBy: ['region', 'site'],
      measures: { forecastQty: ['sum', 'avg'], orderedQty: ['sum', 'count'] },
      minGroupSize: 3,
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
      purposes: ['replenishment-planning'],
    };
    const aggregate = (query: string) => gw.http.get(`/api/v1/demand-signals/aggregate?${query}`).set('Authorization', northwind);

    beforeAll(async () => {
      const admin = await bearer(gw, ADMIN);
      const rows: Array<[string, string, string, number]> = [
        ['ds-agg-1', 'SKU-100', 'R-BIG', 100],
        ['ds-agg-2', 'SKU-200', 'R-BIG', 200],
        ['ds-agg-3', 'SKU-100', 'R-BIG', 300],
        ['ds-agg-4', 'SKU-100', 'R-SMALL', 51],
        ['ds-agg-5', 'SKU-200', 'R-SMALL', 67],
        // Outside the rule's scope (another supplier's SKU): in no group.
        ['ds-agg-6', 'SKU-300', 'R-BIG', 9999],
      ];
      for (const [id, sku, region, qty] of rows) {
        await gw.http
          .post('/api/v1/demand-signals')
          .set('Authorization', admin)
          .send({
            id,
            sku,
            site: 'AGG-SITE',
            region,
            periodStart: '2026-02-02',
            forecastQty: qty,
            orderedQty: 7,
            unitPrice: 10,
            customerName: 'Initech',
            marginPct: 12,
          })
          .expect(201);
      }
      const doc = withoutTests(seed);
      doc.rules.push(TOTALS);
      await put(doc).expect(200);
    });
    afterAll(async () => {
      await put(seed).expect(200);
    });

    it('groups in SQL inside the rule scope, leaving out and counting groups under k', async () => {
      const res = await aggregate('groupBy=region&measures=sum:forecastQty,avg:forecastQty,count:orderedQty&site=AGG-SITE').expect(200);
      expect(res.body.data).toEqual([{ region: 'R-BIG', count: 3, 'sum:forecastQty': 600, 'avg:forecastQty': 200, 'count:orderedQty': 3 }]);
      expect(res.body.meta).toEqual({ minGroupSize: 3, suppressedGroups: 1, policyVersion: expect.any(Number), purpose: 'replenishment-planning' });
      expect(JSON.stringify(res.body)).not.toMatch(/R-SMALL|\b51\b|\b67\b|118|9999/);
    });

    it('a filter that narrows a group below k reveals nothing of it', async () => {
      const small = await aggregate('groupBy=region,site&measures=sum:forecastQty&region=R-SMALL&site=AGG-SITE').expect(200);
      expect(small.body.data).toEqual([]);
      expect(small.body.meta.suppressedGroups).toBe(1);
      expect(JSON.stringify(small.body)).not.toMatch(/\b51\b|\b67\b|118/);
    });

    it('a groupBy field, measure or filter no rule grants is 403 FORBIDDEN_FIELDS naming it', async () => {
      expect(expectProblem(await aggregate('groupBy=customerName&measures=sum:forecastQty'), 403, 'FORBIDDEN_FIELDS').fields).toEqual(['customerName']);
      expect(expectProblem(await aggregate('groupBy=region&measures=sum:unitPrice'), 403, 'FORBIDDEN_FIELDS').fields).toEqual(['sum:unitPrice']);
      expect(expectProblem(await aggregate('groupBy=region&measures=max:forecastQty'), 403, 'FORBIDDEN_FIELDS').fields).toEqual(['max:forecastQty']);
      expect(expectProblem(await aggregate('groupBy=region&sku=SKU-100'), 403, 'FORBIDDEN_FIELDS').fields).toEqual(['sku']);
      expectProblem(await aggregate('groupBy=region&measures=median:forecastQty'), 400, 'VALIDATION_FAILED');
      // A partner whose policy grants no aggregate of the subject.
      expectProblem(await gw.http.get('/api/v1/demand-signals/aggregate?groupBy=region').set('Authorization', acme()), 403, 'FORBIDDEN');
    });

    it('is audited, with the groups shown and suppressed', async () => {
      await aggregate('groupBy=region&measures=sum:forecastQty&site=AGG-SITE').expect(200);
      const [event] = await gw.query<{ action: string; reason: string; decision: string }>(
        'SELECT action, reason, decision FROM audit_events ORDER BY seq DESC LIMIT 1',
      );
      expect(event).toMatchObject({
        action: 'aggregate',
        decision: 'allow',
        reason: 'aggregate DemandSignal by region: 1 groups of at least 3 rows, 1 suppressed',
      });
    });

    it('the validator refuses an aggregate rule that is incomplete or does not fit its fields', async () => {
      const doc = withoutTests(seed);
      doc.rules.push({
        id: 'bad-totals',
        action: 'aggregate',
        subject: 'DemandSignal',
        groupBy: ['region', 'nope'],
        measures: { region: ['sum'], forecastQty: ['median'] },
        fields: ['id'],
      });
      const p = expectProblem(await put(doc), 400);
      const at = `rules[${doc.rules.length - 1}]`;
      const messages = (p.problems as Array<{ path: string; message: string }>).map((x) => `${x.path}: ${x.message}`).join('\n');
      expect(messages).toContain(`${at}.groupBy[1]: unknown field 'nope'`);
      expect(messages).toContain(`${at}.measures.region[0]: sum applies to numbers; the field is string`);
      expect(messages).toContain(`${at}.measures.forecastQty[0]: unknown measure "median"`);
      expect(messages).toContain(`${at}.minGroupSize: is required`);
      expect(messages).toContain(`${at}.fields: an aggregate rule grants groupBy and measures, not fields`);
    });
  });

  describe('the demo customer policy', () => {
    it('Globex sees demand totals per region and period with k = 3, never a row', async () => {
      const globex = await bearer(gw, GLOBEX);
      const res = await gw.http
        .get('/api/v1/demand-signals/aggregate?groupBy=region,periodStart&measures=sum:forecastQty')
        .set('Authorization', globex)
        .expect(200);
      const groups = res.body.data as Array<{ region: string; count: number }>;
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) expect(g.count).toBeGreaterThanOrEqual(3);
      expect(res.body.meta).toMatchObject({ minGroupSize: 3, purpose: 'delivery-tracking' });
      // The restricted programme has one signal per period: every one of its groups is suppressed.
      const restricted = await gw.http
        .get('/api/v1/demand-signals/aggregate?groupBy=region,periodStart&region=EMEA-RESTRICTED&measures=sum:forecastQty')
        .set('Authorization', globex)
        .expect(200);
      expect(restricted.body.data).toEqual([]);
      expect(restricted.body.meta.suppressedGroups).toBeGreaterThan(0);
      expectProblem(await gw.http.get('/api/v1/demand-signals').set('Authorization', globex), 403);
      expectProblem(await gw.http.get('/api/v1/demand-signals/aggregate?groupBy=customerName').set('Authorization', globex), 403, 'FORBIDDEN_FIELDS');
    });
  });
});
