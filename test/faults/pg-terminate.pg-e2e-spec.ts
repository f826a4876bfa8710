import { Client } from 'pg';
import { createDatabaseBeside } from '../support/database';
import { FaultGateway } from '../support/fault-gateway';

const KILLS = 40;
const WRITERS = 4;

/**
 * PostgreSQL sessions ended under load (a failover, PgBouncer or an idle-session reaper does this):
 * every connection of the gateway's database is terminated again and again while partners read and
 * write. The process must live, no answer may be a 500, a write answered 2xx must be committed, a
 * write answered 503 resolves by retrying with its Idempotency-Key, and the audit chain verifies.
 */
describe('faults: PostgreSQL sessions terminated under load', () => {
  let db: { url: string; drop(): Promise<void> };
  let gw: FaultGateway;
  let admin: Client;

  beforeAll(async () => {
    db = await createDatabaseBeside(process.env.DATABASE_URL!, 'gw_fault');
    gw = await FaultGateway.start({ DATABASE_URL: db.url, DB_POOL_MAX: '6' });
    admin = new Client({ connectionString: db.url });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    await admin?.end();
    await gw?.stop();
    await db?.drop();
  });

  it('lives, answers 503 (never 500) while sessions die, keeps every acknowledged write, and the chain verifies', async () => {
    const reader = await gw.token({ roles: ['partner'], partner_id: 'supplier-acme', purpose: 'replenishment-planning' });
    const carrier = await gw.token({ roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const supplier = await gw.token({ roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'capacity-planning' });
    const graphqlReader = await gw.token({ roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    const auditor = await gw.token({ roles: ['auditor'] }, 'auditor');
    const { rows: carried } = await admin.query("SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' ORDER BY id LIMIT $1", [WRITERS]);
    expect(carried).toHaveLength(WRITERS);

    const statuses: number[] = [];
    const acknowledged: Array<{ status: number; requestId: string | null }> = [];
    let stop = false;
    let lastKillAt = 0;
    let firstServedAfterLastKill = 0;
    const note = (r: { status: number; requestId: string | null }) => {
      statuses.push(r.status);
      if (r.status >= 200 && r.status < 300) {
        acknowledged.push(r);
        if (lastKillAt && !firstServedAfterLastKill) firstServedAfterLastKill = Date.now();
      }
    };
    /** Sends a write until it is acknowledged, always with the same key, as a partner's client does. */
    const untilAcknowledged = async (send: () => ReturnType<FaultGateway['call']>) => {
      for (let attempt = 0; ; attempt++) {
        const r = await send();
        note(r);
        if (r.status !== 503 && r.status !== 0) return r;
        if (attempt > 200) throw new Error(`write never acknowledged (last ${r.status}, process alive: ${gw.alive}):\n${gw.process.log.slice(-3000)}`);
        await new Promise((res) => setTimeout(res, 50));
      }
    };

    const lastLocation = new Map<string, string>();
    const capacityKeys: string[] = [];
    const writer = async (w: number) => {
      const shipment = carried[w].id as string;
      for (let i = 0; !stop; i++) {
        const location = `Fault hub ${w}-${i}`;
        const patched = await untilAcknowledged(() =>
          gw.call(`/api/v1/shipments/${shipment}`, carrier, {
            method: 'PATCH',
            headers: { 'idempotency-key': `patch-${w}-${i}` },
            body: JSON.stringify({ lastLocation: location }),
          }),
        );
        if (patched.status !== 200) return;
        lastLocation.set(shipment, location);
        if (w % 2 === 0) {
          const key = `cap-${w}-${i}`;
          const created = await untilAcknowledged(() =>
            gw.call('/api/v1/capacity-signals', supplier, {
              method: 'POST',
              headers: { 'idempotency-key': key },
              body: JSON.stringify({ site: key, sku: 'SKU-100', periodStart: '2026-12-01', availableQty: i, riskLevel: 'low' }),
            }),
          );
          if (created.status !== 201) return;
          capacityKeys.push(key);
        }
        await new Promise((res) => setTimeout(res, 40));
      }
    };
    const readerLoop = async () => {
      while (!stop) {
        note(await gw.call('/api/v1/demand-signals?limit=5', reader));
        await new Promise((res) => setTimeout(res, 20));
      }
    };

    const graphqlCodes: string[] = [];
    const graphqlLoop = async () => {
      while (!stop) {
        const r = await gw.call('/graphql', graphqlReader, { method: 'POST', body: JSON.stringify({ query: '{ demandSignals(first: 5) { nodes { id } } }' }) });
        note(r);
        for (const e of (r.body?.errors ?? []) as Array<{ extensions?: { code?: string } }>) graphqlCodes.push(String(e.extensions?.code));
        await new Promise((res) => setTimeout(res, 20));
      }
    };

    const killer = async () => {
      let terminated = 0;
      for (let k = 0; k < KILLS; k++) {
        await new Promise((res) => setTimeout(res, 80 + (k % 5) * 30));
        const { rowCount } = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
        );
        terminated += rowCount ?? 0;
        lastKillAt = Date.now();
        firstServedAfterLastKill = 0;
      }
      // Traffic goes on until it is served again after the last kill.
      for (let i = 0; i < 100 && !firstServedAfterLastKill; i++) await new Promise((res) => setTimeout(res, 50));
      await new Promise((res) => setTimeout(res, 300));
      stop = true;
      return terminated;
    };

    const [terminated] = await Promise.all([killer(), ...Array.from({ length: WRITERS }, (_, w) => writer(w)), readerLoop(), graphqlLoop()]);

    const count = (s: number) => statuses.filter((x) => x === s).length;
    process.stdout.write(
      `pg-terminate: ${KILLS} rounds ended ${terminated} sessions; ${statuses.length} answers: ` +
        `${count(200) + count(201)} 2xx, ${count(503)} 503, ${count(500)} 500, ${count(0)} no answer, ${graphqlCodes.length} GraphQL errors; ` +
        `first 2xx ${firstServedAfterLastKill ? firstServedAfterLastKill - lastKillAt : 'n/a'} ms after the last kill\n`,
    );

    if (!gw.alive || statuses.some((s) => ![200, 201, 503].includes(s))) process.stdout.write(`gateway log (end):\n${gw.process.log.slice(-4000)}\n`);
    expect(terminated).toBeGreaterThan(KILLS);
    expect(gw.alive).toBe(true);
    expect(statuses.filter((s) => ![200, 201, 503].includes(s))).toEqual([]);
    expect(graphqlCodes.filter((c) => c !== 'SERVICE_UNAVAILABLE')).toEqual([]);
    expect(gw.process.log).not.toMatch(/AlreadyReleasedError|Unhandled 'error' event|uncaughtException/);

    // Every acknowledged request committed its audit event, and every acknowledged write is there.
    const ids = acknowledged.map((a) => a.requestId);
    const { rows: logged } = await admin.query('SELECT request_id FROM audit_events WHERE request_id = ANY($1)', [ids]);
    expect(new Set(logged.map((r) => r.request_id)).size).toBe(new Set(ids).size);
    for (const [shipment, location] of lastLocation) {
      const {
        rows: [row],
      } = await admin.query('SELECT last_location FROM shipments WHERE id = $1', [shipment]);
      expect(row.last_location).toBe(location);
    }
    // A capacity signal whose first answer was lost was created once, not once per retry.
    const { rows: created } = await admin.query('SELECT site, COUNT(*)::int AS n FROM capacity_signals WHERE site = ANY($1) GROUP BY site', [capacityKeys]);
    expect(created.map((r) => [r.site, r.n]).sort()).toEqual(capacityKeys.map((k) => [k, 1]).sort());

    const verify = await gw.call('/api/v1/audit-events/verify', auditor);
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true });
    expect((await gw.call('/api/v1/demand-signals?limit=1', reader)).status).toBe(200);
  });
});
