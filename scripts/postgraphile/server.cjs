'use strict';
/**
 * PostGraphile 4 over the benchmark floors' PostgreSQL store: the "PostGraphile (row-level
 * security)" side of `npm run bench` (scripts/bench.ts), GraphQL list on PostgreSQL only.
 *
 * It connects as an authenticator role that can do nothing itself (NOINHERIT) but become the
 * partner's role, and runs every request as that role (pgDefaultRole: PostGraphile's
 * `set_config('role', …, true)` in a transaction per request). Row-level security on the table
 * decides the rows, column grants the columns; with ignoreRBAC off the schema exposes only the
 * columns the role may read. scripts/bench.ts creates the roles, the policy and the grants.
 *
 * Environment: DATABASE_URL (as the authenticator), PGL_ROLE (the partner's role), PORT.
 */
const { createServer } = require('node:http');
const { postgraphile } = require('postgraphile');

/** Root connection fields named after the table (`demandSignals`, not `allDemandSignals`), as on the gateway. */
function RootFieldsNamedAfterTables(builder) {
  builder.hook('inflection', (inflection) => ({
    ...inflection,
    allRows(table) {
      return this.camelCase(this.pluralize(this._singularizedTableName(table)));
    },
  }));
}

const role = process.env.PGL_ROLE;
if (!process.env.DATABASE_URL || !role) throw new Error('DATABASE_URL and PGL_ROLE are required');

const handler = postgraphile(process.env.DATABASE_URL, 'public', {
  pgDefaultRole: role,
  ignoreRBAC: false,
  appendPlugins: [RootFieldsNamedAfterTables],
  disableDefaultMutations: true,
  setofFunctionsContainNulls: false,
  watchPg: false,
  graphiql: false,
  enableCors: false,
  disableQueryLog: true,
  retryOnInitFail: false,
});

const server = createServer(handler);
server.keepAliveTimeout = 5_000;
server.listen(Number(process.env.PORT ?? 3997), '127.0.0.1');
