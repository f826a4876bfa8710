/** Every row in scope has `column` equal to one of `values` (see SubjectPlan.seek). */
export interface PageSeek {
  column: string;
  values: readonly unknown[];
}

/**
 * The SQL of one page of a table (alias `t`) in id order, with named parameters, as selectPage
 * (subject-rows.table.ts) runs it. With a seek, the page is the first `limit` rows of one index
 * range per value, `(column = value AND id > cursor)` in id order: each range stops after `limit`
 * rows, so a page reads at most values × limit index entries however many rows the scope holds,
 * where a single range over the scope would read (or sort) all of them. The `where` is kept in
 * every branch: the seek only says where to look, the scope still decides.
 */
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
