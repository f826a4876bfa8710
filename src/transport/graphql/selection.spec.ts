import { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, Kind, OperationDefinitionNode, parse, visit } from 'graphql';
import { requestedFields } from './selection';

/**
 * requestedFields for the root field of a document, with a count of how often it looked up a
 * fragment: its work, since it does nothing else per spread.
 */
function measured(source: string, under?: string): { fields: string[]; lookups: number; spreads: number } {
  const document = parse(source);
  const definitions: Record<string, FragmentDefinitionNode> = {};
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) definitions[d.name.value] = d;
  let lookups = 0;
  const fragments = new Proxy(definitions, {
    get: (target, name) => {
      lookups++;
      return target[name as string];
    },
  });
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  const root = operation.selectionSet.selections[0] as FieldNode;
  const fields = requestedFields({ fieldNodes: [root], fragments } as unknown as GraphQLResolveInfo, under).sort();
  let spreads = 0;
  visit(document, {
    FragmentSpread: () => {
      spreads++;
    },
  });
  return { fields, lookups, spreads };
}

/** `levels` fragments on `type`, each spreading the one below `times` times; the lowest selects `leaf`. */
function chain(prefix: string, type: string, levels: number, times: number, leaf: string): string {
  const out = [`fragment ${prefix}0 on ${type} { ${leaf} }`];
  for (let i = 1; i <= levels; i++) out.push(`fragment ${prefix}${i} on ${type} { ${` ...${prefix}${i - 1}`.repeat(times)} }`);
  return out.join(' ');
}

describe('requestedFields enters each fragment once, however often it is spread', () => {
  it('under `nodes`, through a connection fragment spread 4^12 times over and a row fragment spread 4^12 times', () => {
    const source = `query { shipments { ...C12 } } ${chain('C', 'ShipmentConnection', 12, 4, 'nodes { id ...N12 } pageInfo { hasNextPage }')} ${chain('N', 'Shipment', 12, 4, 'status eta')}`;
    const { fields, lookups, spreads } = measured(source, 'nodes');
    expect(fields).toEqual(['eta', 'id', 'status']);
    expect(lookups).toBeLessThanOrEqual(2 * spreads);
  });

  it('directly under the field', () => {
    const source = `query { shipment(id: "x") { id ...N12 ... on Shipment { ...N12 } } } ${chain('N', 'Shipment', 12, 4, 'status __typename')}`;
    const { fields, lookups, spreads } = measured(source);
    expect(fields).toEqual(['id', 'status']);
    expect(lookups).toBeLessThanOrEqual(2 * spreads);
  });
});
