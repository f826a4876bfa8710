import { join } from 'node:path';
import express from 'express';
import { GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, GraphQLFloat, graphql } from 'graphql';

/**
 * The practical limit: a minimal Express handler running the governed route's SQL (Northwind's
 * demand scope, same columns) with no framework around it, no token, no policy and no audit; and
 * the same rows through a bare graphql-js schema for the GraphQL route.
 */
const FIELDS = ['id', 'sku', 'productFamily', 'site', 'region', 'periodStart', 'forecastQty', 'orderedQty', 'updatedAt'];
const COLUMNS = FIELDS.map((f) => `${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} AS "${f}"`).join(', ');
const NUMERIC = new Set(['forecastQty', 'orderedQty']);

async function rowsQuery(): Promise<() => Promise<unknown[]>> {
  if (process.env.DATABASE_URL) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    const sql = `SELECT ${COLUMNS} FROM demand_signals WHERE sku IS NOT NULL AND sku IN ($1, $2) ORDER BY id LIMIT 101`;
    return async (): Promise<unknown[]> => (await pool.query<Record<string, unknown>>(sql, ['SKU-100', 'SKU-200'])).rows;
  }
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(join(process.env.DATA_DIR ?? './data', 'gateway.sqlite'), { readonly: true });
  const stmt = db.prepare(`SELECT ${COLUMNS} FROM demand_signals WHERE sku IS NOT NULL AND sku IN (?, ?) ORDER BY id LIMIT 101`);
  return () => Promise.resolve(stmt.all('SKU-100', 'SKU-200'));
}

function schemaOver(query: () => Promise<unknown[]>): GraphQLSchema {
  const DemandSignal = new GraphQLObjectType({
    name: 'DemandSignal',
    fields: Object.fromEntries(FIELDS.map((f) => [f, { type: NUMERIC.has(f) ? GraphQLFloat : GraphQLString }])),
  });
  const Page = new GraphQLObjectType({ name: 'DemandSignalPage', fields: { nodes: { type: new GraphQLList(DemandSignal) } } });
  return new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { demandSignals: { type: Page, resolve: async () => ({ nodes: await query() }) } } }),
  });
}

async function main(): Promise<void> {
  const query = await rowsQuery();
  const schema = schemaOver(query);
  const app = express();
  app.get('/', (_req, res) => {
    query().then((rows) => res.json({ data: rows, meta: {} }), () => res.sendStatus(500));
  });
  app.post('/graphql', express.json(), (req, res) => {
    graphql({ schema, source: (req.body as { query?: string } | undefined)?.query ?? '' }).then((result) => res.json(result), () => res.sendStatus(500));
  });
  app.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}

void main();
