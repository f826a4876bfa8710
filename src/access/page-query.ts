import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { EntityManager } from 'typeorm';

/**
 * The rows of a table (alias `t`) that match `where`, as the driver returns them. Written as SQL
 * rather than built by TypeORM's query builder, which cost more CPU than the query itself on every
 * request; named parameters (`:name`, `:...list`) are bound by the driver's own escaping, as the
 * builder does. On PostgreSQL the statement is named, so each connection parses and plans a given
 * text once rather than on every request.
 */
export async function selectRows(
  m: EntityManager, table: string, columns: readonly string[], where: string, params: Record<string, unknown>, tail = '',
): Promise<Record<string, unknown>[]> {
  const sql = `SELECT ${columns.join(', ')} FROM ${table} t WHERE ${where}${tail}`;
  const [text, values] = m.connection.driver.escapeQueryWithParameters(sql, params);
  if (m.connection.driver.options.type !== 'postgres') return m.query(text, values);
  // Inside a transaction: its own connection; otherwise any pooled one.
  const client: Pool | PoolClient = m.queryRunner
    ? ((await m.queryRunner.connect()) as PoolClient)
    : (m.connection.driver as unknown as { master: Pool }).master;
  const { rows } = await client.query<Record<string, unknown>>({ name: statementName(text), text, values });
  return rows;
}

/** One page of a table in id order. */
export function selectPage(
  m: EntityManager, table: string, columns: readonly string[], where: string, params: Record<string, unknown>, limit: number,
): Promise<Record<string, unknown>[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, not ${limit}`);
  return selectRows(m, table, columns, where, params, ` ORDER BY t.id ASC LIMIT ${limit}`);
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
