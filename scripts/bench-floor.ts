import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GraphQLFloat, GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, graphql } from 'graphql';

/**
 * The work of the three benchmarked routes with nothing around it: the governed list's page query
 * (Northwind's scope, one index range per SKU, same columns), the same rows through a bare
 * graphql-js schema, and a shipment update with a hash-linked audit row in one transaction. No
 * token, no policy, no framework; the comparison floors (bare node:http, minimal Nest) serve these.
 */
const FIELDS = ['id', 'sku', 'productFamily', 'site', 'region', 'periodStart', 'forecastQty', 'orderedQty', 'updatedAt'];
const snake = (f: string) => f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const COLUMNS = FIELDS.map((f) => `t.${snake(f)} AS "${f}"`).join(', ');
const NUMERIC = new Set(['forecastQty', 'orderedQty']);
const SHIPMENT_FIELDS = [
  'id',
  'reference',
  'carrierId',
  'shipperId',
  'origin',
  'destination',
  'sku',
  'quantity',
  'status',
  'eta',
  'lastLocation',
  'lastEventAt',
  'updatedAt',
];
const SHIPMENT_COLUMNS = SHIPMENT_FIELDS.map((f) => `${snake(f)} AS "${f}"`).join(', ');
const LIMIT = 101;
const SKUS = ['SKU-100', 'SKU-200'];
const CARRIER = 'carrier-swiftlog';

/** The governed page statement's shape (src/access/page-statement.ts) with `?`/`$n` placeholders. */
function pageSql(p: (i: number) => string): string {
  const branch = (i: number) =>
    `SELECT * FROM (SELECT ${COLUMNS} FROM demand_signals t WHERE t.sku IN (${p(1)}, ${p(2)}) AND t.id > ${p(3)} AND t.sku = ${p(4 + i)} ORDER BY t.id ASC LIMIT ${LIMIT}) b${i}`;
  return `SELECT * FROM (${branch(0)} UNION ALL ${branch(1)}) u ORDER BY u."id" ASC LIMIT ${LIMIT}`;
}
const PAGE_PARAMS = [...SKUS, '', ...SKUS];

const AUDIT_DDL = [
  'CREATE TABLE IF NOT EXISTS bench_audit (seq INTEGER PRIMARY KEY, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, event TEXT NOT NULL)',
  'CREATE TABLE IF NOT EXISTS bench_audit_head (one INTEGER PRIMARY KEY, seq INTEGER NOT NULL, hash TEXT NOT NULL)',
];

function link(prevHash: string, event: string): string {
  return createHash('sha256').update(prevHash).update(event).digest('hex');
}

function auditEvent(id: string, at: string): string {
  return JSON.stringify({ at, partner: CARRIER, action: 'update', subject: 'Shipment', resourceId: id, fields: ['lastLocation'] });
}

export interface Floor {
  list(): Promise<unknown[]>;
  graphql(query: string): Promise<unknown>;
  /** The updated row, or null when the shipment is not the carrier's. */
  patch(id: string, lastLocation: string): Promise<Record<string, unknown> | null>;
}

export async function openFloor(): Promise<Floor> {
  const rows = process.env.DATABASE_URL ? await postgresFloor(process.env.DATABASE_URL) : sqliteFloor(join(process.env.DATA_DIR ?? './data', 'gateway.sqlite'));
  return { ...rows, graphql: graphqlOver(rows.list) };
}

async function postgresFloor(url: string): Promise<Omit<Floor, 'graphql'>> {
  const { Pool } = await import('pg');
  const pool = new Pool({ connectionString: url, max: 10 });
  for (const ddl of AUDIT_DDL) await pool.query(ddl);
  await pool.query(`INSERT INTO bench_audit_head VALUES (1, 0, '') ON CONFLICT DO NOTHING`);
  const page = { name: 'floor_page', text: pageSql((i) => `$${i}`) };
  return {
    list: async () => (await pool.query<Record<string, unknown>>({ ...page, values: PAGE_PARAMS })).rows,
    patch: async (id, lastLocation) => {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const at = new Date().toISOString();
        const updated = await client.query<Record<string, unknown>>({
          name: 'floor_update',
          text: `UPDATE shipments SET last_location = $1, updated_at = $2 WHERE id = $3 AND carrier_id = $4 RETURNING ${SHIPMENT_COLUMNS}`,
          values: [lastLocation, at, id, CARRIER],
        });
        if (updated.rows.length === 0) {
          await client.query('ROLLBACK');
          return null;
        }
        const head = (
          await client.query<{ seq: number; hash: string }>({ name: 'floor_head', text: 'SELECT seq, hash FROM bench_audit_head WHERE one = 1 FOR UPDATE' })
        ).rows[0];
        const event = auditEvent(id, at);
        const hash = link(head.hash, event);
        await client.query({ name: 'floor_append', text: 'INSERT INTO bench_audit VALUES ($1, $2, $3, $4)', values: [head.seq + 1, head.hash, hash, event] });
        await client.query({ name: 'floor_move', text: 'UPDATE bench_audit_head SET seq = $1, hash = $2 WHERE one = 1', values: [head.seq + 1, hash] });
        await client.query('COMMIT');
        return updated.rows[0];
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release();
      }
    },
  };
}

function sqliteFloor(file: string): Omit<Floor, 'graphql'> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  for (const ddl of AUDIT_DDL) db.exec(ddl);
  db.exec(`INSERT OR IGNORE INTO bench_audit_head VALUES (1, 0, '')`);
  const page = db.prepare(pageSql((i) => `?${i}`));
  const update = db.prepare(`UPDATE shipments SET last_location = ?, updated_at = ? WHERE id = ? AND carrier_id = ? RETURNING ${SHIPMENT_COLUMNS}`);
  const head = db.prepare('SELECT seq, hash FROM bench_audit_head WHERE one = 1');
  const append = db.prepare('INSERT INTO bench_audit VALUES (?, ?, ?, ?)');
  const move = db.prepare('UPDATE bench_audit_head SET seq = ?, hash = ? WHERE one = 1');
  const write = db.transaction((id: string, lastLocation: string) => {
    const at = new Date().toISOString();
    const row = update.get(lastLocation, at, id, CARRIER) as Record<string, unknown> | undefined;
    if (!row) return null;
    const last = head.get() as { seq: number; hash: string };
    const event = auditEvent(id, at);
    const hash = link(last.hash, event);
    append.run(last.seq + 1, last.hash, hash, event);
    move.run(last.seq + 1, hash);
    return row;
  });
  return {
    // Numbered parameters (?1…) are bound by name in better-sqlite3.
    list: () => Promise.resolve(page.all(Object.fromEntries(PAGE_PARAMS.map((v, i) => [i + 1, v])))),
    patch: (id, lastLocation) => Promise.resolve(write.immediate(id, lastLocation)),
  };
}

function graphqlOver(list: () => Promise<unknown[]>): (query: string) => Promise<unknown> {
  const DemandSignal = new GraphQLObjectType({
    name: 'DemandSignal',
    fields: Object.fromEntries(FIELDS.map((f) => [f, { type: NUMERIC.has(f) ? GraphQLFloat : GraphQLString }])),
  });
  const Page = new GraphQLObjectType({ name: 'DemandSignalPage', fields: { nodes: { type: new GraphQLList(DemandSignal) } } });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({ name: 'Query', fields: { demandSignals: { type: Page, resolve: async () => ({ nodes: await list() }) } } }),
  });
  return (source) => graphql({ schema, source });
}
