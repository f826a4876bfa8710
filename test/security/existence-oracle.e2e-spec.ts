import type { Response } from 'supertest';
import { TestGateway } from '../support/test-app';

const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'capacity-planning' };
const PROBE = 'carrier-probe';

/** What a refusal says, without what differs per request (request id, instance). */
const answerOf = (res: Response) => ({
  status: res.status,
  code: res.body.code,
  title: res.body.title,
  detail: res.body.detail,
  errors: res.body.errors,
  data: res.body.data,
});

/**
 * Client-chosen ids never tell a partner that another partner's row exists, and a simulation never
 * counts stored rows by values the governance role may not read.
 */
describe('existence and simulation oracles', () => {
  let gw: TestGateway;
  let northwind: string;
  let probe: string;
  let officer: string;
  let foreignCapacity: string;
  let foreignShipment: string;
  let foreignDemand: string;

  beforeAll(async () => {
    gw = await TestGateway.start();
    northwind = `Bearer ${await gw.token(NORTHWIND)}`;
    officer = `Bearer ${await gw.token({ roles: ['governance'], sub: 'ada@orchestrator' })}`;
    // A partner that may create shipments and demand signals of its own (as a policy can grant).
    await gw.http
      .put(`/api/v1/policies/${PROBE}`)
      .set('Authorization', officer)
      .send({
        partner: { id: PROBE, name: 'Probe Carrier', kind: 'logistics' },
        rules: [
          { id: 'own-shipments', action: ['create', 'read'], subject: 'Shipment', conditions: { carrierId: '${partner.id}' }, purposes: ['probe'] },
          { id: 'own-demand', action: ['create', 'read'], subject: 'DemandSignal', conditions: { site: 'PROBE-SITE' }, purposes: ['probe'] },
        ],
      })
      .expect(200);
    probe = `Bearer ${await gw.token({ roles: ['partner'], partner: PROBE, purpose: 'probe' })}`;
    [{ id: foreignCapacity }] = await gw.query<{ id: string }>("SELECT id FROM capacity_signals WHERE supplier_id <> 'supplier-northwind' ORDER BY id LIMIT 1");
    [{ id: foreignShipment }] = await gw.query<{ id: string }>('SELECT id FROM shipments ORDER BY id LIMIT 1');
    [{ id: foreignDemand }] = await gw.query<{ id: string }>('SELECT id FROM demand_signals ORDER BY id LIMIT 1');
  });
  afterAll(async () => {
    await gw.stop();
  });

  const capacity = (id: string) => ({ id, site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2027-02-01', availableQty: 10, riskLevel: 'low' });
  const shipment = (id: string) => ({
    id,
    reference: `PO-${id}`,
    carrierId: PROBE,
    shipperId: 'supplier-acme',
    origin: 'A',
    destination: 'B',
    sku: 'SKU-1',
    quantity: 1,
  });
  const demand = (id: string) => ({ id, sku: 'SKU-1', site: 'PROBE-SITE', region: 'EMEA', periodStart: '2027-02-01', forecastQty: 5 });

  it.each([
    ['POST /capacity-signals', '/api/v1/capacity-signals', () => northwind, () => foreignCapacity, capacity],
    ['POST /shipments', '/api/v1/shipments', () => probe, () => foreignShipment, shipment],
    ['POST /demand-signals', '/api/v1/demand-signals', () => probe, () => foreignDemand, demand],
  ] as const)('%s with an id another partner uses answers exactly as with a free id, and writes nothing', async (_, url, token, taken, body) => {
    const table = url.includes('capacity') ? 'capacity_signals' : url.includes('shipments') ? 'shipments' : 'demand_signals';
    const [{ n: before }] = await gw.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    const collision = await gw.http.post(url).set('Authorization', token()).send(body(taken()));
    const free = await gw.http
      .post(url)
      .set('Authorization', token())
      .send(body(`free-${taken()}-x`));
    expect(answerOf(collision)).toEqual(answerOf(free));
    expect(collision.status).toBe(400);
    const [{ n: after }] = await gw.query<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${table}`);
    expect(Number(after)).toBe(Number(before));
  });

  it('a partner chooses ids in its own namespace: created, and a second create of it is a 409 about its own row', async () => {
    const id = 'supplier-northwind.plan-7';
    const created = await gw.http.post('/api/v1/capacity-signals').set('Authorization', northwind).send(capacity(id)).expect(201);
    expect(created.body.data.id).toBe(id);
    const again = await gw.http.post('/api/v1/capacity-signals').set('Authorization', northwind).send(capacity(id)).expect(409);
    expect(again.body.code).toBe('CONFLICT');
    // Another partner's namespace is not one's own, nor is a name with a further "." in it.
    for (const other of ['supplier-acme.plan-7', 'supplier-northwind.a.b']) {
      const res = await gw.http.post('/api/v1/capacity-signals').set('Authorization', northwind).send(capacity(other));
      expect(res.status).toBe(400);
    }
  });

  it('GraphQL upsertCapacitySignal: an id another partner uses answers as a free id does', async () => {
    const upsert = 'mutation ($input: CapacitySignalInput!) { upsertCapacitySignal(input: $input) { id } }';
    const send = async (id: string) =>
      (
        await gw.http
          .post('/graphql')
          .set('Authorization', northwind)
          .send({ query: upsert, variables: { input: capacity(id) } })
      ).body;
    const [{ n: before }] = await gw.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM capacity_signals');
    const taken = await send(foreignCapacity);
    const free = await send(`free-${foreignCapacity}-y`);
    const shape = (b: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> }) => ({
      data: b.data,
      errors: b.errors?.map((e) => ({ code: e.extensions?.code, message: e.message.replace(/'[^']*'/g, "'…'") })),
    });
    expect(shape(taken)).toEqual(shape(free));
    expect(taken.errors[0].extensions.code).toBe('NOT_FOUND');
    const [{ n: after }] = await gw.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM capacity_signals');
    expect(Number(after)).toBe(Number(before));
  });

  describe('simulation', () => {
    const current = async () => (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', officer).expect(200)).body.data.document;
    const simulate = async (document: unknown) =>
      (
        await gw.http
          .post('/api/v1/policies/supplier-northwind/simulate')
          .set('Authorization', officer)
          .send({ document, action: 'read', subject: 'CapacitySignal', purpose: 'capacity-planning' })
          .expect((r) => {
            if (r.status !== 200) throw new Error(JSON.stringify(r.body));
          })
      ).body.data;

    it('counts no rows under conditions on values the officer may not read (unitCost), on simulate and diff', async () => {
      const doc = await current();
      const probeAt = (threshold: number) => {
        const draft = structuredClone(doc);
        draft.tests = [];
        draft.rules.push({
          id: 'cheap-capacity',
          action: 'read',
          subject: 'CapacitySignal',
          fields: ['id', 'unitCost'],
          conditions: { unitCost: { $lt: threshold } },
          purposes: ['capacity-planning'],
        });
        return draft;
      };
      const low = (await simulate(probeAt(0.0001))).impact.CapacitySignal;
      const high = (await simulate(probeAt(1e9))).impact.CapacitySignal;
      expect(low).toEqual(high);
      expect(low).toEqual({ rowsWithheld: { code: 'UNCOUNTABLE_CONDITIONS', fields: ['unitCost'] }, fieldsGained: [], fieldsLost: [] });
      expect(low).not.toHaveProperty('rowsDraft');

      const diff = (
        await gw.http
          .post('/api/v1/policies/supplier-northwind/diff')
          .set('Authorization', officer)
          .send({ document: probeAt(0.0001) })
          .expect(200)
      ).body.data;
      expect(diff.impact['capacity-planning'].CapacitySignal).toEqual(low);
    });

    it('still counts rows under conditions on who a row belongs to and where (sku, site, partner)', async () => {
      const draft = structuredClone(await current());
      draft.tests = [];
      const own = draft.rules.find((r: { id: string }) => r.id === 'own-capacity');
      own.conditions = { supplierId: { $in: ['supplier-northwind', 'supplier-acme'] } };
      const impact = (await simulate(draft)).impact.CapacitySignal;
      const [{ n }] = await gw.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM capacity_signals WHERE supplier_id = 'supplier-acme'");
      expect(impact.rowsGained).toBe(Number(n));
      expect(impact.rowsGained).toBeGreaterThan(0);
    });
  });
});
