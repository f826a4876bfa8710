import { ACME, ADMIN, bearer, GLOBEX, GOVERNANCE, gql, listQuery, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * Contract section 13 over GraphQL: the aggregate queries answer as GET /<resource>/aggregate does
 * (same service, same refusals, same audit), and the least transformed grant wins on both transports.
 */
describe('aggregates over GraphQL, and transforms on both transports', () => {
  let gw: TestGateway;
  let governance: string;
  let northwind: string;
  let seed: Record<string, unknown>;

  const withoutTests = (document: Record<string, unknown>) => {
    const doc = structuredClone(document) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    return doc;
  };
  const put = (doc: object) => gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', governance).send(doc);
  const insert = async (admin: string, rows: Array<Record<string, unknown>>) => {
    for (const row of rows) {
      await gw.http
        .post('/api/v1/demand-signals')
        .set('Authorization', admin)
        .send({ periodStart: '2026-02-02', orderedQty: 7, unitPrice: 10, customerName: 'Initech', marginPct: 12, productFamily: 'FAM-A', ...row })
        .expect(201);
    }
  };

  beforeAll(async () => {
    gw = await TestGateway.start();
    governance = await bearer(gw, GOVERNANCE);
    northwind = await bearer(gw, NORTHWIND);
    seed = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200)).body.data.document;
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('aggregate queries', () => {
    const TOTALS = {
      id: 'demand-totals',
      action: 'aggregate',
      subject: 'DemandSignal',
      groupBy: ['region', 'site'],
      measures: { forecastQty: ['sum', 'avg', 'min'], orderedQty: ['sum', 'count'], periodStart: ['max'] },
      minGroupSize: 3,
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
      purposes: ['replenishment-planning'],
    };
    const QUERY = `query ($groupBy: [String!]!, $measures: [String!], $filter: DemandSignalAggregateFilter) {
      demandSignalAggregate(groupBy: $groupBy, measures: $measures, filter: $filter) {
        groups { region site sku count measures { name measure field value } }
        minGroupSize suppressedGroups policyVersion purpose
      }
    }`;
    const aggregate = (variables: Record<string, unknown>, who = NORTHWIND) => gql(gw, who, QUERY, variables);

    beforeAll(async () => {
      await insert(await bearer(gw, ADMIN), [
        { id: 'ds-gqa-1', sku: 'SKU-100', site: 'GQA-SITE', region: 'G-BIG', forecastQty: 100, periodStart: '2026-03-02' },
        { id: 'ds-gqa-2', sku: 'SKU-200', site: 'GQA-SITE', region: 'G-BIG', forecastQty: 200 },
        { id: 'ds-gqa-3', sku: 'SKU-100', site: 'GQA-SITE', region: 'G-BIG', forecastQty: 300 },
        { id: 'ds-gqa-4', sku: 'SKU-100', site: 'GQA-SITE', region: 'G-SMALL', forecastQty: 51 },
        { id: 'ds-gqa-5', sku: 'SKU-200', site: 'GQA-SITE', region: 'G-SMALL', forecastQty: 67 },
        // Another supplier's SKU: outside the rule's scope, in no group.
        { id: 'ds-gqa-6', sku: 'SKU-300', site: 'GQA-SITE', region: 'G-BIG', forecastQty: 9999 },
      ]);
      const doc = withoutTests(seed);
      doc.rules.push(TOTALS);
      await put(doc).expect(200);
    });
    afterAll(async () => {
      await put(seed).expect(200);
    });

    it('answers the groups, measures and meta of the REST endpoint, leaving out groups under k', async () => {
      const measures = ['sum:forecastQty', 'avg:forecastQty', 'min:forecastQty', 'count:orderedQty', 'max:periodStart'];
      const rest = await gw.http
        .get(`/api/v1/demand-signals/aggregate?groupBy=region&measures=${measures.join(',')}&site=GQA-SITE`)
        .set('Authorization', northwind)
        .expect(200);
      const r = await aggregate({ groupBy: ['region'], measures, filter: { site: 'GQA-SITE' } });
      expect(r.errors).toEqual([]);
      const answer = r.data!.demandSignalAggregate;
      expect(answer.groups).toEqual([
        {
          region: 'G-BIG',
          site: null,
          sku: null,
          count: 3,
          measures: [
            { name: 'sum:forecastQty', measure: 'sum', field: 'forecastQty', value: 600 },
            { name: 'avg:forecastQty', measure: 'avg', field: 'forecastQty', value: 200 },
            { name: 'min:forecastQty', measure: 'min', field: 'forecastQty', value: 100 },
            { name: 'count:orderedQty', measure: 'count', field: 'orderedQty', value: 3 },
            { name: 'max:periodStart', measure: 'max', field: 'periodStart', value: '2026-03-02' },
          ],
        },
      ]);
      // The same numbers as REST, group for group.
      expect(rest.body.data).toEqual(
        answer.groups.map((g: { region: string; count: number; measures: Array<{ name: string; value: unknown }> }) => ({
          region: g.region,
          count: g.count,
          ...Object.fromEntries(g.measures.map((m) => [m.name, m.value])),
        })),
      );
      const { groups: _groups, ...meta } = answer;
      void _groups;
      expect(meta).toEqual(rest.body.meta);
      expect(meta).toEqual({ minGroupSize: 3, suppressedGroups: 1, policyVersion: expect.any(Number), purpose: 'replenishment-planning' });
      expect(JSON.stringify(r.body)).not.toMatch(/G-SMALL|\b51\b|\b67\b|118|9999/);
    });

    it('groups by several fields; a filter that narrows a group below k reveals nothing of it', async () => {
      const both = await aggregate({ groupBy: ['region', 'site'], measures: ['sum:forecastQty'], filter: { site: 'GQA-SITE' } });
      expect(both.errors).toEqual([]);
      expect(both.data!.demandSignalAggregate.groups).toEqual([
        { region: 'G-BIG', site: 'GQA-SITE', sku: null, count: 3, measures: [{ name: 'sum:forecastQty', measure: 'sum', field: 'forecastQty', value: 600 }] },
      ]);
      const small = await aggregate({ groupBy: ['region'], measures: ['sum:forecastQty'], filter: { region: 'G-SMALL', site: 'GQA-SITE' } });
      expect(small.errors).toEqual([]);
      expect(small.data!.demandSignalAggregate).toMatchObject({ groups: [], suppressedGroups: 1, minGroupSize: 3 });
      expect(JSON.stringify(small.body)).not.toMatch(/\b51\b|\b67\b|118/);
    });

    it('refuses what no rule grants with the REST codes, naming the field, with no data', async () => {
      const refused = async (variables: Record<string, unknown>, code: string, who = NORTHWIND) => {
        const r = await aggregate(variables, who);
        expect(r.data ?? null).toBeNull();
        expect(r.errors).toHaveLength(1);
        expect(r.errors[0].extensions?.code).toBe(code);
        return r.errors[0].extensions!;
      };
      expect((await refused({ groupBy: ['customerName'], measures: ['sum:forecastQty'] }, 'FORBIDDEN_FIELDS')).fields).toEqual(['customerName']);
      expect((await refused({ groupBy: ['region'], measures: ['sum:unitPrice'] }, 'FORBIDDEN_FIELDS')).fields).toEqual(['sum:unitPrice']);
      expect((await refused({ groupBy: ['region'], measures: ['max:forecastQty'] }, 'FORBIDDEN_FIELDS')).fields).toEqual(['max:forecastQty']);
      expect((await refused({ groupBy: ['region'], filter: { sku: 'SKU-100' } }, 'FORBIDDEN_FIELDS')).fields).toEqual(['sku']);
      await refused({ groupBy: ['region'], measures: ['median:forecastQty'] }, 'VALIDATION_FAILED');
      await refused({ groupBy: [] }, 'VALIDATION_FAILED');
      await refused({ groupBy: ['region'], filter: { periodStart: 'not-a-date' } }, 'VALIDATION_FAILED');
      // A partner whose policy grants no aggregate of the subject.
      await refused({ groupBy: ['region'] }, 'FORBIDDEN', ACME);
      // Not a partner data role at all.
      const officer = await gql(gw, governance, QUERY, { groupBy: ['region'] });
      expect(officer.errors[0].extensions?.code).toBe('FORBIDDEN_ROLE');
    });

    it('is audited like the REST aggregate: action, subject, fields, rule, groups shown and suppressed', async () => {
      const [{ seq }] = await gw.query<{ seq: number }>('SELECT MAX(seq) AS seq FROM audit_events');
      await aggregate({ groupBy: ['region'], measures: ['sum:forecastQty'], filter: { site: 'GQA-SITE' } });
      const events = await gw.auditSince(Number(seq));
      expect(events).toHaveLength(1);
      const [event] = events;
      expect(event).toMatchObject({
        action: 'aggregate',
        subject: 'DemandSignal',
        decision: 'allow',
        reason: 'aggregate DemandSignal by region: 1 groups of at least 3 rows, 1 suppressed',
        operation: 'graphql query demandSignalAggregate',
      });
      expect(JSON.parse(String(event.rule_ids))).toEqual(['demand-totals']);
      const { reason, fields_returned, fields_denied, resource_ids, operation } = event;
      expect(JSON.stringify({ reason, fields_returned, fields_denied, resource_ids, operation })).not.toMatch(/G-SMALL|\b51\b|\b67\b|\b9999\b/);
      // A refusal is audited too, with its code.
      await aggregate({ groupBy: ['customerName'] });
      const [refusal] = await gw.query<{ decision: string; code: string }>('SELECT decision, code FROM audit_events ORDER BY seq DESC LIMIT 1');
      expect(refusal).toMatchObject({ decision: 'deny', code: 'FORBIDDEN_FIELDS' });
    });

    it('several aggregates in one operation (aliases) are each named in its audit event', async () => {
      const [{ seq }] = await gw.query<{ seq: number }>('SELECT MAX(seq) AS seq FROM audit_events');
      const r = await gql(
        gw,
        NORTHWIND,
        `query ($filter: DemandSignalAggregateFilter) {
          byRegion: demandSignalAggregate(groupBy: ["region"], measures: ["sum:forecastQty"], filter: $filter) { suppressedGroups }
          bySite: demandSignalAggregate(groupBy: ["region", "site"], measures: ["sum:forecastQty"], filter: $filter) { suppressedGroups }
        }`,
        { filter: { site: 'GQA-SITE' } },
      );
      expect(r.errors).toEqual([]);
      const events = await gw.auditSince(Number(seq));
      expect(events).toHaveLength(1);
      expect(String(events[0].reason).split('; ').sort()).toEqual([
        'aggregate DemandSignal by region,site: 1 groups of at least 3 rows, 1 suppressed',
        'aggregate DemandSignal by region: 1 groups of at least 3 rows, 1 suppressed',
      ]);
    });

    it('the demo customer sees demand totals per region and period with k = 3, and no row', async () => {
      const r = await gql(
        gw,
        GLOBEX,
        '{ demandSignalAggregate(groupBy: ["region", "periodStart"], measures: ["sum:forecastQty"]) { groups { region periodStart count measures { name value } } minGroupSize suppressedGroups purpose } }',
      );
      expect(r.errors).toEqual([]);
      const answer = r.data!.demandSignalAggregate;
      expect(answer).toMatchObject({ minGroupSize: 3, purpose: 'delivery-tracking' });
      expect(answer.groups.length).toBeGreaterThan(0);
      for (const g of answer.groups) expect(g.count).toBeGreaterThanOrEqual(3);
      const rest = await gw.http
        .get('/api/v1/demand-signals/aggregate?groupBy=region,periodStart&measures=sum:forecastQty')
        .set('Authorization', await bearer(gw, GLOBEX))
        .expect(200);
      expect(answer.groups.length).toBe(rest.body.data.length);
      expect(answer.suppressedGroups).toBe(rest.body.meta.suppressedGroups);
      expect(answer.suppressedGroups).toBeGreaterThan(0);
      const rows = await gql(gw, GLOBEX, listQuery('demandSignals', ['id'], '$first: Int', 'first: $first'), { first: 5 });
      expect(rows.errors[0].extensions?.code).toBe('FORBIDDEN');
      expect(rows.data?.demandSignals ?? null).toBeNull();
    });
  });

  describe("a partner's own schema", () => {
    it('shows the aggregate queries its policy grants, with only the fields it may group by', async () => {
      const sdl = (
        await gw.http
          .get('/api/v1/me/schema.graphql')
          .set('Authorization', await bearer(gw, GLOBEX))
          .expect(200)
      ).text;
      expect(sdl).toMatch(/demandSignalAggregate\(/);
      expect(sdl).not.toMatch(/shipmentAggregate|capacitySignalAggregate|demandSignals\(/);
      const group = /type DemandSignalGroup \{([^}]*)\}/.exec(sdl)![1];
      expect(
        group
          .match(/^\s+(\w+)/gm)!
          .map((f) => f.trim())
          .sort(),
      ).toEqual(['count', 'measures', 'periodStart', 'region']);
      const filter = /input DemandSignalAggregateFilter \{([^}]*)\}/.exec(sdl)![1];
      expect(
        filter
          .match(/^\s+(\w+)/gm)!
          .map((f) => f.trim())
          .sort(),
      ).toEqual(['periodStart', 'region']);
      // Introspection answers the same view.
      const r = await gql(gw, GLOBEX, '{ __type(name: "Query") { fields { name } } }');
      expect((r.data!.__type.fields as Array<{ name: string }>).map((f) => f.name)).toContain('demandSignalAggregate');
      // A partner without aggregate grants does not see them.
      const northwindSdl = (await gw.http.get('/api/v1/me/schema.graphql').set('Authorization', northwind).expect(200)).text;
      expect(northwindSdl).not.toMatch(/Aggregate/);
    });
  });

  describe('least transformed grant wins, on REST and GraphQL alike', () => {
    beforeAll(async () => {
      await insert(await bearer(gw, ADMIN), [
        { id: 'ds-ltw-emea', sku: 'SKU-100', site: 'LTW-SITE', region: 'EMEA', forecastQty: 1234, productFamily: 'FAM-LTW' },
        { id: 'ds-ltw-nordics', sku: 'SKU-100', site: 'LTW-SITE', region: 'NORDICS', forecastQty: 1234, productFamily: 'FAM-LTW' },
        { id: 'ds-ltw-amer', sku: 'SKU-200', site: 'LTW-SITE', region: 'AMER', forecastQty: 1234, productFamily: 'FAM-LTW' },
        { id: 'ds-ltw-cut', sku: 'SKU-200', site: 'LTW-SITE', region: 'CUT', forecastQty: 1234, productFamily: 'FAM-LTW' },
      ]);
      const doc = withoutTests(seed);
      const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
      rule.transform = { forecastQty: { round: 100 }, productFamily: { pseudonym: true } };
      const rest = doc.rules.filter((r) => r !== rule);
      doc.rules = [
        rule,
        // EMEA: rounding to 10 keeps more than rounding to 100; the mask keeps more than the pseudonym.
        {
          id: 'finer-in-emea',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['id', 'region', 'forecastQty', 'productFamily'],
          conditions: { region: 'EMEA' },
          transform: { forecastQty: { round: 10 }, productFamily: { mask: { keepFirst: 2 } } },
        },
        // NORDICS: the stored value beats every transform.
        {
          id: 'exact-in-nordics',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['id', 'region', 'forecastQty', 'productFamily'],
          conditions: { region: 'NORDICS' },
        },
        // CUT: an exact grant placed before an inverted rule is cut off by it; the later coarse grant is what is left.
        { id: 'exact-in-cut', action: 'read', subject: 'DemandSignal', fields: ['id', 'region', 'forecastQty'], conditions: { region: 'CUT' } },
        { id: 'no-forecast-in-cut', action: 'read', subject: 'DemandSignal', fields: ['forecastQty'], conditions: { region: 'CUT' }, inverted: true },
        {
          id: 'banded-forecast-in-cut',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['region', 'sku', 'forecastQty'],
          conditions: { region: 'CUT', sku: { $in: '${partner.attributes.skus}' } },
          transform: { forecastQty: { floor: [0, 1000, 5000] } },
        },
        ...rest,
      ];
      const res = await put(doc);
      expect(res.body.problems ?? []).toEqual([]);
      expect(res.status).toBe(200);
    });
    afterAll(async () => {
      await put(seed).expect(200);
    });

    it('each row gets the grant that keeps most, the same over both transports', async () => {
      const res = await gw.http
        .get('/api/v1/demand-signals?site=LTW-SITE&fields=id,region,forecastQty,productFamily')
        .set('Authorization', northwind)
        .expect(200);
      const byId = Object.fromEntries((res.body.data as Array<Record<string, unknown>>).map((r) => [r.id, r]));
      expect(byId['ds-ltw-emea']).toMatchObject({ forecastQty: 1230, productFamily: 'FA*****' });
      expect(byId['ds-ltw-nordics']).toMatchObject({ forecastQty: 1234, productFamily: 'FAM-LTW' });
      expect(byId['ds-ltw-amer'].forecastQty).toBe(1200);
      expect(byId['ds-ltw-amer'].productFamily).toMatch(/^ps_/);
      expect(byId['ds-ltw-cut'].forecastQty).toBe(1000);
      expect(res.body.meta.transformedFields).toEqual(['productFamily', 'forecastQty']);

      const r = await gql(
        gw,
        NORTHWIND,
        listQuery('demandSignals', ['id', 'region', 'forecastQty', 'productFamily'], '$filter: DemandSignalFilter', 'filter: $filter'),
        {
          filter: { site: 'LTW-SITE' },
        },
      );
      expect(r.errors).toEqual([]);
      expect(r.data!.demandSignals.nodes).toEqual(res.body.data);
      expect(r.body.extensions.transformedFields).toEqual(['forecastQty', 'productFamily']);
      for (const id of Object.keys(byId)) {
        const one = await gql(gw, NORTHWIND, `{ demandSignal(id: "${id}") { id region forecastQty productFamily } }`);
        expect(one.data!.demandSignal).toEqual(byId[id]);
      }
      // No raw value where a transform won.
      const transformed = JSON.stringify([r.body, res.body].map((b) => JSON.stringify(b)).join()).replace(/ds-ltw-nordics[^}]*}/g, '');
      expect(transformed).not.toMatch(/1234/);
    });

    it('the audit event names the transform that won', async () => {
      await gw.http.get('/api/v1/demand-signals/ds-ltw-cut?fields=id,forecastQty').set('Authorization', northwind).expect(200);
      const [rest] = await gw.query<{ reason: string }>('SELECT reason FROM audit_events ORDER BY seq DESC LIMIT 1');
      expect(rest.reason).toBe('transformed: forecastQty (floor [0, 1000, 5000])');
      await gql(gw, NORTHWIND, '{ demandSignal(id: "ds-ltw-emea") { id forecastQty } }');
      const [graphql] = await gw.query<{ reason: string }>('SELECT reason FROM audit_events ORDER BY seq DESC LIMIT 1');
      expect(graphql.reason).toBe('transformed: forecastQty (round 10)');
    });
  });
});
