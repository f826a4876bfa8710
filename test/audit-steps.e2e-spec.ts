import { ADMIN, bearer, gql, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

const SUBJECT = { shipments: 'Shipment', demandSignals: 'DemandSignal' } as const;

/**
 * A request's audit event combines what each of its governed steps decided: every resolver of one
 * GraphQL operation, in the order they began, and what a refused step decided before its refusal.
 */
describe('audit event of a request made of steps', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('one GraphQL operation with several root fields leaves one event: subjects in document order, rows and ids of both', async () => {
    for (const [first, second] of [
      ['shipments', 'demandSignals'],
      ['demandSignals', 'shipments'],
    ] as const) {
      const seq = await gw.headSeq();
      const r = await gql(gw, ADMIN, `{ a: ${first}(first: 2) { nodes { id } } b: ${second}(first: 3) { nodes { id } } }`);
      expect(r.errors).toEqual([]);
      const ids = [...(r.data!.a.nodes as Array<{ id: string }>), ...(r.data!.b.nodes as Array<{ id: string }>)].map((n) => n.id);
      expect(ids).toHaveLength(5);
      const events = await gw.auditSince(seq);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        transport: 'graphql',
        action: 'read',
        subject: `${SUBJECT[first]},${SUBJECT[second]}`,
        decision: 'allow',
        status: 200,
      });
      expect(Number(events[0].row_count)).toBe(5);
      expect(JSON.parse(String(events[0].resource_ids))).toEqual(ids);
    }
  });

  it('a write refused after its policy was looked up names that policy version, its action and its purpose', async () => {
    const seq = await gw.headSeq();
    const body = { sku: 'SKU-200', site: 'DC-EU-NORTH', region: 'NORDICS', periodStart: '2026-02-01', forecastQty: 300 };
    await gw.http
      .post('/api/v1/demand-signals')
      .set('Authorization', await bearer(gw, NORTHWIND))
      .send(body)
      .expect(403);
    const [version] = await gw.query<{ v: number | string }>('SELECT policy_version AS v FROM partners WHERE id = ?', ['supplier-northwind']);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      action: 'create',
      subject: 'DemandSignal',
      purpose: 'replenishment-planning',
      decision: 'deny',
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(Number(events[0].policy_version)).toBe(Number(version.v));
    expect(Number(events[0].row_count)).toBe(0);
  });
});
