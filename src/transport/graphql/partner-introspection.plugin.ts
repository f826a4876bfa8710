import { ApolloServerPlugin, GraphQLResponse, HeaderMap } from '@apollo/server';
import { DocumentNode, execute, FragmentDefinitionNode, GraphQLSchema, OperationDefinitionNode, SelectionSetNode, Kind } from 'graphql';
import { Caller } from '../../access/caller';
import { callerOf } from '../caller-of';
import { AccessSummary, NOTHING, recorded } from '../../audit/access-summary';
import { GatewayError } from '../../common/gateway-error';
import { GqlContext } from './graphql-adapter';

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/** The cut-down schema a caller's introspection answers with; null for callers who see the served schema. */
export type IntrospectionView = (caller: Caller, served: GraphQLSchema) => Promise<{ schema: GraphQLSchema; summary: AccessSummary } | null>;

/**
 * Introspection answers the caller's own view: a partner's `__schema` / `__type` query is run
 * against the served schema cut down to what its policy lets it use under the purpose in use (the
 * same schema as GET /api/v1/me/schema.graphql). Other roles see the served schema. Introspection
 * asked together with data fields is refused, so the served schema never leaks through a mixed
 * operation. Where introspection is disabled (production) validation refuses it before this runs.
 */
export function partnerIntrospectionPlugin(viewOf: IntrospectionView): ApolloServerPlugin<GqlContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async responseForOperation(rc): Promise<GraphQLResponse | null> {
          // No operation resolved (an unknown or missing operationName): Apollo answers that itself.
          if (!rc.operation) return null;
          const roots = rootFields(rc.operation, rc.document);
          if (![...roots].some((f) => INTROSPECTION_ROOTS.has(f))) return null;
          const gateway = rc.contextValue.req.gateway!;
          const principal = gateway.principal!;
          if (!principal.roles.includes('partner') || !principal.partnerId) return null;
          let schema: GraphQLSchema | null;
          try {
            if ([...roots].some((f) => !INTROSPECTION_ROOTS.has(f) && f !== '__typename')) {
              throw new GatewayError(400, 'VALIDATION_FAILED', 'Validation failed', {
                detail: 'Ask introspection (__schema, __type) in an operation of its own, without data fields.',
              });
            }
            const caller = callerOf(rc.contextValue.req);
            const view = viewOf(caller, rc.schema);
            schema = (
              await recorded(
                gateway.audit,
                view.then((v) => v ?? { schema: null, summary: NOTHING }),
              )
            ).schema;
          } catch (error) {
            if (!(error instanceof GatewayError)) throw error;
            gateway.audit.fail(error.status, error.code, error.detail);
            return {
              http: { status: error.status, headers: new HeaderMap() },
              body: {
                kind: 'single',
                singleResult: { errors: [{ message: error.detail, extensions: { code: error.code, status: error.status, ...error.extra } }] },
              },
            };
          }
          if (!schema) return null;
          const result = await execute({
            schema,
            document: rc.document,
            operationName: rc.operationName,
            variableValues: rc.request.variables,
            contextValue: rc.contextValue,
          });
          return {
            http: { status: undefined, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: result.data, ...(result.errors ? { errors: result.errors.map((e) => e.toJSON()) } : {}) } },
          };
        },
      });
    },
  };
}

/** The root field names an operation selects, through fragment spreads and inline fragments. */
function rootFields(operation: OperationDefinitionNode, document: DocumentNode): Set<string> {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const out = new Set<string>();
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f.selectionSet);
      }
    }
  };
  walk(operation.selectionSet);
  return out;
}
