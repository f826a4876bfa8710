import { EntityManager } from 'typeorm';

/**
 * The rows of a table (alias `t`) that match `where`, as the driver returns them. Written as SQL
 * rather than built by TypeORM's query builder, which cost more CPU than the query itself on every
 * request; named parameters (`:name`, `:...list`) are bound by the driver's own escaping, as the
 * builder does.
 */
export function selectRows(
  m: EntityManager, table: string, columns: readonly string[], where: string, params: Record<string, unknown>, tail = '',
): Promise<Record<string, unknown>[]> {
  const sql = `SELECT ${columns.join(', ')} FROM ${table} t WHERE ${where}${tail}`;
  const [text, values] = m.connection.driver.escapeQueryWithParameters(sql, params);
  return m.query(text, values);
}

/** One page of a table in id order. */
export function selectPage(
  m: EntityManager, table: string, columns: readonly string[], where: string, params: Record<string, unknown>, limit: number,
): Promise<Record<string, unknown>[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, not ${limit}`);
  return selectRows(m, table, columns, where, params, ` ORDER BY t.id ASC LIMIT ${limit}`);
}
