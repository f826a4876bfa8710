import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { GatewayError } from '../../common/gateway-error';
import { toGatewayError } from '../problem';

const PASS_THROUGH = new Set([
  'FORBIDDEN_FIELD',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'UNAUTHENTICATED',
  'SERVICE_UNAVAILABLE',
  'BAD_REQUEST',
  'OPERATION_RESOLUTION_FAILURE',
  'PERSISTED_QUERY_NOT_SUPPORTED',
]);

/** Gateway errors keep their stable code; anything unexpected says nothing about the internals. */
export function formatGraphqlError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  let code = formatted.extensions?.code as string | undefined;
  // Apollo files every validation-rule error under GRAPHQL_VALIDATION_FAILED; the depth, alias and
  // cost rules (graphql-limits.ts) give QUERY_TOO_COMPLEX with the `limit` that was exceeded.
  if (code === 'GRAPHQL_VALIDATION_FAILED' && typeof formatted.extensions?.limit === 'string') {
    code = 'QUERY_TOO_COMPLEX';
    formatted = { ...formatted, extensions: { ...formatted.extensions, code } };
  }
  const unwrapped = unwrapResolverError(error);
  // A refusal raised before execution (graphql-ws onSubscribe) carries its GatewayError without a path.
  const original = unwrapped instanceof GraphQLError && unwrapped.originalError instanceof GatewayError ? unwrapped.originalError : unwrapped;
  if (original instanceof GatewayError || (original && code === 'INTERNAL_SERVER_ERROR')) {
    const g = original instanceof GatewayError ? original : toGatewayError(original);
    return {
      message: g.detail,
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: g.code, status: g.status, ...g.extra },
    };
  }
  if (code && PASS_THROUGH.has(code)) {
    const { stacktrace: _stack, ...extensions } = (formatted.extensions ?? {}) as Record<string, unknown>;
    void _stack;
    return { ...formatted, extensions };
  }
  return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code: code ?? 'INTERNAL' } };
}
