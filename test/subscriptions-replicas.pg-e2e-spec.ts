import { randomBytes } from 'node:crypto';
import { Client as WsClient, createClient } from 'graphql-ws';
import { Client } from 'pg';
import WebSocket from 'ws';
import { GatewayProcess } from './support/gateway-process';
import { ReplicaPair } from './support/replica-pair';

const SWIFTLOG = { roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' };
const GLOBEX = { roles: ['partner'], partner_id: 'customer-globex', purpose: 'delivery-tracking' };
const NORTHWIND = { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' };
const ACME = { roles: ['partner'], partner_id: 'supplier-acme', purpose: 'replenishment-planning' };

type Delivery = {
  data?: { shipmentUpdated?: Record<string, unknown> | null } | null;
  errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
};

/**
 * Live shipment updates across replicas: a carrier's event written on replica A reaches a
 * subscriber connected to replica B (through Redis pub/sub), judged on B by the subscriber's
 * policy in force at delivery, and audited on the one shared chain.
 */
describe('shipmentUpdated across replicas (two processes, one PostgreSQL, one Redis)', () => {
  let pair: ReplicaPair;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let pg: Client;
  const clients: WsClient[] = [];
  // A shipment of this run only: Redis pub/sub channels are global to the Redis server, so other
  // gateways on it (parallel test runs) may announce changes of the demo shipments, never of this one.
  const shipmentId = `shp-subs-${process.pid}-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    pair = await ReplicaPair.start();
    ({ a, b, pg } = pair);
    // Shipped by Northwind, carried by SwiftLog, delivered to a Globex site; Acme has no part in it.
    const admin = await token({ roles: ['admin'] }, 'orchestrator');
    const created = await call(a, '/api/v1/shipments', admin, {
      method: 'POST',
      body: JSON.stringify({
        id: shipmentId,
        reference: `ASN-SUBS-${process.pid}`,
        carrierId: 'carrier-swiftlog',
        shipperId: 'supplier-northwind',
        origin: 'PLANT-DE-1',
        destination: 'DC-US-EAST',
        sku: 'SKU-100',
        quantity: 12,
        status: 'planned',
        freightCost: 1234.5,
      }),
    });
    expect(created.status).toBe(201);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => Promise.resolve(c.dispose())));
    await pair?.stop();
  });

  const token = (claims: Record<string, unknown>, sub?: string) => pair.token(claims, sub);
  const call = (gw: GatewayProcess, path: string, tok: string, init?: RequestInit) => pair.call(gw, path, tok, init);

  /** Subscribes on `gw` and resolves once the subscription is in place (its opening audit event is committed). */
  async function subscribe(gw: GatewayProcess, claims: Record<string, unknown>, selection: string) {
    const client = createClient({
      url: `ws://127.0.0.1:${gw.port}/graphql`,
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      lazy: true,
      connectionParams: { authorization: `Bearer ${await token(claims, `user@${String(claims.partner_id)}`)}` },
    });
    clients.push(client);
    const received: Delivery[] = [];
    let failure: unknown = null;
    const seq = await headSeq();
    client.subscribe(
      { query: `subscription { shipmentUpdated(filter: { shipmentId: "${shipmentId}" }) { ${selection} } }` },
      {
        next: (v) => received.push(v as Delivery),
        error: (e) => {
          failure = e;
        },
        complete: () => undefined,
      },
    );
    // The resolver commits 'graphql subscription shipmentUpdated' before it starts listening for changes.
    await until(
      async () =>
        failure !== null ||
        (
          await pg.query("SELECT 1 FROM audit_events WHERE seq > $1 AND operation = 'graphql subscription shipmentUpdated' AND actor_partner_id = $2", [
            seq,
            claims.partner_id,
          ])
        ).rowCount === 1,
    );
    expect(failure).toBeNull();
    // Between that commit and the first wait on the change emitter lie only a few microtasks.
    await new Promise((r) => setTimeout(r, 100));
    return { received, failure: () => failure, updates: () => received.map((r) => r.data?.shipmentUpdated ?? null) };
  }

  async function until(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms\nA:\n${a.log}\nB:\n${b.log}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const headSeq = async () => Number((await pg.query('SELECT seq FROM audit_head WHERE id = 1')).rows[0].seq);

  const deliveriesSince = async (seq: number) =>
    (
      await pg.query(
        "SELECT actor_partner_id, resource_ids, fields_returned, fields_denied, policy_version, decision FROM audit_events WHERE seq > $1 AND operation = 'graphql subscription shipmentUpdated delivery' ORDER BY seq",
        [seq],
      )
    ).rows as Array<{
      actor_partner_id: string;
      resource_ids: string;
      fields_returned: string;
      fields_denied: string;
      policy_version: number;
      decision: string;
    }>;

  /** The carrier records a tracking event on replica A; returns its occurredAt (the shipment's new lastEventAt). */
  async function carrierEvent(status: string, location: string): Promise<string> {
    const occurredAt = new Date().toISOString();
    const res = await call(a, `/api/v1/shipments/${shipmentId}/events`, await token(SWIFTLOG, 'dispatcher@swiftlog'), {
      method: 'POST',
      body: JSON.stringify({ eventId: `subs-${randomBytes(4).toString('hex')}`, status, occurredAt, location }),
    });
    expect(res.status).toBe(201);
    return occurredAt;
  }

  let globex: Awaited<ReturnType<typeof subscribe>>;
  let northwind: Awaited<ReturnType<typeof subscribe>>;
  let acme: Awaited<ReturnType<typeof subscribe>>;

  it('delivers an event written on A to entitled subscribers on B, with only the fields each may read, audited', async () => {
    globex = await subscribe(b, GLOBEX, 'id status lastEventAt lastLocation freightCost');
    northwind = await subscribe(b, NORTHWIND, 'id status lastEventAt lastLocation freightCost');
    acme = await subscribe(b, ACME, 'id status lastEventAt');
    const seq = await headSeq();

    const occurredAt = await carrierEvent('delayed', 'Memphis hub');
    await until(() => globex.received.length >= 1 && northwind.received.length >= 1);
    // Acme's subscription sits on the same process and sees the same notice; give it time to answer.
    await new Promise((r) => setTimeout(r, 500));

    // Globex (destination is its site) reads status, never the location or the carrier's cost.
    expect(globex.received).toHaveLength(1);
    expect(globex.updates()[0]).toEqual({ id: shipmentId, status: 'delayed', lastEventAt: occurredAt, lastLocation: null, freightCost: null });
    expect(globex.received[0].errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort()).toEqual([
      ['shipmentUpdated.freightCost', 'FORBIDDEN_FIELD'],
      ['shipmentUpdated.lastLocation', 'FORBIDDEN_FIELD'],
    ]);
    // Northwind (the shipper) reads the location too, but not the freight cost.
    expect(northwind.received).toHaveLength(1);
    expect(northwind.updates()[0]).toEqual({ id: shipmentId, status: 'delayed', lastEventAt: occurredAt, lastLocation: 'Memphis hub', freightCost: null });
    expect(northwind.received[0].errors?.map((e) => [e.path?.join('.'), e.extensions?.code])).toEqual([['shipmentUpdated.freightCost', 'FORBIDDEN_FIELD']]);
    // Acme neither ships, carries nor receives it: nothing.
    expect(acme.received).toEqual([]);
    expect(acme.failure()).toBeNull();

    // One delivery event per delivered update, on the chain both replicas write ('partial': fields
    // were withheld); none for Acme.
    const deliveries = await deliveriesSince(seq);
    expect(deliveries.map((d) => `${d.actor_partner_id}:${JSON.parse(d.resource_ids).join(',')}:${d.decision}`).sort()).toEqual([
      `customer-globex:${shipmentId}:partial`,
      `supplier-northwind:${shipmentId}:partial`,
    ]);
    const globexEvent = deliveries.find((d) => d.actor_partner_id === 'customer-globex')!;
    expect(JSON.parse(globexEvent.fields_returned)).toEqual(expect.arrayContaining(['id', 'status', 'lastEventAt']));
    expect(JSON.parse(globexEvent.fields_returned)).not.toContain('lastLocation');
    expect(JSON.parse(globexEvent.fields_denied).sort()).toEqual(['freightCost', 'lastLocation']);
    const verify = await (await call(a, '/api/v1/audit-events/verify', await token({ roles: ['auditor'] }))).json();
    expect(verify).toMatchObject({ ok: true });
  });

  it('withholds the next update from a subscriber on B once its policy is revoked on A', async () => {
    const gov = await token({ roles: ['governance'] }, 'officer');
    const current = await (await call(a, '/api/v1/policies/customer-globex', gov)).json();
    const revoked = { ...current.data.document, rules: current.data.document.rules.filter((r: { subject: string }) => r.subject !== 'Shipment'), tests: [] };
    const put = await call(a, '/api/v1/policies/customer-globex', gov, { method: 'PUT', body: JSON.stringify(revoked) });
    expect(put.status).toBe(200);
    const seq = await headSeq();

    const occurredAt = await carrierEvent('in_transit', 'Nashville');
    // The notice did reach B: Northwind, still entitled, gets this update ...
    await until(() => northwind.received.length >= 2);
    expect(northwind.updates()[1]).toMatchObject({ id: shipmentId, status: 'in_transit', lastEventAt: occurredAt, lastLocation: 'Nashville' });
    await new Promise((r) => setTimeout(r, 500));
    // ... while Globex, on the same process, gets nothing more, and its subscription is not broken.
    expect(globex.received).toHaveLength(1);
    expect(globex.failure()).toBeNull();
    expect(acme.received).toEqual([]);
    const deliveries = await deliveriesSince(seq);
    expect(deliveries.map((d) => d.actor_partner_id)).toEqual(['supplier-northwind']);
  });
});
