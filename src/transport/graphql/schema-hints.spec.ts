import { buildSchema, execute, GraphQLError, parse, validate } from 'graphql';
import { HIDDEN, hideSchemaDetails, hideSchemaDetailsIn } from './schema-hints';

const schema = buildSchema(`
  enum ParcelState { WAITING MOVING ARRIVED }
  input ParcelFilter { state: ParcelState, depot: String! }
  type Parcel { id: ID, state: ParcelState, secretMargin: Float }
  type Query { parcels(filter: ParcelFilter, first: Int): [Parcel] }
`);

/** What a production caller reads for a document (and variables): validation errors, else coercion errors. */
function errorsFor(query: string, variables?: Record<string, unknown>): string[] {
  const document = parse(query);
  let errors: readonly GraphQLError[] = validate(schema, document);
  if (errors.length === 0) errors = (execute({ schema, document, variableValues: variables }) as { errors?: GraphQLError[] }).errors ?? [];
  expect(errors.length).toBeGreaterThan(0);
  hideSchemaDetailsIn(errors, schema, { query, variables });
  return errors.map((e) => e.message);
}

describe('schema hints are hidden from error messages', () => {
  it.each([
    [
      'an enum value misspelt in the document',
      '{ parcels(filter: { state: MOVNG, depot: "d" }) { id } }',
      undefined,
      ['ParcelState', 'MOVING', 'ParcelFilter'],
    ],
    [
      'an enum value misspelt in a variable',
      'query ($f: ParcelFilter) { parcels(filter: $f) { id } }',
      { f: { state: 'MOVNG', depot: 'd' } },
      ['ParcelState', 'MOVING'],
    ],
    ['an unknown input field in a variable', 'query ($f: ParcelFilter) { parcels(filter: $f) { id } }', { f: { stat: 'MOVING', depot: 'd' } }, ['"state"']],
    ['a required input field left out', '{ parcels(filter: { state: MOVING }) { id } }', undefined, ['ParcelFilter', 'depot']],
    ['an unknown field', '{ parcels { secretMargn } }', undefined, ['secretMargin', 'Parcel"']],
    ['an unknown argument', '{ parcels(frist: 1) { id } }', undefined, ['"first"']],
  ] as Array<[string, string, Record<string, unknown> | undefined, string[]]>)('%s', (_, query, variables, unsent) => {
    const messages = errorsFor(query, variables).join('\n');
    expect(messages).not.toMatch(/did you mean/i);
    for (const name of unsent) expect(messages).not.toContain(name);
  });

  it('repeats what the caller sent, and hides the rest', () => {
    expect(
      hideSchemaDetails('Field "stat" is not defined by type "ParcelFilter". Did you mean "state"?', schema, {
        query: 'query ($f: ParcelFilter) { x }',
        variables: { f: { stat: 1 } },
      }),
    ).toBe('Field "stat" is not defined by type "ParcelFilter".');
    expect(
      hideSchemaDetails('Value "MOVNG" does not exist in "ParcelState" enum. Did you mean the enum value "MOVING"?', schema, {
        query: '{ x }',
        variables: { v: 'MOVNG' },
      }),
    ).toBe(`Value "MOVNG" does not exist in "${HIDDEN}" enum.`);
    expect(hideSchemaDetails('Field "ParcelFilter.depot" of required type "String!" was not provided.', schema, { query: '{ parcels }' })).toBe(
      `Field "${HIDDEN}.${HIDDEN}" of required type "String!" was not provided.`,
    );
  });

  it("leaves the gateway's own errors alone", () => {
    const own = new GraphQLError("Your policy does not let you read 'secretMargin' here.", { extensions: { code: 'FORBIDDEN_FIELD' } });
    hideSchemaDetailsIn([own], schema, { query: '{ parcels { id } }' });
    expect(own.message).toContain('secretMargin');
  });
});
