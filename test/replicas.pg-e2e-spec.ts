import { Client } from 'pg';
import { GatewayProcess } from './support/gateway-process';
import { ReplicaPair } from './support/replica-pair';

/** Two real gateway processes on one PostgreSQL and one Redis behave as one gateway. */
describe('replicas on one PostgreSQL', () => {
  let pair: ReplicaPair;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let pg: Client;

  beforeAll(async () => {
    pair = await ReplicaPair.start();
    ({ a, b, pg } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.stop();
  });

  const token = (claims: Record<string, unknown>, sub?: string) => pair.token(claims, sub);
  const call = (gw: GatewayProcess, path: string, tok: string, init?: RequestInit) => pair.call(gw, path, tok, init);

  it('started together: one schema, one set of seeded policies and data', async () => {
    const { rows } = await pg.query('SELECT COUNT(*)::int AS n FROM partners');
    expect(rows[0].n).toBe(5);
    const { rows: versions } = await pg.query('SELECT COUNT(*)::int AS n FROM policy_versions');
    expect(versions[0].n).toBe(5);
  });

  it('writes one gap-free audit chain under parallel load on both', async () => {
    const nw = await token({ roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    const sw = await token({ roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const before = Number((await pg.query('SELECT seq FROM audit_head')).rows[0].seq);
    const responses = await Promise.all(
      Array.from({ length: 120 }, (_, i) => {
        const gw = i % 2 ? a : b;
        return i % 4 === 0
          ? call(gw, '/api/v1/shipments/shp-0001', sw, { method: 'PATCH', body: JSON.stringify({ lastLocation: `Hub ${i}` }) })
          : call(gw, '/api/v1/demand-signals?limit=5', nw);
      }),
    );
    expect(responses.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const { rows } = await pg.query('SELECT seq FROM audit_events WHERE seq > $1 ORDER BY seq', [before]);
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: 120 }, (_, i) => before + i + 1));
    const auditor = await token({ roles: ['auditor'] });
    const verify = await (await call(a, '/api/v1/audit-events/verify', auditor)).json();
    expect(verify).toMatchObject({ ok: true });
  });

  it('a policy put on one replica is in force on the other for the very next request', async () => {
    const gov = await token({ roles: ['governance'] }, 'officer');
    const nw = await token({ roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    const before = await (await call(b, '/api/v1/demand-signals?limit=1', nw)).json();
    expect(before.meta.fields).toContain('orderedQty');
    const current = await (await call(a, '/api/v1/policies/supplier-northwind', gov)).json();
    const doc = current.data.document;
    doc.rules[0].fields = doc.rules[0].fields.filter((f: string) => f !== 'orderedQty');
    doc.tests = [];
    const put = await call(a, '/api/v1/policies/supplier-northwind', gov, { method: 'PUT', body: JSON.stringify(doc) });
    expect(put.status).toBe(200);
    const after = await (await call(b, '/api/v1/demand-signals?limit=1', nw)).json();
    expect(after.meta.policyVersion).toBe(before.meta.policyVersion + 1);
    expect(after.meta.fields).not.toContain('orderedQty');
  });

  it('holds one rate-limit quota per partner across replicas', async () => {
    const gov = await token({ roles: ['governance'] }, 'officer');
    const partner = `quota-${process.pid}`;
    const doc = {
      partner: { id: partner, name: 'Quota test', kind: 'other' },
      limits: { requestsPerMinute: 6 },
      rules: [{ id: 'r', action: 'read', subject: 'DemandSignal', fields: ['id'], purposes: ['p'] }],
    };
    expect((await call(a, `/api/v1/policies/${partner}`, gov, { method: 'PUT', body: JSON.stringify(doc) })).status).toBe(200);
    const t = await token({ roles: ['partner'], partner_id: partner, purpose: 'p' });
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await call(i % 2 ? a : b, '/api/v1/demand-signals?limit=1', t)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 429, 429]);
  });

  it('drains on SIGTERM: an in-flight request completes and its audit event is committed', async () => {
    const auditor = await token({ roles: ['auditor'] });
    const inFlight = call(b, '/api/v1/audit-events/export?format=ndjson', auditor);
    await new Promise((r) => setTimeout(r, 20));
    const stopped = b.stop();
    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body.trim().split('\n').length).toBeGreaterThan(100);
    expect(await stopped).toBe(0);
    const requestId = res.headers.get('x-request-id');
    const { rows } = await pg.query('SELECT decision FROM audit_events WHERE request_id = $1', [requestId]);
    expect(rows).toEqual([{ decision: 'allow' }]);
  });
});
