import type { AddressInfo } from 'node:net';
import { createGatewayClient, GatewayProblem, unwrap } from '../client';
import { forecastBySku, pullDemand } from '../client/examples/supplier-pull-demand';
import { pushBatch } from '../client/examples/carrier-push-batch';
import { NORTHWIND, SWIFTLOG } from './support/contract';
import { TestGateway } from './support/test-app';

/** The typed client (client/) and its example integrations, against a started gateway over HTTP. */
describe('typed client: example integrations', () => {
  let gw: TestGateway;
  let baseUrl: string;
  beforeAll(async () => {
    gw = await TestGateway.start();
    const server = gw.app.getHttpServer() as import('node:http').Server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** A fetch that counts the requests the client sends. */
  const counting = () => {
    const sent: string[] = [];
    const fetcher = ((input: Request) => {
      sent.push(`${input.method} ${new URL(input.url).pathname}${new URL(input.url).search}`);
      return fetch(input);
    }) as typeof fetch;
    return { sent, fetcher };
  };

  it('a supplier pulls every page of its demand: the same rows as one large page, one request per page', async () => {
    const { sent, fetcher } = counting();
    const client = createGatewayClient({ baseUrl, token: () => gw.token(NORTHWIND), purpose: 'replenishment-planning', fetch: fetcher });
    const rows = await pullDemand(client, 2);
    const whole = unwrap(await client.GET('/api/v1/demand-signals', { params: { query: { fields: 'id,sku,periodStart,forecastQty', limit: 1000 } } }));
    expect(whole.meta.nextCursor).toBeNull();
    expect(whole.data.length).toBeGreaterThan(2);
    expect(rows.map((r) => r.id)).toEqual(whole.data.map((r) => r.id));
    expect(sent.filter((s) => s.startsWith('GET /api/v1/demand-signals?')).length).toBe(Math.ceil(rows.length / 2) + 1);
    const totals = forecastBySku(rows);
    expect(Object.keys(totals).sort()).toEqual([...new Set(whole.data.map((r) => r.sku))].sort());
  });

  it('a carrier pushes a batch: accepted, replayed as first answered with its key, and a new batch under a new key', async () => {
    const client = createGatewayClient({ baseUrl, token: () => gw.token(SWIFTLOG), purpose: 'shipment-execution' });
    const first = await pushBatch(client, 'shp-0001', 'client-example-1');
    expect(first.accepted).toBe(2);
    expect(first.results.map((r) => r.outcome)).toEqual(['accepted', 'accepted']);
    const replay = await client.POST('/api/v1/shipment-events:batch', {
      params: { header: { 'Idempotency-Key': 'client-example-1' } },
      body: {
        events: [
          { eventId: 'client-example-1-1', shipmentId: 'shp-0001', status: 'picked_up', occurredAt: '2026-12-02T06:00:00.000Z', location: 'PLANT-DE-1' },
          { eventId: 'client-example-1-2', shipmentId: 'shp-0001', status: 'in_transit', occurredAt: '2026-12-02T09:30:00.000Z', location: 'Hamburg hub' },
        ],
      },
    });
    expect(replay.response.headers.get('Idempotent-Replayed')).toBe('true');
    const [row] = await gw.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM shipment_events WHERE shipment_id = ? AND recorded_by = ?', [
      'shp-0001',
      'carrier-swiftlog',
    ]);
    const again = await pushBatch(client, 'shp-0001', 'client-example-2');
    expect(again.accepted).toBe(2); // new event ids under a new key
    const [after] = await gw.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM shipment_events WHERE shipment_id = ? AND recorded_by = ?', [
      'shp-0001',
      'carrier-swiftlog',
    ]);
    expect(Number(after.n)).toBe(Number(row.n) + 2);
  });

  it('a refusal surfaces as a GatewayProblem with its stable code', async () => {
    const client = createGatewayClient({ baseUrl, token: () => gw.token(SWIFTLOG), purpose: 'shipment-execution' });
    const answer = await client.GET('/api/v1/shipments/{id}', { params: { path: { id: 'no-such-shipment' } } });
    expect(answer.error?.code).toBe('NOT_FOUND');
    expect(() => unwrap(answer)).toThrow(GatewayProblem);
  });
});
