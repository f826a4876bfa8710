import { ADMIN, AUDITOR, bearer, expectProblem, GOVERNANCE, listQuery, NORTHWIND } from './support/contract';
import { refuseAuditAppends } from './support/refuse-audit-appends';
import { TestGateway, TokenOptions } from './support/test-app';

const SECOND_OFFICER: TokenOptions = { sub: 'second-officer@orchestrator', roles: ['governance'] };
const SHADOW = '/api/v1/policies/supplier-northwind/shadow';
const SITE = 'SHD-SITE';

interface OperationReport {
  operation: string;
  rowsGained: number;
  rowsLost: number;
  fieldsGained: string[];
  fieldsLost: string[];
}

/** Contract section 13: shadow mode, on REST and GraphQL, against real HTTP, real tokens and a real database. */
describe('shadow mode', () => {
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
    // Northwind supplies SKU-100: it reads the first two rows (orderedQty withheld on the restricted
    // one), not the SKU-300 row. Values chosen to be recognisable if they ever leaked into a report.
    const rows = [
      ['ds-shd-1', 'SKU-100', 'EMEA'],
      ['ds-shd-2', 'SKU-100', 'EMEA-RESTRICTED'],
      ['ds-shd-3', 'SKU-300', 'EMEA'],
    ];
    for (const [id, sku, region] of rows) {
      await gw.http
        .post('/api/v1/demand-signals')
        .set('Authorization', admin)
        .send({
          id,
          sku,
          productFamily: 'FAM-SHADOW',
          site: SITE,
          region,
          periodStart: '2026-03-02',
          forecastQty: 98765,
          orderedQty: 43210,
          unitPrice: 77.125,
          customerName: 'Shadowcorp Secret Customer',
          marginPct: 31.5,
        })
        .expect(201);
    }
  });
  afterAll(async () => {
    await gw?.stop();
  });

  /** The seed document with its demand rule changed (its own tests left out: they pin the seed's fields). */
  const candidate = (change: (rule: Record<string, unknown>) => void) => {
    const doc = structuredClone(seed) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    change(doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!);
    return doc;
  };
  /** Sees one more SKU, and the unit price. */
  const widening = () =>
    candidate((rule) => {
      rule.conditions = { sku: { $in: ['SKU-100', 'SKU-200', 'SKU-300'] } };
      rule.fields = [...(rule.fields as string[]), 'unitPrice'];
    });
  /** Sees the unrestricted region only, and no order volumes. */
  const narrowing = () =>
    candidate((rule) => {
      rule.conditions = { ...(rule.conditions as object), region: 'EMEA' };
      rule.fields = (rule.fields as string[]).filter((f) => f !== 'orderedQty');
    });

  /** Northwind maintains its own capacity; this candidate takes that right away. */
  const withoutOwnCapacity = () => {
    const doc = structuredClone(seed) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    doc.rules = doc.rules.filter((r) => r.id !== 'own-capacity');
    return doc;
  };

  /** A capacity row of Northwind's own, as its capacity-planning token creates it. */
  const ownCapacity = (periodStart: string, availableQty: number, committedQty: number) => ({
    supplierId: 'supplier-northwind',
    site: 'PLANT-DE-1',
    sku: 'SKU-100',
    periodStart,
    availableQty,
    committedQty,
    riskLevel: 'low',
  });

  const rest = async () => (await gw.http.get(`/api/v1/demand-signals?site=${SITE}`).set('Authorization', northwind).expect(200)).text;
  const graphql = async () => {
    const res = await gw.http
      .post('/graphql')
      .set('Authorization', northwind)
      .set('content-type', 'application/json')
      .send({
        query: listQuery('demandSignals', ['id', 'sku', 'region', 'orderedQty', 'unitPrice'], '$filter: DemandSignalFilter', 'filter: $filter, first: 50'),
        variables: { filter: { site: SITE } },
      })
      .expect(200);
    return res.text;
  };
  const startShadow = async (doc: object, token = governance) => (await gw.http.put(SHADOW).set('Authorization', token).send(doc).expect(200)).body;
  const report = async () => (await gw.http.get(SHADOW).set('Authorization', governance).expect(200)).body;
  const stopShadow = async () => {
    await gw.http.delete(SHADOW).set('Authorization', governance).expect(204);
  };
  const demandOperation = (body: { operations: OperationReport[] }) => body.operations.find((o) => o.operation === 'read DemandSignal')!;

  it('refuses an invalid candidate with 400 and the path of each problem, and starts nothing', async () => {
    const bad = candidate((rule) => {
      rule.fields = [...(rule.fields as string[]), 'noSuchField'];
    });
    const problem = expectProblem(await gw.http.put(SHADOW).set('Authorization', governance).send(bad), 400, 'POLICY_INVALID');
    const paths = (problem.problems as Array<{ path: string; message: string }>).map((p) => p.path);
    expect(paths).toEqual([expect.stringMatching(/^rules\[0\]\.fields/)]);
    expectProblem(await gw.http.get(SHADOW).set('Authorization', governance), 404, 'NOT_FOUND');
  });

  it('a widening candidate: answers unchanged byte for byte; the report counts rows and fields gained, on REST and GraphQL', async () => {
    const restBefore = await rest();
    const graphqlBefore = await graphql();
    const started = await startShadow(widening());
    expect(started).toMatchObject({ partnerId: 'supplier-northwind', evaluated: 0, differing: 0, operations: [] });
    expect(Date.parse(started.since)).not.toBeNaN();

    expect(await rest()).toBe(restBefore);
    const afterRest = await report();
    expect(afterRest).toMatchObject({ since: started.since, evaluated: 1, differing: 1 });
    expect(demandOperation(afterRest)).toMatchObject({ rowsGained: 1, rowsLost: 0, fieldsGained: ['unitPrice'], fieldsLost: [] });

    // GraphQL asks for unitPrice too: withheld (null, with an error) in force, granted by the candidate.
    expect(await graphql()).toBe(graphqlBefore);
    const afterGraphql = await report();
    expect(afterGraphql).toMatchObject({ evaluated: 2, differing: 2 });
    expect(demandOperation(afterGraphql)).toMatchObject({ rowsGained: 2, rowsLost: 0, fieldsGained: ['unitPrice'], fieldsLost: [] });
    expect(demandOperation(afterGraphql)).toMatchObject({ ruleIds: ['demand-for-supplied-skus'] });
    await stopShadow();
  });

  it('a narrowing candidate: answers unchanged byte for byte; the report counts rows and fields lost, on REST and GraphQL', async () => {
    const restBefore = await rest();
    const graphqlBefore = await graphql();
    await startShadow(narrowing());
    expect(await rest()).toBe(restBefore);
    expect(demandOperation(await report())).toMatchObject({ rowsGained: 0, rowsLost: 1, fieldsGained: [], fieldsLost: ['orderedQty'] });
    expect(await graphql()).toBe(graphqlBefore);
    const body = await report();
    expect(body).toMatchObject({ evaluated: 2, differing: 2 });
    expect(demandOperation(body)).toMatchObject({ rowsGained: 0, rowsLost: 2, fieldsGained: [], fieldsLost: ['orderedQty'] });
    await stopShadow();
  });

  it('a candidate that changes fields only is judged on the rows answered, pages cut by their limit included', async () => {
    const restBefore = await rest();
    await startShadow(
      candidate((rule) => {
        rule.fields = [...(rule.fields as string[]).filter((f) => f !== 'productFamily'), 'unitPrice'];
      }),
    );
    expect(await rest()).toBe(restBefore);
    await gw.http.get(`/api/v1/demand-signals?site=${SITE}&limit=1`).set('Authorization', northwind).expect(200);
    const body = await report();
    expect(body).toMatchObject({ evaluated: 2, differing: 2 });
    expect(demandOperation(body)).toMatchObject({ rowsGained: 0, rowsLost: 0, fieldsGained: ['unitPrice'], fieldsLost: ['productFamily'] });
    await stopShadow();
  });

  it('a candidate equal to the version in force evaluates requests and finds none differing', async () => {
    const same = structuredClone(seed);
    await startShadow(same);
    await rest();
    await graphql();
    const body = await report();
    expect(body).toMatchObject({ evaluated: 2, differing: 0 });
    expect(demandOperation(body)).toMatchObject({ rowsGained: 0, rowsLost: 0, fieldsGained: [], fieldsLost: [] });
    await stopShadow();
  });

  it('reports no value of partner data: counts, field names and rule ids only', async () => {
    await startShadow(widening());
    await rest();
    await graphql();
    const text = JSON.stringify(await report());
    for (const value of ['ds-shd', SITE, 'SKU-300', 'EMEA', 'FAM-SHADOW', 'Shadowcorp', '98765', '43210', '77.125', '31.5', '2026-03-02']) {
      expect(text).not.toContain(value);
    }
    const [stored] = await gw.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM shadow_tallies');
    expect(Number(stored.n)).toBeGreaterThan(0);
    const tallies = JSON.stringify(await gw.query('SELECT * FROM shadow_tallies'));
    for (const value of ['ds-shd', SITE, 'SKU-300', 'Shadowcorp', '98765']) expect(tallies).not.toContain(value);
    await stopShadow();
  });

  it('a candidate conditioned on a value that may not be counted by is not compared: no counts could read it out', async () => {
    // Counting rows lost under `orderedQty > x` would tell governance a partner's order volume one
    // comparison at a time, as simulate's row counts would (docs/security.md, "Simulation counts").
    await startShadow(
      candidate((rule) => {
        rule.conditions = { ...(rule.conditions as object), orderedQty: { $gt: 40000 } };
      }),
    );
    const restBefore = await rest();
    expect(await rest()).toBe(restBefore);
    await graphql();
    const body = await report();
    expect(body.notCompared).toEqual([{ subject: 'DemandSignal', fields: ['orderedQty'] }]);
    expect(body).toMatchObject({ evaluated: 0, differing: 0 });
    expect(body.operations.find((o: OperationReport) => o.operation === 'read DemandSignal')).toBeUndefined();
    await stopShadow();
  });

  it('a write is judged too: the candidate that would refuse it loses the row', async () => {
    await startShadow(withoutOwnCapacity());
    const capacity = await bearer(gw, { ...NORTHWIND, purpose: 'capacity-planning' });
    await gw.http
      .post('/api/v1/capacity-signals')
      .set('Authorization', capacity)
      .send(ownCapacity('2026-04-06', 10, 1))
      .expect(201);
    const op = (await report()).operations.find((o: OperationReport) => o.operation === 'create CapacitySignal');
    expect(op).toMatchObject({ rowsGained: 0, rowsLost: 1 });
    await stopShadow();
  });

  it('a write is judged once it has committed: its idempotent replay is not judged again', async () => {
    await startShadow(withoutOwnCapacity());
    const capacity = await bearer(gw, { ...NORTHWIND, purpose: 'capacity-planning' });
    const send = () =>
      gw.http
        .post('/api/v1/capacity-signals')
        .set('Authorization', capacity)
        .set('Idempotency-Key', 'shadow-replay-0001')
        .send(ownCapacity('2026-04-13', 12, 2));
    const first = await send().expect(201);
    const replay = await send().expect(201);
    expect(replay.body.data.id).toBe(first.body.data.id);
    const body = await report();
    expect(body).toMatchObject({ evaluated: 1, differing: 1 });
    expect(body.operations.find((o: OperationReport) => o.operation === 'create CapacitySignal')).toMatchObject({ rowsLost: 1 });
    await stopShadow();
  });

  it('a write that rolls back with its audit event is not judged', async () => {
    await startShadow(withoutOwnCapacity());
    const capacity = await bearer(gw, { ...NORTHWIND, purpose: 'capacity-planning' });
    // The audit append fails inside the write's transaction, so the write rolls back (503).
    const restore = await refuseAuditAppends(gw);
    try {
      await gw.http
        .post('/api/v1/capacity-signals')
        .set('Authorization', capacity)
        .send(ownCapacity('2026-04-20', 14, 3))
        .expect(503);
    } finally {
      await restore();
    }
    expect(await gw.query('SELECT id FROM capacity_signals WHERE period_start = ?', ['2026-04-20'])).toHaveLength(0);
    expect(await report()).toMatchObject({ evaluated: 0, differing: 0, operations: [] });
    await stopShadow();
  });

  it('DELETE stops counting: 404 afterwards, and a new shadow starts from zero', async () => {
    await startShadow(widening());
    await rest();
    expect((await report()).evaluated).toBe(1);
    await stopShadow();
    expectProblem(await gw.http.get(SHADOW).set('Authorization', governance), 404, 'NOT_FOUND');
    expectProblem(await gw.http.delete(SHADOW).set('Authorization', governance), 404, 'NOT_FOUND');
    await rest();
    await graphql();
    const [left] = await gw.query<{ n: number | string }>('SELECT COUNT(*) AS n FROM shadow_tallies');
    expect(Number(left.n)).toBe(0);
    const restarted = await startShadow(widening());
    expect(restarted).toMatchObject({ evaluated: 0, differing: 0, operations: [] });
    expect((await report()).evaluated).toBe(0);
    await stopShadow();
  });

  it('only governance officers run, read, stop and promote shadows (403 for partners, admins and auditors)', async () => {
    await startShadow(widening());
    for (const who of [NORTHWIND, ADMIN, AUDITOR]) {
      const token = await bearer(gw, who);
      expectProblem(await gw.http.put(SHADOW).set('Authorization', token).send(narrowing()), 403);
      expectProblem(await gw.http.get(SHADOW).set('Authorization', token), 403);
      expectProblem(await gw.http.delete(SHADOW).set('Authorization', token), 403);
      expectProblem(await gw.http.post(`${SHADOW}/promote`).set('Authorization', token).send({}), 403);
    }
    expectProblem(await gw.http.get(SHADOW), 401);
    // The shadow is still the officer's.
    expect((await report()).evaluated).toBe(0);
    await stopShadow();
  });

  it('every shadow call is audited as a governance action on the partner', async () => {
    const seq = await gw.headSeq();
    await startShadow(widening());
    await report();
    await stopShadow();
    const events = await gw.auditSince(seq);
    expect(events.map((e) => [e.action, e.subject, Number(e.status)])).toEqual([
      ['shadow-start', 'Policy', 200],
      ['shadow-read', 'Policy', 200],
      ['shadow-stop', 'Policy', 204],
    ]);
    for (const e of events) {
      expect(String(e.resource_ids)).toContain('supplier-northwind');
      expect(e.actor_sub).toBe(GOVERNANCE.sub);
    }
  });

  it('promote turns the candidate into a proposal that a second officer approves (four eyes)', async () => {
    await startShadow(narrowing());
    const seq = await gw.headSeq();
    const promoted = await gw.http.post(`${SHADOW}/promote`).set('Authorization', governance).send({ note: 'tighten demand' }).expect(201);
    expect(promoted.body.meta).toMatchObject({ state: 'proposed' });
    const version = promoted.body.meta.version as number;
    const [event] = await gw.auditSince(seq);
    expect([event.action, event.subject, event.status]).toEqual(['shadow-promote', 'Policy', 201]);
    const inForce = await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200);
    expect(inForce.body.meta.version).not.toBe(version);
    const etag = inForce.headers.etag;
    // Its author cannot approve it; another officer can.
    expectProblem(
      await gw.http.post(`/api/v1/policies/supplier-northwind/versions/${version}/approve`).set('Authorization', governance).set('If-Match', etag),
      403,
    );
    const second = await bearer(gw, SECOND_OFFICER);
    await gw.http.post(`/api/v1/policies/supplier-northwind/versions/${version}/approve`).set('Authorization', second).set('If-Match', etag).expect(200);
    const now = await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200);
    expect(now.body.meta.version).toBe(version);
    const ids = (JSON.parse(await rest()) as { data: Array<{ id: string; orderedQty?: number }> }).data;
    expect(ids.map((r) => r.id)).toEqual(['ds-shd-1']);
    expect(ids[0].orderedQty).toBeUndefined();
    // In force now, the candidate answers as the version in force: nothing differs any more.
    const before = (await report()).differing;
    await rest();
    expect((await report()).differing).toBe(before);
    await stopShadow();
  });
});

describe('shadow mode with SHADOW_SAMPLE_RATE=0', () => {
  let gw: TestGateway;
  afterAll(async () => {
    await gw?.stop();
  });

  it('evaluates no request', async () => {
    gw = await TestGateway.start({ SHADOW_SAMPLE_RATE: '0' });
    const governance = await bearer(gw, GOVERNANCE);
    const northwind = await bearer(gw, NORTHWIND);
    const seed = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200)).body.data.document;
    const doc = structuredClone(seed) as { rules: Array<Record<string, unknown>>; tests?: unknown };
    delete doc.tests;
    doc.rules = doc.rules.filter((r) => r.id !== 'demand-for-supplied-skus');
    await gw.http.put(SHADOW).set('Authorization', governance).send(doc).expect(200);
    for (let i = 0; i < 5; i++) await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', northwind).expect(200);
    const body = (await gw.http.get(SHADOW).set('Authorization', governance).expect(200)).body;
    expect(body).toMatchObject({ sampleRate: 0, evaluated: 0, differing: 0, operations: [] });
  });
});
