import { EntityManager } from 'typeorm';

/**
 * One page of a table in id order, as the driver returns the rows. Written as SQL rather than
 * built by TypeORM's query builder, which cost more CPU than the query itself on every list;
 * named parameters (`:name`, `:...list`) are bound by the driver's own escaping, as the builder does.
 */
export async function selectPage(
  m: EntityManager, table: string, columns: readonly string[], where: string, params: Record<string, unknown>, limit: number,
): Promise<Record<string, unknown>[]> {
  if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`page limit must be a positive integer, not ${limit}`);
  const sql = `SELECT ${columns.join(', ')} FROM ${table} t WHERE ${where} ORDER BY t.id ASC LIMIT ${limit}`;
  const [text, values] = m.connection.driver.escapeQueryWithParameters(sql, params);
  return m.query(text, values);
}
