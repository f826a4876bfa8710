import { GraphQLScalarType, valueFromASTUntyped } from 'graphql';

/** Policy documents and simulation results travel as JSON values over GraphQL. */
export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (policy documents, simulation results)',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});
