import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type { Response } from 'supertest';
import { createTestDatabase } from './support/database';
import { TcpProxy } from './support/tcp-proxy';
import { TestGateway } from './support/test-app';

const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };
const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };

/**
 * What is committed, as another connection sees it (the gateway's own SQLite connection would also
 * see what sits in a transaction it never committed).
 */
async function committed<T>(gw: TestGateway, sql: string, params: unknown[] = []): Promise<T[]> {
  if (gw.dialect === 'postgres') return gw.query<T>(sql, params);
  const other = new Database(join(gw.dataDir, 'gateway.sqlite'), { readonly: true });
  try {
    return other.prepare(sql).all(...params) as T[];
  } finally {
    other.close();
  }
}

/**
 * A partner read (REST and GraphQL) and a partner write, each answer kept: status, request id and
 * how long it took. At the end, every request answered 200 must have exactly one committed audit event.
 */
async function traffic(gw: TestGateway) {
  const answers: Array<{ status: number; requestId: string; ms: number }> = [];
  const reader = await gw.token(NORTHWIND);
  const carrier = await gw.token(SWIFTLOG);
  const auditor = await gw.token({ roles: ['auditor'], sub: 'auditor@orchestrator' });
  const timed = async (send: () => PromiseLike<Response>): Promise<Response> => {
    const started = Date.now();
    const res = await send();
    answers.push({ status: res.status, requestId: res.headers['x-request-id'], ms: Date.now() - started });
    return res;
  };
  return {
    answers,
    read: () => timed(() => gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${reader}`)),
    graphql: () =>
      timed(() => gw.http.post('/graphql').set('Authorization', `Bearer ${reader}`).send({ query: '{ demandSignals(first: 5) { nodes { id } } }' })),
    write: (status: string) => timed(() => gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', `Bearer ${carrier}`).send({ status })),
    shipmentStatus: async () => (await committed<{ status: string }>(gw, "SELECT status FROM shipments WHERE id = 'shp-0001'"))[0].status,
    /** Reads until one is answered 200 (or the deadline passes); returns the last status. */
    async readUntilServed(deadlineMs: number): Promise<number> {
      const deadline = Date.now() + deadlineMs;
      let status = 0;
      while (status !== 200 && Date.now() < deadline) {
        status = (await this.read()).status;
        if (status !== 200) await new Promise((r) => setTimeout(r, 200));
      }
      return status;
    },
    /**
     * Back once the store is, without a restart: served within the deadline, ready, the write
     * acknowledged before the fault still there, a new write lands, nothing acknowledged lost.
     */
    async expectRecovered(deadlineMs: number, statusBeforeFault: string): Promise<void> {
      expect(await this.readUntilServed(deadlineMs)).toBe(200);
      await gw.http.get('/health/ready').expect(200);
      expect(await this.shipmentStatus()).toBe(statusBeforeFault);
      expect((await this.write('in_transit')).status).toBe(200);
      expect(await this.shipmentStatus()).toBe('in_transit');
      await this.expectNothingAcknowledgedLost();
    },
    /** No 500 ever; each request answered 200 has exactly one event; the chain is intact. */
    async expectNothingAcknowledgedLost(): Promise<void> {
      expect(answers.filter((a) => a.status !== 200 && a.status !== 503)).toEqual([]);
      const acknowledged = answers.filter((a) => a.status === 200).map((a) => a.requestId);
      const events = await committed<{ request_id: string }>(
        gw,
        `SELECT request_id FROM audit_events WHERE request_id IN (${acknowledged.map(() => '?').join(', ')})`,
        acknowledged,
      );
      expect(events.map((e) => e.request_id).sort()).toEqual([...acknowledged].sort());
      const verified = await gw.http.get('/api/v1/audit-events/verify').set('Authorization', `Bearer ${auditor}`).expect(200);
      expect(verified.body).toMatchObject({ ok: true });
    },
  };
}

/** A refusal because the store cannot serve: 503 problem+json with the stable code, and no data. */
function expectUnavailable(res: Response): void {
  expect(res.status).toBe(503);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  expect(res.body).not.toHaveProperty('data');
}

function expectGraphqlUnavailable(res: Response): void {
  expect(res.status).toBe(503);
  expect(res.body.errors[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
  expect(res.body.data ?? null).toBeNull();
}

/** Whether this host lets the tests set the immutable attribute on files in the temp directory (root, ext4/xfs/btrfs). */
function immutableFilesSupported(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'chattr-probe-'));
  const file = join(dir, 'probe');
  writeFileSync(file, 'x');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** When the store or the audit log cannot be written, no data leaves, and the gateway recovers by itself. */
describe('fail closed', () => {
  if (process.env.DATABASE_URL) {
    // A gateway behind a proxy that breaks its network to PostgreSQL: `down` resets and refuses
    // connections, `pause` holds every byte, `blackhole` drops every byte and never answers.
    // Statement timeout 500 ms: the client gives up on a statement after 1.5 s, on a connection after 0.5 s.
    const faults: Array<[string, (proxy: TcpProxy) => Promise<void> | void]> = [
      ['unreachable (connections reset, new ones refused)', (proxy) => proxy.down()],
      ['paused (connections open, no byte moves)', (proxy) => proxy.pause()],
      ['blackholed (every byte dropped, nothing answered)', (proxy) => proxy.blackhole()],
    ];
    for (const [name, breakNetwork] of faults) {
      it(`PostgreSQL ${name}: 503 quickly without data, not ready, alive, back when it returns, nothing acknowledged lost`, async () => {
        const db = await createTestDatabase();
        const url = new URL(db.url!);
        const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
        await proxy.start();
        url.host = `127.0.0.1:${proxy.port}`;
        // Schema and seed first, directly and with the default timeouts: the start-up work is not what
        // this test is about, and its commits must not race the short statement timeout below.
        await (await TestGateway.start({ DATABASE_URL: db.url! })).stop();
        const gw = await TestGateway.start({ DATABASE_URL: url.toString(), DB_CONNECT_TIMEOUT_MS: '500', DB_STATEMENT_TIMEOUT_MS: '500' });
        try {
          const t = await traffic(gw);
          // Traffic first, so that the pool holds open connections when the network breaks.
          expect((await Promise.all([t.read(), t.read(), t.graphql()])).map((r) => r.status)).toEqual([200, 200, 200]);
          expect((await t.write('delayed')).status).toBe(200);

          await breakNetwork(proxy);
          const duringFault = t.answers.length;
          const [read, write, graphql, ready, live] = await Promise.all([
            t.read(),
            t.write('delivered'),
            t.graphql(),
            gw.http.get('/health/ready'),
            gw.http.get('/health/live'),
          ]);
          expectUnavailable(read);
          expectUnavailable(write);
          expectGraphqlUnavailable(graphql);
          expect(ready.status).toBe(503);
          expect(live.status).toBe(200);
          // Still refused while the fault lasts, now that the pool has given up its connections.
          expectUnavailable(await t.read());
          expectUnavailable(await t.write('delivered'));
          // Bounded by the timeouts, never by the network: every request above was answered while the
          // network still swallowed everything; one waiting on the network would still be waiting.
          expect(t.answers.slice(duringFault).length).toBeGreaterThan(0);

          await proxy.up();
          // The write acknowledged before the fault holds; the refused ones changed nothing.
          await t.expectRecovered(15000, 'delayed');
        } finally {
          await gw.stop();
          await proxy.down();
          await db.drop();
        }
      });
    }

    it('PostgreSQL blackholed in the middle of a write: the server ends the orphaned transaction and its locks', async () => {
      const db = await createTestDatabase();
      const url = new URL(db.url!);
      const proxy = new TcpProxy(url.hostname, Number(url.port || 5432));
      await proxy.start();
      url.host = `127.0.0.1:${proxy.port}`;
      const gw = await TestGateway.start({
        DATABASE_URL: url.toString(),
        DB_CONNECT_TIMEOUT_MS: '500',
        DB_STATEMENT_TIMEOUT_MS: '1500',
        DB_IDLE_IN_TRANSACTION_TIMEOUT_MS: '1000',
      });
      // Two sessions of the test's own, not through the proxy.
      const direct = new Client({ connectionString: db.url });
      const holder = new Client({ connectionString: db.url });
      await direct.connect();
      await holder.connect();
      try {
        const t = await traffic(gw);
        expect((await t.write('delayed')).status).toBe(200);
        // Hold the shipment's row, so that the gateway's write waits inside its transaction...
        await holder.query("BEGIN; SELECT 1 FROM shipments WHERE id = 'shp-0001' FOR UPDATE");
        const write = t.write('delivered');
        const waiting = async () =>
          (
            await direct.query(
              "SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'partner-data-gateway' AND wait_event_type = 'Lock'",
            )
          ).rowCount;
        for (let i = 0; i < 100 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(await waiting()).toBe(1);
        // ...then cut the network and let it go on: the server updates the row, and its answer is lost.
        proxy.blackhole();
        await holder.query('COMMIT');
        expectUnavailable(await write);
        // No close reaches the server either, yet the row is free again while the network is still
        // down: the server ended the transaction the gateway had to abandon.
        // A lock still held would end this statement with a lock timeout error.
        await direct.query("SET lock_timeout = '3s'");
        await direct.query("BEGIN; SELECT 1 FROM shipments WHERE id = 'shp-0001' FOR UPDATE; ROLLBACK");
        const [{ status }] = (await direct.query("SELECT status FROM shipments WHERE id = 'shp-0001'")).rows;
        expect(status).toBe('delayed');

        proxy.resume();
        expect(await t.readUntilServed(15000)).toBe(200);
        expect((await t.write('in_transit')).status).toBe(200);
        expect(await t.shipmentStatus()).toBe('in_transit');
        await t.expectNothingAcknowledgedLost();
      } finally {
        await holder.end();
        await direct.end();
        await gw.stop();
        await proxy.down();
        await db.drop();
      }
    });

    it('a killed connection (pg_terminate_backend) costs no more than the requests on it', async () => {
      const gw = await TestGateway.start();
      try {
        const t = await traffic(gw);
        expect((await Promise.all([t.read(), t.graphql()])).map((r) => r.status)).toEqual([200, 200]);
        expect((await t.write('delayed')).status).toBe(200);
        await gw.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
        const killed = t.answers.length;
        for (let i = 0; i < 3; i++) await Promise.all([t.read(), t.graphql()]);
        await gw.http.get('/health/live').expect(200);
        expect(t.answers.slice(killed).every((a) => a.status === 200 || a.status === 503)).toBe(true);
        expect(t.answers[t.answers.length - 1].status).toBe(200);
        await t.expectRecovered(2000, 'delayed');
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

    // The tests run as root, which file modes do not stop: the store is made read-only from inside
    // SQLite (query_only: SQLITE_READONLY) and, where the host allows it, by making its files
    // immutable (chattr +i: writes fail with SQLITE_IOERR_WRITE, as on a filesystem gone read-only).
    const files = (gw: TestGateway) => ['gateway.sqlite', 'gateway.sqlite-wal'].map((f) => join(gw.dataDir, f));
    const readOnly: Array<[string, (gw: TestGateway) => Promise<unknown> | void, (gw: TestGateway) => Promise<unknown> | void]> = [
      ['read-only (query_only)', (gw) => gw.dataSource.query('PRAGMA query_only = ON'), (gw) => gw.dataSource.query('PRAGMA query_only = OFF')],
    ];
    if (immutableFilesSupported()) {
      readOnly.push([
        'files immutable (chattr +i)',
        (gw) => {
          execFileSync('chattr', ['+i', ...files(gw)]);
        },
        (gw) => {
          execFileSync('chattr', ['-i', ...files(gw)]);
        },
      ]);
    }
    it('SQLite read-only (query_only): not ready before any request has failed (readiness probes a write)', async () => {
      const gw = await TestGateway.start();
      let writable = true;
      try {
        await gw.http.get('/health/ready').expect(200);
        await gw.dataSource.query('PRAGMA query_only = ON');
        writable = false;
        // A successful probe is reused for a second; the next one finds the store read-only.
        const notReady = await readinessWithin(gw, 503, 2500);
        expect(notReady.status).toBe(503);
        await gw.dataSource.query('PRAGMA query_only = OFF');
        writable = true;
        await gw.http.get('/health/ready').expect(200);
      } finally {
        if (!writable) await gw.dataSource.query('PRAGMA query_only = OFF');
        await gw.stop();
      }
    });

    for (const [name, makeReadOnly, makeWritable] of readOnly) {
      it(`SQLite ${name}: reads and writes 503 without data, not ready, alive, back once writable`, async () => {
        const gw = await TestGateway.start();
        let writable = true;
        try {
          const t = await traffic(gw);
          expect((await t.read()).status).toBe(200);
          expect((await t.write('delayed')).status).toBe(200);

          await makeReadOnly(gw);
          writable = false;
          // Every read writes its audit event, so reads are refused as well as writes.
          const [read, write, graphql] = await Promise.all([t.read(), t.write('delivered'), t.graphql()]);
          expectUnavailable(read);
          expectUnavailable(write);
          expectGraphqlUnavailable(graphql);
          await gw.http.get('/health/ready').expect(503);
          await gw.http.get('/health/live').expect(200);

          await makeWritable(gw);
          writable = true;
          await t.expectRecovered(5000, 'delayed');
        } finally {
          if (!writable) await makeWritable(gw);
          await gw.stop();
        }
      });
    }
  }
});

/** Polls /health/ready until it answers `status` or `withinMs` pass; returns the last status and the time taken. */
async function readinessWithin(gw: TestGateway, status: number, withinMs: number): Promise<{ status: number; elapsedMs: number }> {
  const started = Date.now();
  for (;;) {
    const res = await gw.http.get('/health/ready');
    if (res.status === status || Date.now() - started > withinMs) return { status: res.status, elapsedMs: Date.now() - started };
    await new Promise((r) => setTimeout(r, 100));
  }
}
