import type { ApolloServerPlugin } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLSchema, isEnumType, isInputObjectType, isInterfaceType, isObjectType, isSpecifiedScalarType } from 'graphql';
import { GatewayError } from '../../common/gateway-error';

/** Stands for a name of the schema the caller did not send. */
export const HIDDEN = '[hidden]';

/** Names the GraphQL specification gives every schema: they tell nothing about this one. */
const SPEC_NAMES = new Set(['Query', 'Mutation', 'Subscription']);

const schemaNames = new WeakMap<GraphQLSchema, Set<string>>();

/** Every type, field, argument and enum value name of the schema (the specification's own excepted). */
function namesOf(schema: GraphQLSchema): Set<string> {
  let names = schemaNames.get(schema);
  if (names) return names;
  names = new Set<string>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__') || isSpecifiedScalarType(type)) continue;
    if (!SPEC_NAMES.has(type.name)) names.add(type.name);
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const field of Object.values(type.getFields())) {
        names.add(field.name);
        for (const arg of field.args) names.add(arg.name);
      }
    } else if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) names.add(field.name);
    } else if (isEnumType(type)) {
      for (const value of type.getValues()) names.add(value.name);
    }
  }
  schemaNames.set(schema, names);
  return names;
}

const NAME = /[_A-Za-z][_0-9A-Za-z]*/g;

/** What the caller sent: the names in its document and in its variables (keys and values). */
export interface SentByCaller {
  query?: string | null;
  variables?: unknown;
}

function sentNames(sent: SentByCaller): Set<string> {
  const text = `${sent.query ?? ''}\n${sent.variables === undefined ? '' : (JSON.stringify(sent.variables) ?? '')}`;
  return new Set(text.match(NAME) ?? []);
}

/**
 * An error message without schema hints: no "Did you mean …?" suggestion, and every name of the
 * schema quoted in it that the caller did not send itself (a type, a field, an argument, an enum
 * value) replaced by [hidden]. graphql-js quotes every name it puts into a message.
 */
export function hideSchemaDetails(message: string, schema: GraphQLSchema | null, sent: SentByCaller | Set<string>): string {
  const stripped = message.replace(/\s*Did you mean[^?]*\?/g, '');
  if (!schema) return stripped;
  const names = namesOf(schema);
  const own = sent instanceof Set ? sent : sentNames(sent);
  return stripped.replace(/"([^"]*)"/g, (_quoted, inner: string) => `"${inner.replace(NAME, (name) => (names.has(name) && !own.has(name) ? HIDDEN : name))}"`);
}

/** Errors of the gateway's own (problem codes, withheld fields) name nothing of the schema the caller did not ask for. */
export function isGatewayError(error: GraphQLError): boolean {
  return unwrapResolverError(error) instanceof GatewayError || error.extensions?.code === 'FORBIDDEN_FIELD';
}

/** Applies hideSchemaDetails to the GraphQL errors of a set of errors, in place. */
export function hideSchemaDetailsIn(errors: readonly GraphQLError[], schema: GraphQLSchema | null, sent: SentByCaller): void {
  let own: Set<string> | null = null;
  for (const error of errors) {
    if (isGatewayError(error)) continue;
    own ??= sentNames(sent);
    error.message = hideSchemaDetails(error.message, schema, own);
  }
}

/**
 * Over HTTP: every error of a request (parse, validation, variable and argument coercion) loses its
 * schema hints before it is formatted. Apollo's own hideSchemaDetailsFromClientErrors strips
 * suggestions from validation errors only.
 */
export function schemaHintsPlugin(): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didEncounterErrors(rc) {
          hideSchemaDetailsIn(rc.errors, rc.schema, { query: rc.request.query ?? rc.source, variables: rc.request.variables });
          return Promise.resolve();
        },
      });
    },
  };
}
