import { ApolloServerPlugin } from '@apollo/server';

/**
 * Every GraphQL answer is `Cache-Control: no-store`: it is judged for one caller under one policy
 * version and must not be kept by a browser or a proxy. This takes the place of Apollo's cache-control
 * plugin (turned off with ApolloServerPluginCacheControlDisabled in app.module.ts), which with no
 * cache hints in the schema always arrived at the same header, but hooked every field of every row
 * to compute it.
 */
export function uncacheableAnswersPlugin(): ApolloServerPlugin {
  return {
    requestDidStart() {
      return Promise.resolve({
        willSendResponse({ response }) {
          response.http.headers.set('cache-control', 'no-store');
          return Promise.resolve();
        },
      });
    },
  };
}
