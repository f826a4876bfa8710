/** The first answers to writes sent with an Idempotency-Key, per caller and route. */
import { EntityManager } from 'typeorm';
import { isPostgres, positional } from '../database/positional-sql';

export const TABLES = ['idempotency_keys'] as const;

/** A remembered answer (its body as JSON text). */
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  requestHash: string;
  status: number;
  body: string;
  createdAt: string;
}

export async function findKey(m: EntityManager, scope: string, key: string): Promise<IdempotencyKeyRow | null> {
  const rows: Array<Record<string, unknown>> = await m.query(
    positional(m, 'SELECT scope, idem_key, request_hash, status, body, created_at FROM idempotency_keys WHERE scope = ? AND idem_key = ?'),
    [scope, key],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    scope: String(r.scope),
    key: String(r.idem_key),
    requestHash: String(r.request_hash),
    status: Number(r.status),
    body: String(r.body),
    createdAt: String(r.created_at),
  };
}

/** Remembers an answer; a key of the same scope created before `expiredBefore` (not purged yet) gives way to it. */
export async function replaceExpiredKey(m: EntityManager, row: IdempotencyKeyRow, expiredBefore: string): Promise<void> {
  await m.query(positional(m, 'DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND created_at < ?'), [row.scope, row.key, expiredBefore]);
  await m.query(positional(m, 'INSERT INTO idempotency_keys (scope, idem_key, request_hash, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)'), [
    row.scope,
    row.key,
    row.requestHash,
    row.status,
    row.body,
    row.createdAt,
  ]);
}

/** Deletes up to `limit` keys created before `cutoff`, oldest first; returns how many. */
export async function deleteKeysBefore(m: EntityManager, cutoff: string, limit: number): Promise<number> {
  const sql = positional(
    m,
    `DELETE FROM idempotency_keys WHERE (scope, idem_key) IN (SELECT scope, idem_key FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)`,
  );
  if (isPostgres(m)) {
    // PostgreSQL answers a DELETE with its rows and their count.
    const [, count] = await m.query<[unknown[], number]>(sql, [cutoff, Math.trunc(limit)]);
    return Number(count);
  }
  await m.query(sql, [cutoff, Math.trunc(limit)]);
  const [changed] = await m.query<Array<{ n: number }>>('SELECT changes() AS n');
  return Number(changed.n);
}
