import { EntityManager } from 'typeorm';
import { columnOf } from '../data/column-name';
import { fieldsOf, SUBJECTS, SubjectName } from '../data/subjects';
import { queryNamed, queryPrepared } from '../database/named-sql';
import { positional } from '../database/positional-sql';
import { resolveRelativeTimes } from '../policy/relative-time';
import { PageSeek, pageStatement } from './page-statement';

/** The subjects' tables (SUBJECTS[subject].table): every statement on their rows is here. */
export const TABLES = ['demand_signals', 'capacity_signals', 'shipments', 'shipment_events'] as const;

/**
 * Reads name their parameters (`:name`, `:...list`) as the policy scopes are compiled; relative times
 * in them are resolved to the instant of each statement. Written as SQL rather than built by
 * TypeORM's query builder, which cost more CPU than the query itself on every request; on PostgreSQL
 * the hot reads run as named statements, parsed and planned once per connection.
 */
function selectStatement(m: EntityManager, sql: string, params: Record<string, unknown>): Promise<Record<string, unknown>[]> {
  return queryPrepared(m, sql, resolveRelativeTimes(params));
}

/** The rows of a subject (alias `t`) that match `where`, as the driver returns them. */
export function selectRows(
  m: EntityManager,
  subject: SubjectName,
  columns: readonly string[],
  where: string,
  params: Record<string, unknown>,
): Promise<Record<string, unknown>[]> {
  return selectStatement(m, `SELECT ${columns.join(', ')} FROM ${SUBJECTS[subject].table} t WHERE ${where}`, params);
}

/** One page of a subject's rows in id order (see pageStatement). */
export function selectPage(
  m: EntityManager,
  subject: SubjectName,
  columns: readonly string[],
  where: string,
  params: Record<string, unknown>,
  limit: number,
  seek: PageSeek | null = null,
): Promise<Record<string, unknown>[]> {
  const statement = pageStatement(SUBJECTS[subject].table, columns, where, params, limit, seek);
  return selectStatement(m, statement.sql, statement.params);
}

/**
 * Groups of a subject's rows (alias `t`) matching `where`, by `groups`, each holding at least `:k`
 * rows; and how many groups held fewer (suppressed).
 */
export async function selectGroups(
  m: EntityManager,
  subject: SubjectName,
  select: readonly string[],
  where: string,
  groups: readonly string[],
  params: Record<string, unknown>,
): Promise<{ groups: Record<string, unknown>[]; suppressed: number }> {
  const from = `FROM ${SUBJECTS[subject].table} t WHERE ${where} GROUP BY ${groups.join(', ')}`;
  const rows = await selectStatement(m, `SELECT ${select.join(', ')} ${from} HAVING COUNT(*) >= :k ORDER BY ${groups.join(', ')}`, params);
  const [small] = await selectStatement(m, `SELECT COUNT(*) AS "n" FROM (SELECT 1 AS one ${from} HAVING COUNT(*) < :k) s`, params);
  return { groups: rows, suppressed: Number(small?.n ?? 0) };
}

/** Whether a row with this id exists, in or out of anyone's scope. */
export async function subjectRowExists(m: EntityManager, subject: SubjectName, id: string): Promise<boolean> {
  const rows = await m.query<unknown[]>(positional(m, `SELECT 1 AS one FROM ${SUBJECTS[subject].table} WHERE id = ?`), [id]);
  return rows.length > 0;
}

/** A row by id, keyed by field, as the driver returns it; null when there is none. */
export async function findSubjectRow(m: EntityManager, subject: SubjectName, id: string): Promise<Record<string, unknown> | null> {
  const columns = fieldsOf(subject).map((f) => `${columnOf(f)} AS "${f}"`);
  const [row] = await m.query<Record<string, unknown>[]>(positional(m, `SELECT ${columns.join(', ')} FROM ${SUBJECTS[subject].table} WHERE id = ?`), [id]);
  return row ?? null;
}

/** How many rows a subject holds. */
export async function countSubjectRows(m: EntityManager, subject: SubjectName): Promise<number> {
  const [{ n }] = await m.query<Array<{ n: number | string }>>(`SELECT COUNT(*) AS n FROM ${SUBJECTS[subject].table}`);
  return Number(n);
}

/**
 * How many rows of a subject (alias `t`) each of two scopes selects, and how many only one of them
 * does (a draft policy against the one in force).
 */
export async function countUnderTwoScopes(
  m: EntityManager,
  subject: SubjectName,
  nowSql: string,
  draftSql: string,
  params: Record<string, unknown>,
): Promise<{ now: number; draft: number; gained: number; lost: number }> {
  const [r] = await queryNamed(
    m,
    `SELECT SUM(CASE WHEN ${nowSql} THEN 1 ELSE 0 END) AS "now", SUM(CASE WHEN ${draftSql} THEN 1 ELSE 0 END) AS "draft",
      SUM(CASE WHEN ${draftSql} AND NOT ${nowSql} THEN 1 ELSE 0 END) AS "gained", SUM(CASE WHEN ${nowSql} AND NOT ${draftSql} THEN 1 ELSE 0 END) AS "lost"
    FROM ${SUBJECTS[subject].table} t`,
    resolveRelativeTimes(params),
  );
  return { now: Number(r?.now ?? 0), draft: Number(r?.draft ?? 0), gained: Number(r?.gained ?? 0), lost: Number(r?.lost ?? 0) };
}

/** When a supplier's capacity signals last changed (their latest updatedAt), or null. */
export async function lastCapacityUpdateOf(m: EntityManager, supplierId: string): Promise<string | null> {
  const [r] = await m.query<Array<{ last: string | null }>>(positional(m, 'SELECT MAX(updated_at) AS last FROM capacity_signals WHERE supplier_id = ?'), [
    supplierId,
  ]);
  return r?.last ?? null;
}

/** When a partner last recorded a shipment event (the latest recordedAt), or null. */
export async function lastEventRecordedBy(m: EntityManager, recorder: string): Promise<string | null> {
  const [r] = await m.query<Array<{ last: string | null }>>(positional(m, 'SELECT MAX(recorded_at) AS last FROM shipment_events WHERE recorded_by = ?'), [
    recorder,
  ]);
  return r?.last ?? null;
}

/**
 * A fragment: the rows a partner holds, as `(id, subject)`: the shipments it carries and the capacity
 * signals it supplies. Its `?` placeholders take `params`, in order.
 */
export function rowsHeldBy(partnerId: string): { sql: string; params: unknown[] } {
  return {
    sql: `SELECT id, 'Shipment' AS subject FROM shipments WHERE carrier_id = ?
          UNION ALL SELECT id, 'CapacitySignal' AS subject FROM capacity_signals WHERE supplier_id = ?`,
    params: [partnerId, partnerId],
  };
}

/** A fragment: a subject's table under an alias, to join with (`shipments t`). */
export function subjectRowsAs(subject: SubjectName, alias: string): string {
  return `${SUBJECTS[subject].table} ${alias}`;
}

/** Every column of a subject's table, keyed by field: its governed fields and the ones the gateway keeps for itself. */
function storedFieldsOf(subject: SubjectName): string[] {
  return [...fieldsOf(subject), ...(SUBJECTS[subject].storedOnly ?? [])];
}

/** Inserts rows keyed by field (a field left out is NULL), a hundred to a statement. */
export async function insertSubjectRows(m: EntityManager, subject: SubjectName, rows: readonly Record<string, unknown>[]): Promise<void> {
  const fields = storedFieldsOf(subject);
  const tuple = `(${fields.map(() => '?').join(', ')})`;
  for (let i = 0; i < rows.length; i += 100) {
    const chunk = rows.slice(i, i + 100);
    await m.query(
      positional(m, `INSERT INTO ${SUBJECTS[subject].table} (${fields.map(columnOf).join(', ')}) VALUES ${chunk.map(() => tuple).join(', ')}`),
      chunk.flatMap((row) => fields.map((f) => row[f] ?? null)),
    );
  }
}

/** Sets fields of one row (keyed by field; a field left undefined is not changed). */
export async function updateSubjectRow(m: EntityManager, subject: SubjectName, id: string, set: Record<string, unknown>): Promise<void> {
  const known = new Set(storedFieldsOf(subject));
  const unknown = Object.keys(set).filter((f) => !known.has(f));
  if (unknown.length > 0) throw new Error(`${subject} has no column for ${unknown.join(', ')}`);
  const entries = Object.entries(set).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return;
  await m.query(positional(m, `UPDATE ${SUBJECTS[subject].table} SET ${entries.map(([f]) => `${columnOf(f)} = ?`).join(', ')} WHERE id = ?`), [
    ...entries.map(([, v]) => v),
    id,
  ]);
}

/** The id of the event a partner recorded under its own event id (eventId), or null. */
export async function findRecordedEventId(m: EntityManager, recorder: string, clientEventId: string): Promise<string | null> {
  const [row] = await m.query<Array<{ id: string }>>(positional(m, 'SELECT id FROM shipment_events WHERE recorded_by = ? AND client_event_id = ?'), [
    recorder,
    clientEventId,
  ]);
  return row?.id ?? null;
}

export interface RecordedEvent {
  id: string;
  shipmentId: string;
  status: unknown;
  occurredAt: unknown;
  location: unknown;
  note: unknown;
  recordedBy: string;
  recordedAt: string;
  clientEventId: string | null;
  temperatureC: number | null;
}

/** Inserts a tracking event; false when the partner's event id is already recorded (a concurrent push of the same event). */
export async function insertRecordedEvent(m: EntityManager, e: RecordedEvent): Promise<boolean> {
  const inserted: unknown[] = await m.query(
    positional(
      m,
      `INSERT INTO shipment_events
        (id, shipment_id, status, occurred_at, location, note, recorded_by, recorded_at, client_event_id, temperature_c)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    ),
    [e.id, e.shipmentId, e.status, e.occurredAt, e.location, e.note, e.recordedBy, e.recordedAt, e.clientEventId, e.temperatureC],
  );
  return inserted.length > 0;
}

/** Takes the event a partner recorded under its own event id off the shipment's tracking history. */
export async function forgetRecordedEvent(m: EntityManager, recorder: string, clientEventId: string): Promise<void> {
  await m.query(positional(m, 'DELETE FROM shipment_events WHERE recorded_by = ? AND client_event_id = ?'), [recorder, clientEventId]);
}

/** The ids of the shipments (alias `t`) matching `where` (named parameters), in id order. */
export async function selectShipmentIds(m: EntityManager, where: string, params: Record<string, unknown>): Promise<string[]> {
  const rows = await queryNamed<{ id: unknown }>(m, 'SELECT t.id AS id FROM shipments t WHERE ' + where + ' ORDER BY t.id ASC', resolveRelativeTimes(params));
  return rows.map((r) => String(r.id));
}

/** The temperature recorded with each of these events of a shipment (events without one are left out). */
export async function eventTemperatures(m: EntityManager, shipmentId: string, ids: readonly string[]): Promise<Map<string, number>> {
  const rows = await queryNamed<{ id: unknown; t: unknown }>(
    m,
    'SELECT e.id AS id, e.temperature_c AS t FROM shipment_events e WHERE e.shipment_id = :shipmentId AND e.id IN (:...ids) AND e.temperature_c IS NOT NULL',
    { shipmentId, ids },
  );
  return new Map(rows.map((r) => [String(r.id), Number(r.t)]));
}
