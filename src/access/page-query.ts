import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { EntityManager } from 'typeorm';
import { resolveRelativeTimes } from '../policy/relative-time';

/**
 * The rows of a table (alias `t`) that match `where`, as the driver returns them. Written as SQL
 * rather than built by TypeORM's query builder, which cost more CPU than the query itself on every
 * request; named parameters (`:name`, `:...list`) are bound by the driver's own escaping, as the
 * builder does. On PostgreSQL the statement is named, so each connection parses and plans a given
 * text once rather than on every request.
 */
export function selectRows(
  m: EntityManager,
  table: string,
  columns: readonly string[],
  where: string,
  params: Record<string, unknown>,
  tail = '',
): Promise<Record<string, unknown>[]> {
  return selectStatement(m, `SELECT ${columns.join(', ')} FROM ${table} t WHERE ${where}${tail}`, params);
}

export async function selectStatement(m: EntityManager, sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  const [text, values] = m.connection.driver.escapeQueryWithParameters(sql, resolveRelativeTimes(params));
  if (m.connection.driver.options.type !== 'postgres') return m.query(text, values);
  // Inside a transaction: its own connection; otherwise any pooled one.
  const client: Pool | PoolClient = m.queryRunner
    ? ((await m.queryRunner.connect()) as PoolClient)
    : (m.connection.driver as unknown as { master: Pool }).master;
  const { rows } = await client.query<Record<string, unknown>>({ name: statementName(text), text, values });
  return rows;
}

/** Every row in scope has `column` equal to one of `values` (see SubjectPlan.seek). */
export interface PageSeek {
  column: string;
  values: readonly unknown[];
}

/**
 * One page of a table in id order. With a seek, the page is the first `limit` rows of one index
 * range per value, `(column = value AND id > cursor)` in id order: each range stops after `limit`
 * rows, so a page reads at most values × limit index entries however many rows the scope holds,
 * where a single range over the scope would read (or sort) all of them. The `where` is kept in
 * every branch: the seek only says where to look, the scope still decides.
 */
export function selectPage(
  m: EntityManager,
  table: string,
  columns: readonly string[],
  where: string,
  params: Record<string, unknown>,
  limit: number,
  seek: PageSeek | null = null,
): Promise<Record<string, unknown>[]> {
  const statement = pageStatement(table, columns, where, params, limit, seek);
  return selectStatement(m, statement.sql, statement.params);
}

/** The SQL of a page read (named parameters), as selectPage runs it. */
export function pageStatement(
  table: string,
  columns: readonly string[],
  where: string,
  params: Record<string, unknown>,
  limit: number,
  seek: PageSeek | null = null,
): { sql: string; params: Record<string, unknown> } {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, not ${limit}`);
  const order = ` ORDER BY t.id ASC LIMIT ${limit}`;
  const select = (extra: string) => `SELECT ${columns.join(', ')} FROM ${table} t WHERE ${where}${extra}${order}`;
  if (!seek || seek.values.length === 0) return { sql: select(''), params };
  if (seek.values.length === 1) return { sql: select(` AND t.${seek.column} = :seek0`), params: { ...params, seek0: seek.values[0] } };
  const seekParams: Record<string, unknown> = { ...params };
  const branches = seek.values.map((value, i) => {
    seekParams[`seek${i}`] = value;
    return `SELECT * FROM (${select(` AND t.${seek.column} = :seek${i}`)}) b${i}`;
  });
  return { sql: `SELECT * FROM (${branches.join(' UNION ALL ')}) u ORDER BY u."id" ASC LIMIT ${limit}`, params: seekParams };
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
