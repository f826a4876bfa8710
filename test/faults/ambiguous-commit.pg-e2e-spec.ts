import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../support/database';
import { TcpProxy } from '../support/tcp-proxy';
import { TestGateway } from '../support/test-app';

/**
 * An ambiguous COMMIT: the connection is lost right after COMMIT was sent, so the gateway cannot
 * know whether the write committed (here it did). A retry with the same Idempotency-Key must answer
 * the committed result, and the write must exist once.
 */
describe('faults: PostgreSQL connection lost right after COMMIT', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let gw: TestGateway;
  let direct: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    const url = new URL(db.url!);
    proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
    await proxy.start();
    url.host = `127.0.0.1:${proxy.port}`;
    gw = await TestGateway.start({ DATABASE_URL: url.toString() });
    direct = new Client({ connectionString: db.url });
    await direct.connect();
  });

  afterAll(async () => {
    await direct?.end();
    await gw?.stop();
    await proxy?.down();
    await db?.drop();
  });

  it('a retry with the same Idempotency-Key answers the committed result; the write exists once', async () => {
    const token = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'capacity-planning' });
    const key = `ambiguous-${process.pid}`;
    const body = { site: key, sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 7, riskLevel: 'low' };
    const send = () => gw.http.post('/api/v1/capacity-signals').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);
    await gw.http.get('/health/ready').expect(200);

    const cut = proxy.cutAfterClientSends('COMMIT');
    const first = await send();
    await cut;
    // The gateway either could not tell (503) or found the committed answer itself; never a 500.
    expect([201, 503]).toContain(first.status);
    const rows = async () => (await direct.query('SELECT id FROM capacity_signals WHERE site = $1', [key])).rows;
    // The COMMIT reached the server: the write is there, though its answer was lost.
    expect(await rows()).toHaveLength(1);

    const started = Date.now();
    let retry = await send();
    for (let i = 0; i < 50 && retry.status === 503; i++) {
      await new Promise((r) => setTimeout(r, 100));
      retry = await send();
    }
    process.stdout.write(
      `ambiguous-commit: first answer ${first.status}; retry with the key answered ${retry.status} ` +
        `(replayed: ${retry.headers['idempotent-replayed'] ?? 'no'}) ${Date.now() - started} ms later\n`,
    );
    expect(retry.status).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    const [row] = await rows();
    expect(retry.body.data).toMatchObject({ id: row.id, site: key, availableQty: 7 });
    expect(await rows()).toHaveLength(1);

    const auditor = await gw.token({ roles: ['auditor'] });
    const verify = await gw.http.get('/api/v1/audit-events/verify').set('Authorization', `Bearer ${auditor}`).expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  });

  it('without a key the client cannot tell: 503, although the write committed', async () => {
    const token = await gw.token({ roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const location = `Ambiguous ${process.pid}`;
    const cut = proxy.cutAfterClientSends('COMMIT');
    const res = await gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', `Bearer ${token}`).send({ lastLocation: location });
    await cut;
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    const {
      rows: [row],
    } = await direct.query("SELECT last_location FROM shipments WHERE id = 'shp-0001'");
    expect(row.last_location).toBe(location);
  });
});
