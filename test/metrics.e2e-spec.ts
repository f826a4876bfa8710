import { validateConfig } from '../src/config/app-config';
import { ADMIN, bearer, gql, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

jest.setTimeout(120_000);

/** Sum of the `_count` series of the HTTP histogram whose labels include every one given. */
function counted(text: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of text.split('\n')) {
    const m = /^gateway_http_request_duration_seconds_count\{(.*)\} (\d+)$/.exec(line);
    if (!m) continue;
    const have = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) total += Number(m[2]);
  }
  return total;
}

describe('metrics', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await TestGateway.start();
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('labels GraphQL requests transport="graphql" with their operation type, REST requests transport="rest"', async () => {
    const before = (await gw.http.get('/metrics').expect(200)).text;
    const queries = 3;
    for (let i = 0; i < queries; i++) expect((await gql(gw, NORTHWIND, '{ demandSignals(first: 1) { nodes { id } } }')).status).toBe(200);
    const mutation = await gql(gw, ADMIN, 'mutation ($input: DemandSignalInput!) { createDemandSignal(input: $input) { id } }', {
      input: {
        id: 'ds-metrics-1',
        sku: 'SKU-M',
        site: 'DC-EU-NORTH',
        region: 'NORDICS',
        periodStart: '2026-02-01',
        forecastQty: 1,
        orderedQty: 1,
        unitPrice: 1,
        customerName: 'X',
        marginPct: 1,
      },
    });
    expect(mutation.errors).toEqual([]);
    // A GraphQL request over GET counts too; a REST read is not a GraphQL request.
    await gw.http
      .get('/graphql')
      .query({ query: 'query Q { demandSignals(first: 1) { nodes { id } } }' })
      .set('Authorization', await bearer(gw, NORTHWIND))
      .set('apollo-require-preflight', 'true')
      .expect(200);
    await gw.http
      .get('/api/v1/demand-signals')
      .set('Authorization', await bearer(gw, NORTHWIND))
      .expect(200);

    const after = (await gw.http.get('/metrics').expect(200)).text;
    const delta = (labels: Record<string, string>) => counted(after, labels) - counted(before, labels);
    expect(delta({ transport: 'graphql', operation_type: 'query' })).toBe(queries + 1);
    expect(delta({ transport: 'graphql', operation_type: 'mutation' })).toBe(1);
    expect(delta({ transport: 'graphql' })).toBe(queries + 2);
    expect(delta({ transport: 'rest', route: 'GET /api/v1/demand-signals' })).toBe(1);
    expect(after).toMatch(
      /^gateway_http_request_duration_seconds_count\{[^}]*transport="graphql"[^}]*route="POST \/graphql"[^}]*operation_type="query"[^}]*\} \d+$/m,
    );
    // REST series carry no operation type.
    expect(after).not.toMatch(/transport="rest"[^}]*operation_type=/);
  });

  it('a GraphQL request refused before its operation is read is labelled operation_type="unknown"', async () => {
    const before = (await gw.http.get('/metrics').expect(200)).text;
    expect((await gql(gw, null, '{ demandSignals(first: 1) { nodes { id } } }')).status).toBe(401);
    const after = (await gw.http.get('/metrics').expect(200)).text;
    expect(
      counted(after, { transport: 'graphql', operation_type: 'unknown', status: '401' }) -
        counted(before, { transport: 'graphql', operation_type: 'unknown', status: '401' }),
    ).toBe(1);
  });

  it('refuses to start in production without METRICS_TOKEN, naming the setting', () => {
    expect(() => validateConfig({ NODE_ENV: 'production' })).toThrow(/METRICS_TOKEN: .*NODE_ENV=production/);
    expect(() => validateConfig({ NODE_ENV: 'production', METRICS_TOKEN: '' })).toThrow(/METRICS_TOKEN/);
    expect(validateConfig({ NODE_ENV: 'production', METRICS_TOKEN: 'metrics-secret-0123456789abcdef' }).METRICS_TOKEN).toBe('metrics-secret-0123456789abcdef');
    expect(() => validateConfig({ NODE_ENV: 'development' })).not.toThrow();
  });

  it('a production gateway answers /metrics only with the token', async () => {
    const secret = 'metrics-secret-0123456789abcdef';
    const prod = await TestGateway.start({ NODE_ENV: 'production', METRICS_TOKEN: secret, SEED_DEMO: 'false' });
    try {
      expect((await prod.http.get('/metrics')).status).toBe(401);
      expect((await prod.http.get('/metrics').set('Authorization', `Bearer ${secret}`)).status).toBe(200);
    } finally {
      await prod.stop();
    }
  });
});
