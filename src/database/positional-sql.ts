import { EntityManager } from 'typeorm';

/**
 * SQL written with `?` placeholders, as the manager's store wants it: unchanged on SQLite, `$1…$n`
 * on PostgreSQL. Table modules write every statement this way, so one text serves both stores.
 */
export function positional(m: EntityManager, text: string): string {
  if (m.connection.options.type !== 'postgres') return text;
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** Whether the manager works on PostgreSQL (locking clauses, array functions) or the embedded SQLite store. */
export function isPostgres(m: EntityManager): boolean {
  return m.connection.options.type === 'postgres';
}
