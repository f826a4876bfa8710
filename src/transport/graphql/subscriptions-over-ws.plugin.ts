import { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, OperationTypeNode } from 'graphql';

/**
 * Subscriptions are served over graphql-ws (the same /graphql path, upgraded to a WebSocket). Sent
 * as an HTTP request, one would run its root field once with no event to resolve: refused with a
 * 400 before execution instead.
 */
export function subscriptionsOverWsPlugin(): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        didResolveOperation({ operation }) {
          if (operation?.operation !== OperationTypeNode.SUBSCRIPTION) return Promise.resolve();
          return Promise.reject(
            new GraphQLError('Subscriptions are served over graphql-ws (a WebSocket to /graphql, subprotocol graphql-transport-ws), not over HTTP.', {
              extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
            }),
          );
        },
      });
    },
  };
}
