/**
 * A supplier pulls the demand its policy shares with it, page by page (meta.nextCursor), and sums
 * the forecast per SKU.
 *
 *   GATEWAY_URL=http://localhost:3000 GATEWAY_TOKEN=<supplier token> npx ts-node client/examples/supplier-pull-demand.ts
 */
import { createGatewayClient, type DemandSignal, type GatewayClient, unwrap } from '../index';

export async function pullDemand(client: GatewayClient, pageSize = 50): Promise<DemandSignal[]> {
  const rows: DemandSignal[] = [];
  let cursor: string | undefined;
  do {
    const page = unwrap(await client.GET('/api/v1/demand-signals', {
      params: { query: { fields: 'id,sku,periodStart,forecastQty', limit: pageSize, cursor } },
    }));
    rows.push(...page.data);
    cursor = page.meta.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

export function forecastBySku(rows: DemandSignal[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const row of rows) if (row.sku !== undefined) totals[row.sku] = (totals[row.sku] ?? 0) + (row.forecastQty ?? 0);
  return totals;
}

if (require.main === module) {
  const client = createGatewayClient({ baseUrl: process.env.GATEWAY_URL ?? 'http://localhost:3000', token: process.env.GATEWAY_TOKEN ?? '', purpose: 'replenishment-planning' });
  pullDemand(client).then((rows) => console.log(`${rows.length} demand signals`, forecastBySku(rows)), (error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
