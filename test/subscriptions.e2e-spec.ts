import { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestGateway } from './support/test-app';

const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
const GLOBEX = { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking' };

/** Live shipment updates over graphql-ws, judged by each subscriber's policy at delivery time. */
describe('shipmentUpdated subscription', () => {
  let gw: TestGateway;
  let url: string;
  const clients: Client[] = [];

  beforeAll(async () => {
    gw = await TestGateway.start();
    await gw.app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(gw.app.getHttpServer().address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => Promise.resolve(c.dispose())));
    await gw.stop();
  });

  async function connect(claims: Parameters<TestGateway['token']>[0] | null): Promise<Client> {
    const token = claims ? await gw.token(claims) : undefined;
    const client = createClient({
      url,
      webSocketImpl: WebSocket,
      connectionParams: token ? { authorization: `Bearer ${token}` } : {},
      retryAttempts: 0,
      lazy: true,
    });
    clients.push(client);
    return client;
  }

  /** Collects what a subscription delivers. */
  function subscribe(client: Client, query: string) {
    const received: Array<{
      data?: Record<string, unknown> | null;
      errors?: ReadonlyArray<{ message: string; path?: readonly (string | number)[]; extensions?: Record<string, unknown> }>;
    }> = [];
    let failure: unknown = null;
    const dispose = client.subscribe(
      { query },
      {
        next: (v) => received.push(v as never),
        error: (e) => {
          failure = e;
        },
        complete: () => undefined,
      },
    );
    return { received, dispose, failure: () => failure };
  }

  const until = async (check: () => boolean, ms = 5000) => {
    const deadline = Date.now() + ms;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
  };

  async function carrierUpdates(id: string, body: object): Promise<void> {
    const token = await gw.token(SWIFTLOG);
    await gw.http.patch(`/api/v1/shipments/${id}`).set('Authorization', `Bearer ${token}`).send(body).expect(200);
  }

  it('delivers each partner only the shipments and fields its policy grants, and audits deliveries', async () => {
    const [toGlobex] = await gw.query<{ id: string }>(
      "SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' AND destination IN ('DC-US-EAST','DC-US-WEST') ORDER BY id LIMIT 1",
    );
    const [notGlobex] = await gw.query<{ id: string }>(
      "SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' AND destination NOT IN ('DC-US-EAST','DC-US-WEST') ORDER BY id LIMIT 1",
    );
    const carrier = subscribe(await connect(SWIFTLOG), 'subscription { shipmentUpdated { id status lastLocation freightCost } }');
    const customer = subscribe(await connect(GLOBEX), 'subscription { shipmentUpdated { id status eta freightCost } }');
    await new Promise((r) => setTimeout(r, 300));
    const seq = await gw.headSeq();

    await carrierUpdates(notGlobex.id, { lastLocation: 'Lyon' });
    await carrierUpdates(toGlobex.id, { status: 'delayed', lastLocation: 'Memphis' });
    await until(() => carrier.received.length >= 2 && customer.received.length >= 1);
    await new Promise((r) => setTimeout(r, 200));

    expect(carrier.received.map((r) => (r.data!.shipmentUpdated as { id: string }).id)).toEqual([notGlobex.id, toGlobex.id]);
    expect(carrier.received[1].data!.shipmentUpdated).toMatchObject({ status: 'delayed', lastLocation: 'Memphis' });
    expect(typeof (carrier.received[1].data!.shipmentUpdated as { freightCost: unknown }).freightCost).toBe('number');

    expect(customer.received).toHaveLength(1);
    expect(customer.received[0].data!.shipmentUpdated).toMatchObject({ id: toGlobex.id, status: 'delayed', freightCost: null });
    expect(customer.received[0].errors![0]).toMatchObject({ path: ['shipmentUpdated', 'freightCost'], extensions: { code: 'FORBIDDEN_FIELD' } });

    const deliveries = (await gw.auditSince(seq)).filter((e) => String(e.operation).includes('delivery'));
    expect(deliveries.map((e) => `${e.actor_partner_id}:${JSON.parse(String(e.resource_ids))[0]}`).sort()).toEqual(
      [`carrier-swiftlog:${notGlobex.id}`, `carrier-swiftlog:${toGlobex.id}`, `customer-globex:${toGlobex.id}`].sort(),
    );
    carrier.dispose();
    customer.dispose();
  });

  it('applies a policy change to an open subscription', async () => {
    const [toGlobex] = await gw.query<{ id: string }>(
      "SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' AND destination IN ('DC-US-EAST','DC-US-WEST') ORDER BY id LIMIT 1",
    );
    const customer = subscribe(await connect(GLOBEX), `subscription { shipmentUpdated(filter: { shipmentId: "${toGlobex.id}" }) { id status eta } }`);
    await new Promise((r) => setTimeout(r, 300));
    await carrierUpdates(toGlobex.id, { status: 'in_transit' });
    await until(() => customer.received.length >= 1);
    expect(customer.received).toHaveLength(1);

    const gov = await gw.token({ roles: ['governance'] });
    const current = (await gw.http.get('/api/v1/policies/customer-globex').set('Authorization', `Bearer ${gov}`).expect(200)).body.data.document;
    const revoked = { ...current, rules: current.rules.filter((r: { subject: string }) => r.subject !== 'Shipment'), tests: [] };
    await gw.http.put('/api/v1/policies/customer-globex').set('Authorization', `Bearer ${gov}`).send(revoked).expect(200);

    await carrierUpdates(toGlobex.id, { status: 'delayed' });
    await new Promise((r) => setTimeout(r, 500));
    expect(customer.received).toHaveLength(1);
    customer.dispose();
  });

  it('refuses a connection without a valid token, and applies the query limits', async () => {
    const anonymous = subscribe(await connect(null), 'subscription { shipmentUpdated { id } }');
    await until(() => anonymous.failure() !== null);
    expect(anonymous.failure()).not.toBeNull();
    // Over the token limit (GRAPHQL_MAX_TOKENS, 2000 by default): refused before parsing completes.
    const huge = subscribe(await connect(SWIFTLOG), `subscription { shipmentUpdated { ${'id '.repeat(2100)} } }`);
    await until(() => huge.failure() !== null || huge.received.length > 0);
    const failure = huge.failure() as Array<{ message: string }> | null;
    expect(JSON.stringify(failure)).toMatch(/more that 2000 tokens/);
    expect(huge.received).toHaveLength(0);
  });
});

describe('graphql-ws serves subscriptions only, for as long as the token lives', () => {
  let gw: TestGateway;
  let url: string;
  beforeAll(async () => {
    gw = await TestGateway.start();
    await gw.app.listen(0, '127.0.0.1');
    url = `ws://127.0.0.1:${(gw.app.getHttpServer().address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('refuses a query sent over the socket, audited, with no data', async () => {
    const token = await gw.token({ roles: ['admin'] });
    const client = createClient({ url, webSocketImpl: WebSocket, connectionParams: { authorization: `Bearer ${token}` }, retryAttempts: 0, lazy: true });
    const seq = await gw.headSeq();
    const outcome = await new Promise<{ data?: unknown; error?: unknown }>((resolve) => {
      client.subscribe(
        { query: '{ shipments { nodes { id freightCost } } }' },
        {
          next: (v) => resolve({ data: v }),
          error: (e) => resolve({ error: e }),
          complete: () => resolve({}),
        },
      );
    });
    await client.dispose();
    expect(outcome.data).toBeUndefined();
    expect(JSON.stringify(outcome.error)).toMatch(/Only subscriptions/);
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ decision: 'deny', transport: 'graphql' });
  });

  it('closes the connection when the token expires', async () => {
    const token = await gw.token({ roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution', ttl: 2 });
    const closed = new Promise<number>((resolve) => {
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        on: { closed: (event) => resolve((event as { code: number }).code) },
      });
      client.subscribe({ query: 'subscription { shipmentUpdated { id } }' }, { next: () => undefined, error: () => undefined, complete: () => undefined });
    });
    expect(await closed).toBe(4401);
  });
});
