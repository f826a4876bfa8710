/**
 * Shadow mode's tables: the candidate policy per partner, and the tallies replicas add for it (rows
 * only ever added, summed by a report).
 */
import { EntityManager } from 'typeorm';
import { positional } from '../database/positional-sql';
import { StoredTally } from './shadow-comparison';

export const TABLES = ['policy_shadows', 'shadow_tallies'] as const;

/** A partner's shadow as stored (the candidate document as JSON text). */
export interface ShadowRow {
  partnerId: string;
  shadowId: string;
  document: string;
  documentHash: string;
  author: string;
  startedAt: string;
}

/** One tally row as written by a flush. */
export interface NewTally extends StoredTally {
  id: string;
  shadowId: string;
  partnerId: string;
  flushedAt: string;
}

/** Rows per INSERT statement of a flush (well under either store's limit of parameters). */
const TALLIES_PER_INSERT = 200;
const TALLY_COLUMNS =
  'id, shadow_id, partner_id, operation, evaluated, differing, errors, rows_gained, rows_lost, fields_gained, fields_lost, rule_ids, flushed_at';

export async function insertShadow(m: EntityManager, s: ShadowRow): Promise<void> {
  await m.query(positional(m, 'INSERT INTO policy_shadows (partner_id, shadow_id, document, document_hash, author, started_at) VALUES (?, ?, ?, ?, ?, ?)'), [
    s.partnerId,
    s.shadowId,
    s.document,
    s.documentHash,
    s.author,
    s.startedAt,
  ]);
}

/** Drops a partner's shadow with all its tallies. */
export async function deleteShadowOf(m: EntityManager, partnerId: string): Promise<void> {
  await m.query(positional(m, 'DELETE FROM shadow_tallies WHERE partner_id = ?'), [partnerId]);
  await m.query(positional(m, 'DELETE FROM policy_shadows WHERE partner_id = ?'), [partnerId]);
}

export async function findShadowOf(m: EntityManager, partnerId: string): Promise<ShadowRow | null> {
  const rows: Array<Record<string, unknown>> = await m.query(
    positional(m, 'SELECT partner_id, shadow_id, document, document_hash, author, started_at FROM policy_shadows WHERE partner_id = ?'),
    [partnerId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    partnerId: String(r.partner_id),
    shadowId: String(r.shadow_id),
    document: String(r.document),
    documentHash: String(r.document_hash),
    author: String(r.author),
    startedAt: String(r.started_at),
  };
}

/** Which partners have a shadow, and its id: one query for all. */
export async function shadowIds(m: EntityManager): Promise<Map<string, string>> {
  const rows: Array<{ partner_id: string; shadow_id: string }> = await m.query('SELECT partner_id, shadow_id FROM policy_shadows');
  return new Map(rows.map((r) => [String(r.partner_id), String(r.shadow_id)]));
}

/** Every tally written for a shadow, by every replica. */
export async function talliesOf(m: EntityManager, shadowId: string): Promise<StoredTally[]> {
  const rows: Array<Record<string, unknown>> = await m.query(positional(m, `SELECT ${TALLY_COLUMNS} FROM shadow_tallies WHERE shadow_id = ?`), [shadowId]);
  return rows.map((r) => ({
    operation: String(r.operation),
    evaluated: Number(r.evaluated),
    differing: Number(r.differing),
    errors: Number(r.errors),
    rowsGained: Number(r.rows_gained),
    rowsLost: Number(r.rows_lost),
    fieldsGained: JSON.parse(String(r.fields_gained)) as string[],
    fieldsLost: JSON.parse(String(r.fields_lost)) as string[],
    ruleIds: JSON.parse(String(r.rule_ids)) as string[],
  }));
}

/** Adds tallies (field lists and rule ids stored as JSON arrays, as given). */
export async function insertTallies(m: EntityManager, tallies: readonly NewTally[]): Promise<void> {
  for (let i = 0; i < tallies.length; i += TALLIES_PER_INSERT) {
    const chunk = tallies.slice(i, i + TALLIES_PER_INSERT);
    const values = chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
    const params = chunk.flatMap((t) => [
      t.id,
      t.shadowId,
      t.partnerId,
      t.operation,
      t.evaluated,
      t.differing,
      t.errors,
      t.rowsGained,
      t.rowsLost,
      JSON.stringify(t.fieldsGained),
      JSON.stringify(t.fieldsLost),
      JSON.stringify(t.ruleIds),
      t.flushedAt,
    ]);
    await m.query(positional(m, `INSERT INTO shadow_tallies (${TALLY_COLUMNS}) VALUES ${values}`), params);
  }
}
