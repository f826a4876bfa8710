/**
 * A carrier pushes a batch of tracking events (POST /api/v1/shipment-events:batch): each event is
 * judged alone, and a resent event (same eventId) is a duplicate, so the batch is safe to retry.
 *
 *   GATEWAY_URL=http://localhost:3000 GATEWAY_TOKEN=<carrier token> npx ts-node client/examples/carrier-push-batch.ts shp-0001
 */
import { createGatewayClient, type GatewayClient, type Schemas, unwrap } from '../index';

export type BatchOutcome = Schemas['BatchResult']['results'][number];

export async function pushBatch(client: GatewayClient, shipmentId: string, batchKey: string): Promise<{ results: BatchOutcome[]; accepted: number }> {
  const answer = unwrap(await client.POST('/api/v1/shipment-events:batch', {
    params: { header: { 'Idempotency-Key': batchKey } },
    body: {
      events: [
        { eventId: `${batchKey}-1`, shipmentId, status: 'picked_up', occurredAt: '2026-12-02T06:00:00.000Z', location: 'PLANT-DE-1' },
        { eventId: `${batchKey}-2`, shipmentId, status: 'in_transit', occurredAt: '2026-12-02T09:30:00.000Z', location: 'Hamburg hub' },
      ],
    },
  }));
  return { results: answer.data.results, accepted: answer.meta.accepted ?? 0 };
}

if (require.main === module) {
  const client = createGatewayClient({ baseUrl: process.env.GATEWAY_URL ?? 'http://localhost:3000', token: process.env.GATEWAY_TOKEN ?? '', purpose: 'shipment-execution' });
  pushBatch(client, process.argv[2] ?? 'shp-0001', `push-${Date.now()}`).then(({ results, accepted }) => {
    console.log(`${accepted} accepted`);
    for (const r of results) console.log(r.index, r.outcome, r.code ?? '', r.message ?? '');
  }, (error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
