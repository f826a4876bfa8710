import { ReplicaPair } from './support/replica-pair';
import { WebhookReceiver } from './support/webhook-receiver';

const NORTHWIND = { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' };
const ADMIN = { roles: ['admin'] };
const EVENTS = 24;
/** A gateway process transpiles its sources when it starts: slow on a busy machine. */
const STARTUP_MS = 180_000;

async function eventually<T>(read: () => Promise<T>, holds: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (holds(value)) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Two gateway processes poll one delivery queue on one PostgreSQL database: each event reaches the
 * receiver once (claims use FOR UPDATE SKIP LOCKED), and what one replica queued the other may
 * deliver, also after the first is gone.
 */
describe('webhook deliveries across replicas (two processes, one PostgreSQL)', () => {
  let pair: ReplicaPair;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await WebhookReceiver.start();
    pair = await ReplicaPair.start(
      {
        WEBHOOK_ALLOW_PRIVATE: 'true',
        WEBHOOK_POLL_MS: '20',
        WEBHOOK_BACKOFF_BASE_MS: '20',
        WEBHOOK_BACKOFF_MAX_MS: '100',
        REDIS_KEY_PREFIX: 'gw-n2-webhooks:',
      },
      STARTUP_MS,
    );
  }, 2 * STARTUP_MS);
  afterAll(async () => {
    await pair?.stop();
    await receiver?.stop();
  });

  it(
    'delivers each event once, whichever replica queued it, and the survivor delivers what a stopped replica queued',
    async () => {
      const partner = await pair.token(NORTHWIND, 'planner');
      const admin = await pair.token(ADMIN, 'orchestrator');
      const created = await pair.call(pair.a, '/api/v1/me/webhooks', partner, {
        method: 'POST',
        body: JSON.stringify({ url: receiver.url, events: ['demand.updated'] }),
      });
      expect(created.status).toBe(201);
      const { id, secret } = ((await created.json()) as { data: { id: string; secret: string } }).data;

      // Both replicas poll while changes are written on both, concurrently.
      const writes = Array.from({ length: EVENTS }, (_, i) =>
        pair.call(i % 2 === 0 ? pair.a : pair.b, '/api/v1/demand-signals', admin, {
          method: 'POST',
          body: JSON.stringify({
            id: `ds-rep-${i}`,
            sku: 'SKU-100',
            productFamily: 'Drive Units',
            site: 'DC-EU-NORTH',
            region: 'NORDICS',
            periodStart: '2026-04-01',
            forecastQty: i,
            orderedQty: i,
            unitPrice: 1,
            customerName: 'Hooli AB',
            marginPct: 1,
          }),
        }),
      );
      expect((await Promise.all(writes)).map((r) => r.status)).toEqual(Array(EVENTS).fill(201));
      await receiver.waitFor(EVENTS);
      const settled = async () =>
        (await pair.pg.query<{ status: string; n: string }>('SELECT status, COUNT(*) AS n FROM webhook_deliveries GROUP BY status')).rows;
      await eventually(settled, (rows) => rows.length === 1 && rows[0].status === 'delivered' && Number(rows[0].n) === EVENTS);

      // Replica B is stopped; what is queued through it from now on waits for A's worker.
      await pair.b.stop();
      const late = await pair.call(pair.a, '/api/v1/demand-signals', admin, {
        method: 'POST',
        body: JSON.stringify({
          id: 'ds-rep-late',
          sku: 'SKU-200',
          productFamily: 'Drive Units',
          site: 'DC-EU-NORTH',
          region: 'NORDICS',
          periodStart: '2026-04-01',
          forecastQty: 1,
          orderedQty: 1,
          unitPrice: 1,
          customerName: 'Hooli AB',
          marginPct: 1,
        }),
      });
      expect(late.status).toBe(201);
      await receiver.waitFor(EVENTS + 1);
      await eventually(settled, (rows) => rows.length === 1 && Number(rows[0].n) === EVENTS + 1);

      const ids = receiver.received.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toHaveLength(EVENTS + 1);
      const records = receiver.received.map((r) => (WebhookReceiver.verify(secret, r) as { data: { id: string } }).data.id).sort();
      expect(records).toEqual([...Array.from({ length: EVENTS }, (_, i) => `ds-rep-${i}`), 'ds-rep-late'].sort());
      for (const r of receiver.received) expect(r.payload.data).not.toHaveProperty('unitPrice');
      const attempts = await pair.pg.query<{ n: string }>("SELECT COUNT(*) AS n FROM audit_events WHERE operation LIKE 'webhook POST demand.updated%'");
      expect(Number(attempts.rows[0].n)).toBe(EVENTS + 1);
      expect((await pair.pg.query('SELECT 1 FROM webhook_endpoints WHERE id = $1 AND enabled = 1', [id])).rowCount).toBe(1);
    },
    STARTUP_MS,
  );
});
