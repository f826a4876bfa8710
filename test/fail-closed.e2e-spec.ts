import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createTestDatabase } from './support/database';
import { TcpProxy } from './support/tcp-proxy';
import { TestGateway } from './support/test-app';

const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };

/** When the store or the audit log cannot be written, no data leaves, and the gateway recovers by itself. */
describe('fail closed', () => {
  if (process.env.DATABASE_URL) {
    it('PostgreSQL unreachable: 503 without data, not ready, alive, and back when it returns', async () => {
      const db = await createTestDatabase();
      const url = new URL(db.url!);
      const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
      await proxy.start();
      url.host = `127.0.0.1:${proxy.port}`;
      const gw = await TestGateway.start({ DATABASE_URL: url.toString(), DB_CONNECT_TIMEOUT_MS: '500', DB_STATEMENT_TIMEOUT_MS: '1000' });
      try {
        const token = await gw.token(NORTHWIND);
        const ok = await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`).expect(200);
        const acknowledged = ok.headers['x-request-id'];

        await proxy.down();
        const started = Date.now();
        const refused = await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`);
        expect(refused.status).toBe(503);
        expect(Date.now() - started).toBeLessThan(5000);
        expect(refused.headers['content-type']).toMatch(/application\/problem\+json/);
        expect(refused.body.code).toBe('SERVICE_UNAVAILABLE');
        expect(refused.body).not.toHaveProperty('data');
        await gw.http.get('/health/ready').expect(503);
        await gw.http.get('/health/live').expect(200);
        const write = await gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', `Bearer ${await gw.token({ roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' })}`).send({ status: 'delayed' });
        expect(write.status).toBe(503);

        await proxy.up();
        let back = 0;
        for (let i = 0; i < 40 && back !== 200; i++) {
          back = (await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`)).status;
          if (back !== 200) await new Promise((r) => setTimeout(r, 250));
        }
        expect(back).toBe(200);
        await gw.http.get('/health/ready').expect(200);
        // The request answered 200 before the outage has its event; the refused write changed nothing.
        const events = await gw.query('SELECT request_id FROM audit_events WHERE request_id = ?', [acknowledged]);
        expect(events).toHaveLength(1);
        const [row] = await gw.query<{ status: string }>("SELECT status FROM shipments WHERE id = 'shp-0001'");
        expect(row.status).not.toBe('delayed');
      } finally {
        await gw.stop();
        await proxy.down();
        await db.drop();
      }
    });

    it('a killed connection (pg_terminate_backend) costs no more than the requests on it', async () => {
      const gw = await TestGateway.start();
      try {
        const token = await gw.token(NORTHWIND);
        await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`).expect(200);
        await gw.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        const statuses: number[] = [];
        for (let i = 0; i < 5; i++) statuses.push((await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`)).status);
        expect(statuses.every((s) => s === 200 || s === 503)).toBe(true);
        expect(statuses[statuses.length - 1]).toBe(200);
      } finally {
        await gw.stop();
      }
    });
  } else {
    it('SQLite locked by another writer: 503 without data, then recovers', async () => {
      const gw = await TestGateway.start({ DB_STATEMENT_TIMEOUT_MS: '200' });
      try {
        const token = await gw.token(NORTHWIND);
        await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`).expect(200);
        const other = new Database(join(gw.dataDir, 'gateway.sqlite'));
        other.exec('BEGIN EXCLUSIVE');
        const refused = await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`);
        expect(refused.status).toBe(503);
        expect(refused.body.code).toBe('SERVICE_UNAVAILABLE');
        expect(refused.body).not.toHaveProperty('data');
        await gw.http.get('/health/ready').expect(503);
        other.exec('ROLLBACK');
        other.close();
        await new Promise((r) => setTimeout(r, 2100));
        await gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${token}`).expect(200);
        await gw.http.get('/health/ready').expect(200);
      } finally {
        await gw.stop();
      }
    });
  }
});
