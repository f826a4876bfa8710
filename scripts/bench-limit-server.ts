import { createServer } from 'node:http';
import { join } from 'node:path';

/**
 * The practical limit: a bare Node HTTP handler running the governed route's SQL (Northwind's
 * demand scope, same columns) with no framework, no policy and no audit.
 */
const FIELDS = ['id', 'sku', 'productFamily', 'site', 'region', 'periodStart', 'forecastQty', 'orderedQty', 'updatedAt'];
const COLUMNS = FIELDS.map((f) => `${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} AS "${f}"`).join(', ');

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3999);
  let query: () => Promise<unknown[]>;
  if (process.env.DATABASE_URL) {
    const { Pool } = await import('pg');
    const pool = new Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
    const sql = `SELECT ${COLUMNS} FROM demand_signals WHERE sku IS NOT NULL AND sku IN ($1, $2) ORDER BY id LIMIT 101`;
    query = async () => (await pool.query(sql, ['SKU-100', 'SKU-200'])).rows;
  } else {
    const Database = (await import('better-sqlite3')).default;
    const db = new Database(join(process.env.DATA_DIR ?? './data', 'gateway.sqlite'), { readonly: true });
    const stmt = db.prepare(`SELECT ${COLUMNS} FROM demand_signals WHERE sku IS NOT NULL AND sku IN (?, ?) ORDER BY id LIMIT 101`);
    query = async () => stmt.all('SKU-100', 'SKU-200');
  }
  createServer((req, res) => {
    query().then((rows) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ data: rows, meta: {} }));
    }, () => { res.writeHead(500); res.end(); });
  }).listen(port, '127.0.0.1');
}

void main();
