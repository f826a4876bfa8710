import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { EntityManager } from 'typeorm';

/**
 * SQL written with named parameters (`:name`, and `:...list` for a list), as the policy scopes are
 * compiled (conditions-to-sql.ts): bound by the driver's own escaping, as TypeORM's query builder
 * binds them, into the store's positional form (`?` on SQLite, `$n` on PostgreSQL) and its values.
 */
export function bindNamed(m: EntityManager, sql: string, params: Record<string, unknown>): [string, unknown[]] {
  return m.connection.driver.escapeQueryWithParameters(sql, params);
}

/** Runs a statement with named parameters and returns its rows. */
export function queryNamed<T = Record<string, unknown>>(m: EntityManager, sql: string, params: Record<string, unknown>): Promise<T[]> {
  const [text, values] = bindNamed(m, sql, params);
  return m.query(text, values);
}

/**
 * Runs a statement with named parameters; on PostgreSQL as a named (prepared) statement, so each
 * connection parses and plans a given text once rather than on every request. For the hot reads,
 * whose texts repeat.
 */
export async function queryPrepared(m: EntityManager, sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const [text, values] = bindNamed(m, sql, params);
  if (m.connection.driver.options.type !== 'postgres') return m.query(text, values);
  // Inside a transaction: its own connection; otherwise any pooled one.
  const client: Pool | PoolClient = m.queryRunner
    ? ((await m.queryRunner.connect()) as PoolClient)
    : (m.connection.driver as unknown as { master: Pool }).master;
  const { rows } = await client.query<Record<string, unknown>>({ name: statementName(text), text, values });
  return rows;
}

const NAMES_KEPT = 1000;
const names = new Map<string, string>();

/**
 * A statement's name is a digest of its text, so a name always means one text on every connection
 * (PostgreSQL refuses a name prepared with another text). Remembered for the most recent texts.
 */
function statementName(text: string): string {
  let name = names.get(text);
  if (name) return name;
  name = `gw_${createHash('sha256').update(text).digest('base64url').slice(0, 24)}`;
  if (names.size >= NAMES_KEPT) names.clear();
  names.set(text, name);
  return name;
}
