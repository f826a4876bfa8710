import { parse, visit } from 'graphql';
import { DocumentLimits } from '../../src/transport/graphql/graphql-limits';
import { gql, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { refused } from './support/attack';
import { WsClients } from './support/graphql-ws';

jest.setTimeout(120_000);

/**
 * GraphQL validation cost is linear in the size of the document: a fragment is summarised once
 * however often it is spread, so a small document that spreads fragments into each other (an
 * exponential number of selections asked for) is refused after as many visits as it has
 * selections, with QUERY_TOO_COMPLEX, over HTTP and over graphql-ws alike. Introspection fields
 * count like any other, and the document's size in bytes is bounded before it is parsed.
 */

/** Fragments each spreading the one below `times` times; `leaf` is what the lowest one selects. */
function exponential(type: string, levels: number, times: number, leaf: string): string {
  const fragments = [`fragment F0 on ${type} { ${leaf} }`];
  for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on ${type} { ${` ...F${i - 1}`.repeat(times)} }`);
  return fragments.join(' ');
}

function selections(source: string): number {
  let n = 0;
  visit(parse(source), {
    Field: () => {
      n++;
    },
    InlineFragment: () => {
      n++;
    },
    FragmentSpread: () => {
      n++;
    },
  });
  return n;
}

describe('GraphQL validation cost (NODE_ENV=production)', () => {
  let gw: TestGateway;
  let ws: WsClients;
  let walks: jest.SpyInstance;

  beforeAll(async () => {
    gw = await TestGateway.start({ NODE_ENV: 'production', METRICS_TOKEN: 'metrics-scrape-token-for-tests-0001' });
    ws = await WsClients.listen(gw);
  });
  afterAll(async () => {
    await ws.dispose();
    await gw.stop();
  });
  beforeEach(() => {
    walks = jest.spyOn(DocumentLimits.prototype, 'check');
  });
  afterEach(() => jest.restoreAllMocks());

  /** The selections the limit walk visited for the last document validated. */
  const visits = () => (walks.mock.contexts.at(-1) as DocumentLimits).visits;

  // 3^10 = 59,049 selections of __typename asked for in 32 written; __typename used to count for nothing
  const TYPENAME = `query { ...F10 } ${exponential('Query', 10, 3, '__typename')}`;
  // 4^12 = 16.8 million selections of a data field in under 1 KB
  const FIELDS = `query { shipments(first: 1) { nodes { ...F12 } } } ${exponential('Shipment', 12, 4, 'id status')}`;
  // the widest the token limit (2,000) allows: 8^90 selections
  const WIDEST = `query { ...F90 } ${exponential('Query', 90, 8, '__typename')}`;

  it.each([
    ['10 fragments each spreading the one below 3 times (__typename)', TYPENAME],
    ['12 fragments each spreading the one below 4 times (data fields, under 1 KB)', FIELDS],
    ['90 fragments each spreading the one below 8 times (the most the token limit lets through)', WIDEST],
  ])('HTTP: %s is refused with QUERY_TOO_COMPLEX after at most one visit per written selection', async (_, query) => {
    const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query), 400);
    expect(res.data ?? null).toBeNull();
    expect(res.errors.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['QUERY_TOO_COMPLEX', 'COST_LIMIT']]);
    expect(visits()).toBeLessThanOrEqual(selections(query));
  });

  it('graphql-ws: the same document as a subscription is refused with the same code and limit, audited', async () => {
    const query = `subscription { shipmentUpdated { ...F10 } } ${exponential('Shipment', 10, 3, '__typename')}`;
    const { res } = await refused(gw, () => ws.first(SWIFTLOG, query), 400);
    expect(res.results).toEqual([]);
    expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['QUERY_TOO_COMPLEX', 'COST_LIMIT']]);
    expect(visits()).toBeLessThanOrEqual(selections(query));
  });

  it('graphql-ws: 12 levels of 4 spreads of data fields, refused the same way', async () => {
    const query = `subscription { shipmentUpdated { ...F12 } } ${exponential('Shipment', 12, 4, 'id status')}`;
    const { res } = await refused(gw, () => ws.first(SWIFTLOG, query), 400);
    expect(res.errors?.map((e) => e.extensions?.code)).toEqual(['QUERY_TOO_COMPLEX']);
    expect(visits()).toBeLessThanOrEqual(selections(query));
  });

  it('a control: the same fragments spread once each are answered', async () => {
    const once = `query { shipments(first: 1) { nodes { ...F12 } } } ${exponential('Shipment', 12, 1, 'id status')}`;
    const r = await gql(gw, SWIFTLOG, once);
    expect(r.errors).toEqual([]);
    expect(r.data!.shipments.nodes).toHaveLength(1);
  });

  describe('the document is bounded in bytes before it is parsed', () => {
    // under the token limit (comments are no tokens), over 16 bytes per allowed token (32,000)
    const padded = `# ${'x'.repeat(40_000)}\nquery { __typename }`;

    it('HTTP: 400 GRAPHQL_PARSE_FAILED, audited', async () => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, padded), 400);
      expect(res.errors.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['GRAPHQL_PARSE_FAILED', 'DOCUMENT_BYTES']]);
      expect(walks).not.toHaveBeenCalled();
    });

    it('graphql-ws: the same code, audited', async () => {
      const { res } = await refused(gw, () => ws.first(SWIFTLOG, `# ${'x'.repeat(40_000)}\nsubscription { shipmentUpdated { id } }`), 400);
      expect(res.errors?.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['GRAPHQL_PARSE_FAILED', 'DOCUMENT_BYTES']]);
      expect(walks).not.toHaveBeenCalled();
    });
  });
});

describe('GraphQL limits apply to introspection (where it is enabled)', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('an introspection query deeper than GRAPHQL_MAX_DEPTH (8) is refused with DEPTH_LIMIT', async () => {
    const { res } = await refused(
      gw,
      () => gql(gw, SWIFTLOG, '{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }'),
      400,
    );
    expect(res.errors.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['QUERY_TOO_COMPLEX', 'DEPTH_LIMIT']]);
  });

  it('introspection through spread fragments is priced per spread', async () => {
    const query = `query { ...F10 } ${exponential('Query', 10, 3, '__schema { queryType { name } }')}`;
    const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query), 400);
    expect(res.errors.map((e) => [e.extensions?.code, e.extensions?.limit])).toEqual([['QUERY_TOO_COMPLEX', 'COST_LIMIT']]);
  });

  it('a shallow introspection query is answered', async () => {
    const r = await gql(gw, SWIFTLOG, '{ __schema { queryType { name } } }');
    expect(r.errors).toEqual([]);
    expect(r.data!.__schema.queryType.name).toBe('Query');
  });
});
