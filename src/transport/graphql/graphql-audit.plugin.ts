import type { ApolloServerPlugin, GraphQLRequestContextWillSendResponse } from '@apollo/server';
import { GraphQLError, Kind } from 'graphql';
import { AuditService } from '../../audit/audit.service';
import { noteRefusedRequest } from '../../audit/refusal-context';
import { GatewayRequest } from '../gateway-request';
import { GqlContext } from './graphql-adapter';

const DENY_CODES = new Set([
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
  'BAD_USER_INPUT',
  'QUERY_TOO_COMPLEX',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'BAD_REQUEST',
]);

/**
 * A GraphQL answer leaves only after its audit event is committed; if it cannot be, the answer
 * is replaced by a 503 error with no data.
 */
export function graphqlAuditPlugin(audit: AuditService): ApolloServerPlugin<GqlContext> {
  return {
    requestDidStart() {
      return Promise.resolve({
        async willSendResponse(rc: GraphQLRequestContextWillSendResponse<GqlContext>) {
          const req = rc.contextValue?.req as GatewayRequest | undefined;
          if (req?.gateway && rc.operation) req.gateway.graphqlOperationType = rc.operation.operation;
          const record = req?.gateway?.audit;
          if (!record || record.committed) return;
          if (rc.operationName) record.operation = `graphql ${rc.operation?.operation ?? 'operation'} ${rc.operationName}`;
          else if (rc.operation) record.operation = `graphql ${rc.operation.operation} ${rootFields(rc).join(',')}`;
          const body = rc.response.body;
          const errors = body.kind === 'single' ? (body.singleResult.errors ?? []) : [];
          const first = errors.find((e) => e.extensions?.code !== 'FORBIDDEN_FIELD');
          if (first && record.failureStatus === null) {
            const code = typeof first.extensions?.code === 'string' ? first.extensions.code : 'INTERNAL';
            record.fail(DENY_CODES.has(code) ? 400 : 500, code, first.message);
          }
          if (record.failureStatus !== null && req) noteRefusedRequest(record, undefined, req.headers);
          if (record.failureCode === 'RATE_LIMITED') {
            rc.response.http.status = 429;
            const retry = req?.res?.getHeader('Retry-After');
            if (retry !== undefined) rc.response.http.headers.set('Retry-After', String(retry));
          }
          const transformed = record.transformedFields();
          if (transformed.length > 0 && body.kind === 'single') {
            body.singleResult.extensions = { ...body.singleResult.extensions, transformedFields: transformed.sort() };
          }
          const status = rc.response.http.status ?? (record.failureStatus && !hasData(rc) && record.failureStatus >= 500 ? 500 : 200);
          try {
            await audit.commit(record, status);
          } catch {
            rc.response.http.status = 503;
            rc.response.body = {
              kind: 'single',
              singleResult: {
                errors: [
                  new GraphQLError('The gateway cannot record this access right now; no data was returned.', {
                    extensions: { code: 'SERVICE_UNAVAILABLE' },
                  }).toJSON(),
                ],
              },
            };
          }
        },
      });
    },
  };
}

function hasData(rc: GraphQLRequestContextWillSendResponse<GqlContext>): boolean {
  const body = rc.response.body;
  return body.kind === 'single' && body.singleResult.data !== null && body.singleResult.data !== undefined;
}

function rootFields(rc: GraphQLRequestContextWillSendResponse<GqlContext>): string[] {
  return (rc.operation?.selectionSet.selections ?? []).flatMap((s) => (s.kind === Kind.FIELD ? [s.name.value] : []));
}
