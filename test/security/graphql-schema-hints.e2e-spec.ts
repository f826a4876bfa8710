import { GraphQLSchemaHost } from '@nestjs/graphql';
import { isSpecifiedScalarType } from 'graphql';
import { gql, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { refused } from './support/attack';
import { WsClients, WsError } from './support/graphql-ws';

jest.setTimeout(120_000);

/**
 * No schema hints in production, on any error path: no "Did you mean" suggestion, and no name of
 * the schema (a type, or a field the caller did not write) beyond what the caller sent — for
 * validation errors, variable coercion errors, input objects, arguments, unknown fields, over HTTP
 * and over graphql-ws, where errors carry the same `extensions.code` as over HTTP.
 */
describe('GraphQL schema hints (NODE_ENV=production)', () => {
  let gw: TestGateway;
  let ws: WsClients;
  let typeNames: string[];

  beforeAll(async () => {
    gw = await TestGateway.start({ NODE_ENV: 'production', METRICS_TOKEN: 'metrics-scrape-token-for-tests-0001' });
    ws = await WsClients.listen(gw);
    typeNames = Object.values(gw.app.get(GraphQLSchemaHost).schema.getTypeMap())
      .filter((t) => !t.name.startsWith('__') && !isSpecifiedScalarType(t) && !['Query', 'Mutation', 'Subscription'].includes(t.name))
      .map((t) => t.name);
  });
  afterAll(async () => {
    await ws.dispose();
    await gw.stop();
  });

  /** No suggestion, no type name the caller did not send, none of the given field names. */
  function expectNoHints(errors: WsError[], sent: string, unsent: string[]): void {
    expect(errors.length).toBeGreaterThan(0);
    const text = JSON.stringify(errors);
    expect(text).not.toMatch(/did you mean/i);
    const leaked = typeNames.filter((t) => !new RegExp(`\\b${t}\\b`).test(sent) && new RegExp(`\\b${t}\\b`).test(text));
    expect(leaked).toEqual([]);
    for (const name of unsent) expect(text).not.toMatch(new RegExp(`\\b${name}\\b`));
  }

  const codes = (errors: WsError[] | null | undefined) => (errors ?? []).map((e) => e.extensions?.code);

  describe('over HTTP', () => {
    it.each([
      ['an unknown field', '{ shipments { nodes { freightCosts } } }', undefined, 'GRAPHQL_VALIDATION_FAILED', ['freightCost']],
      ['an unknown argument', '{ shipments(frist: 2) { nodes { id } } }', undefined, 'GRAPHQL_VALIDATION_FAILED', ['first']],
      [
        'an unknown input field written in the document',
        '{ shipments(filter: { carrierID: "x" }) { nodes { id } } }',
        undefined,
        'GRAPHQL_VALIDATION_FAILED',
        ['carrierId'],
      ],
      ['a wrong value type in an input object', '{ shipments(filter: { quantity: "many" }) { nodes { id } } }', undefined, 'GRAPHQL_VALIDATION_FAILED', []],
      [
        'a required input field left out',
        'mutation { recordShipmentEvent(shipmentId: "shp-0001", input: { status: "in_transit" }) { id } }',
        undefined,
        'GRAPHQL_VALIDATION_FAILED',
        ['occurredAt'],
      ],
      ['a misspelt variable type', 'query ($f: ShipmentFiltr) { shipments(filter: $f) { nodes { id } } }', undefined, 'GRAPHQL_VALIDATION_FAILED', []],
      [
        'an unknown input field in a variable',
        'query ($f: ShipmentFilter) { shipments(filter: $f) { nodes { id } } }',
        { f: { carrierID: 'x' } },
        'BAD_USER_INPUT',
        ['carrierId'],
      ],
      [
        'a required input field left out of a variable',
        'mutation ($i: ShipmentEventInput!) { recordShipmentEvent(shipmentId: "shp-0001", input: $i) { id } }',
        { i: { status: 'in_transit' } },
        'BAD_USER_INPUT',
        ['occurredAt'],
      ],
      ['a wrong value type in a variable', 'query ($n: Int) { shipments(first: $n) { nodes { id } } }', { n: 'many' }, 'BAD_USER_INPUT', []],
    ] as Array<[string, string, Record<string, unknown> | undefined, string, string[]]>)('%s: %s', async (_, query, variables, code, unsent) => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, query, variables), 400);
      expect(codes(res.errors)).toContain(code);
      expectNoHints(res.errors, `${query} ${JSON.stringify(variables ?? {})}`, unsent);
    });

    it('a name the caller sent itself may be repeated back', async () => {
      const query = 'query ($f: ShipmentFilter) { shipments(filter: $f) { nodes { id } } }';
      const r = await gql(gw, SWIFTLOG, query, { f: { carrierID: 'x' } });
      expect(r.errors[0].message).toMatch(/carrierID/);
      expect(r.errors[0].message).toMatch(/ShipmentFilter/);
    });
  });

  describe('over graphql-ws: the same codes as over HTTP, no hints, audited', () => {
    it.each([
      ['an unknown field', 'subscription { shipmentUpdated { freightCosts } }', undefined, 'GRAPHQL_VALIDATION_FAILED', ['freightCost']],
      ['an unknown argument', 'subscription { shipmentUpdated(filtr: {}) { id } }', undefined, 'GRAPHQL_VALIDATION_FAILED', ['filter']],
      [
        'an unknown input field written in the document',
        'subscription { shipmentUpdated(filter: { shipmentID: "x" }) { id } }',
        undefined,
        'GRAPHQL_VALIDATION_FAILED',
        ['shipmentId'],
      ],
      ['a wrong value type in an input object', 'subscription { shipmentUpdated(filter: { status: 5 }) { id } }', undefined, 'GRAPHQL_VALIDATION_FAILED', []],
      [
        'an unknown input field in a variable',
        'subscription ($f: ShipmentUpdatedFilter) { shipmentUpdated(filter: $f) { id } }',
        { f: { shipmentID: 'x' } },
        'BAD_USER_INPUT',
        ['shipmentId'],
      ],
      [
        'a wrong value type in a variable',
        'subscription ($f: ShipmentUpdatedFilter) { shipmentUpdated(filter: $f) { id } }',
        { f: { status: 5 } },
        'BAD_USER_INPUT',
        [],
      ],
      ['a document that does not parse', 'subscription { shipmentUpdated { id }', undefined, 'GRAPHQL_PARSE_FAILED', []],
    ] as Array<[string, string, Record<string, unknown> | undefined, string, string[]]>)('%s: %s', async (_, query, variables, code, unsent) => {
      const { res } = await refused(gw, () => ws.first(SWIFTLOG, query, variables), 400);
      expect(res.results.every((r) => r.data === undefined || r.data === null)).toBe(true);
      expect(codes(res.all)).toEqual([code]);
      expectNoHints(res.all, `${query} ${JSON.stringify(variables ?? {})}`, unsent);
    });

    it('the same class of error gets the same code on both transports', async () => {
      const http = await gql(gw, SWIFTLOG, '{ shipments { nodes { freightCosts } } }');
      const socket = await ws.first(SWIFTLOG, 'subscription { shipmentUpdated { freightCosts } }');
      expect(codes(socket.all)).toEqual(codes(http.errors));
      const httpInput = await gql(gw, SWIFTLOG, 'query ($f: ShipmentFilter) { shipments(filter: $f) { nodes { id } } }', { f: { carrierID: 'x' } });
      const socketInput = await ws.first(SWIFTLOG, 'subscription ($f: ShipmentUpdatedFilter) { shipmentUpdated(filter: $f) { id } }', {
        f: { shipmentID: 'x' },
      });
      expect(codes(socketInput.all)).toEqual(codes(httpInput.errors));
    });
  });
});
