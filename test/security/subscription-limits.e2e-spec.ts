import { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { ShipmentChanges } from '../../src/logistics/shipment-changes.service';
import { TestGateway } from '../support/test-app';

const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
const GLOBEX = { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking' };
const GLOBEX_SITES = "('DC-US-EAST','DC-US-WEST')";

type Received = {
  data?: Record<string, unknown> | null;
  errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
};
type ErrorList = Array<{ message: string; extensions?: Record<string, unknown> }>;

const until = async (check: () => boolean | Promise<boolean>, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
};

/** A live gateway over WebSocket, with helpers to subscribe and to read the audit. */
async function liveGateway(overrides: Record<string, string>) {
  const gw = await TestGateway.start(overrides);
  await gw.app.listen(0, '127.0.0.1');
  const url = `ws://127.0.0.1:${(gw.app.getHttpServer().address() as AddressInfo).port}/graphql`;
  const clients: Client[] = [];
  const connect = async (claims: Parameters<TestGateway['token']>[0]) => {
    const token = await gw.token(claims);
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    clients.push(client);
    return client;
  };
  const subscribe = (client: Client, query: string) => {
    const received: Received[] = [];
    let failure: ErrorList | null = null;
    let completed = false;
    const dispose = client.subscribe(
      { query },
      {
        next: (v) => received.push(v as Received),
        error: (e) => {
          failure = e as ErrorList;
        },
        complete: () => {
          completed = true;
        },
      },
    );
    return { received, dispose, failure: () => failure, completed: () => completed };
  };
  /** Subscriptions accepted so far (each is audited when it starts). */
  const accepted = async (partner: string) => {
    const [row] = await gw.query<{ n: string | number }>(
      "SELECT COUNT(*) AS n FROM audit_events WHERE operation = 'graphql subscription shipmentUpdated' AND decision = 'allow' AND actor_partner_id = ?",
      [partner],
    );
    return Number(row.n);
  };
  const close = async () => {
    await Promise.all(clients.map((c) => Promise.resolve(c.dispose())));
    await gw.stop();
  };
  return { gw, connect, subscribe, accepted, close };
}

/**
 * Counts the statements that read the shipments table for the governed row read (`FROM shipments t`),
 * at the driver: SQLite's one query runner, or PostgreSQL's pool (governed reads run on the pool).
 */
function countShipmentReads(gw: TestGateway): { count(): number; stop(): void } {
  let n = 0;
  const note = (text: unknown) => {
    const sql = typeof text === 'string' ? text : ((text as { text?: string } | null)?.text ?? '');
    if (/FROM shipments t WHERE/.test(sql)) n++;
  };
  const target =
    gw.dialect === 'postgres'
      ? (gw.dataSource.driver as unknown as { master: { query: (...a: unknown[]) => unknown } }).master
      : (gw.dataSource.createQueryRunner() as unknown as { query: (...a: unknown[]) => unknown });
  const original = target.query;
  target.query = function (this: unknown, ...args: unknown[]) {
    note(args[0]);
    return original.apply(this, args);
  };
  return {
    count: () => n,
    stop: () => {
      target.query = original;
    },
  };
}

describe('live subscriptions: limits per connection and per partner', () => {
  let live: Awaited<ReturnType<typeof liveGateway>>;
  beforeAll(async () => {
    live = await liveGateway({ SUBSCRIPTIONS_MAX_PER_CONNECTION: '2', SUBSCRIPTIONS_MAX_PER_PARTNER: '3' });
  });
  afterAll(async () => {
    await live.close();
  });

  it('refuses the excess with SUBSCRIPTION_LIMIT (audited), per connection and then per partner, and frees a slot on complete', async () => {
    const { gw, connect, subscribe, accepted } = live;
    const seq = await gw.headSeq();
    const one = await connect(GLOBEX);
    const a = subscribe(one, 'subscription { shipmentUpdated { id } }');
    const b = subscribe(one, 'subscription { shipmentUpdated { id status } }');
    await until(async () => (await accepted('customer-globex')) === 2);
    const c = subscribe(one, 'subscription { shipmentUpdated { id eta } }');
    await until(() => c.failure() !== null);
    expect(c.failure()![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_LIMIT', scope: 'connection', limit: 2 });

    // A second connection of the same partner: one more fits (3 per partner), the next does not.
    const two = await connect(GLOBEX);
    const d = subscribe(two, 'subscription { shipmentUpdated { id } }');
    await until(async () => (await accepted('customer-globex')) === 3);
    const e = subscribe(two, 'subscription { shipmentUpdated { id } }');
    await until(() => e.failure() !== null);
    expect(e.failure()![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_LIMIT', scope: 'partner', limit: 3 });
    expect(await accepted('customer-globex')).toBe(3);

    // Another partner has its own count.
    const other = subscribe(await connect(SWIFTLOG), 'subscription { shipmentUpdated { id } }');
    await until(async () => (await accepted('carrier-swiftlog')) === 1);
    expect(other.failure()).toBeNull();

    const refusals = (await gw.auditSince(seq)).filter((ev) => ev.code === 'SUBSCRIPTION_LIMIT');
    expect(refusals).toHaveLength(2);
    for (const r of refusals) expect(r).toMatchObject({ decision: 'deny', status: 429, actor_partner_id: 'customer-globex' });

    // Completing one gives its slot back.
    a.dispose();
    const f = subscribe(two, 'subscription { shipmentUpdated { id } }');
    await until(async () => (await accepted('customer-globex')) === 4 || f.failure() !== null);
    expect(f.failure()).toBeNull();
    expect(await accepted('customer-globex')).toBe(4);
    for (const s of [b, d, f, other]) s.dispose();
  });
});

describe('live subscriptions: scope judged once per change and policy group', () => {
  let live: Awaited<ReturnType<typeof liveGateway>>;
  beforeAll(async () => {
    live = await liveGateway({});
  });
  afterAll(async () => {
    await live.close();
  });

  it('N subscribers of one partner cost one scope read per change, not N; each gets its own fields', async () => {
    const { gw, connect, subscribe, accepted } = live;
    const [inside] = await gw.query<{ id: string }>(`SELECT id FROM shipments WHERE destination IN ${GLOBEX_SITES} ORDER BY id LIMIT 1`);
    const [outside] = await gw.query<{ id: string }>(`SELECT id FROM shipments WHERE destination NOT IN ${GLOBEX_SITES} ORDER BY id LIMIT 1`);
    const N = 6;
    const subs: Array<ReturnType<typeof subscribe>> = [];
    for (let i = 0; i < N; i++) {
      const client = await connect(GLOBEX);
      subs.push(subscribe(client, i % 2 === 0 ? 'subscription { shipmentUpdated { id status } }' : 'subscription { shipmentUpdated { id eta freightCost } }'));
    }
    await until(async () => (await accepted('customer-globex')) === N);
    const changes = gw.app.get(ShipmentChanges);
    // Every subscriber is listening once it has a first delivery.
    changes.publish(inside.id);
    await until(() => subs.every((s) => s.received.length >= 1));
    expect(subs.map((s) => s.received.length)).toEqual(Array(N).fill(1));

    const reads = countShipmentReads(gw);
    try {
      changes.publish(outside.id);
      changes.publish(inside.id);
      // Changes reach a subscriber in order: once all have the second one, the first was judged too.
      await until(() => subs.every((s) => s.received.length >= 2));
    } finally {
      reads.stop();
    }
    expect(subs.map((s) => s.received.length)).toEqual(Array(N).fill(2));
    // One read for the change outside the scope, one for the change inside it: not 2 × N.
    expect(reads.count()).toBe(2);

    subs.forEach((s, i) => {
      const row = s.received[1].data!.shipmentUpdated as Record<string, unknown>;
      if (i % 2 === 0) {
        expect(Object.keys(row).sort()).toEqual(['id', 'status']);
        expect(s.received[1].errors).toBeUndefined();
      } else {
        expect(Object.keys(row).sort()).toEqual(['eta', 'freightCost', 'id']);
        expect(row.freightCost).toBeNull();
        expect(s.received[1].errors![0]).toMatchObject({ path: ['shipmentUpdated', 'freightCost'], extensions: { code: 'FORBIDDEN_FIELD' } });
      }
      expect(row.id).toBe(inside.id);
      s.dispose();
    });
  });
});

describe('live subscriptions: delivery budget per partner', () => {
  let live: Awaited<ReturnType<typeof liveGateway>>;
  beforeAll(async () => {
    live = await liveGateway({ SUBSCRIPTIONS_DELIVERIES_PER_MINUTE: '2' });
  });
  afterAll(async () => {
    await live.close();
  });

  it('ends a subscription over the budget with SUBSCRIPTION_BUDGET_EXCEEDED, audited, rather than dropping silently', async () => {
    const { gw, connect, subscribe, accepted } = live;
    const ids = (await gw.query<{ id: string }>("SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' ORDER BY id LIMIT 3")).map((r) => r.id);
    const sub = subscribe(await connect(SWIFTLOG), 'subscription { shipmentUpdated { id } }');
    await until(async () => (await accepted('carrier-swiftlog')) === 1);
    const seq = await gw.headSeq();
    const changes = gw.app.get(ShipmentChanges);
    for (const id of ids) changes.publish(id);
    await until(() => sub.failure() !== null);
    expect(sub.received.map((r) => (r.data!.shipmentUpdated as { id: string }).id)).toEqual(ids.slice(0, 2));
    expect(sub.failure()![0].extensions).toMatchObject({ code: 'SUBSCRIPTION_BUDGET_EXCEEDED', limit: 2 });
    const events = await gw.auditSince(seq);
    expect(events.filter((e) => String(e.operation).endsWith('delivery')).map((e) => [e.decision, e.code])).toEqual([
      ['allow', null],
      ['allow', null],
      ['deny', 'SUBSCRIPTION_BUDGET_EXCEEDED'],
    ]);
  });
});
