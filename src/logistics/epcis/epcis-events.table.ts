import { EntityManager } from 'typeorm';
import { subjectRowsAs } from '../../access/subject-rows.table';
import { queryNamed } from '../../database/named-sql';
import { positional } from '../../database/positional-sql';
import { resolveRelativeTimes } from '../../policy/relative-time';

/**
 * EPCIS events as captured (epcis_events, alias `e`), the terms the standard queries match
 * (epcis_event_terms) and the shipments each concerns (epcis_event_shipments).
 */
export const TABLES = ['epcis_events', 'epcis_event_shipments', 'epcis_event_terms'] as const;

/** A kept event, as stored: `document` is the JSON of a StoredEpcisDocument. */
export interface KeptEventRow {
  id: string;
  declared_at: string | null;
  document: string;
}

export interface NewKeptEvent {
  id: string;
  eventId: string;
  recordedBy: string;
  eventType: string;
  eventTime: string;
  recordTime: string;
  bizStep: string | null;
  disposition: string | null;
  readPoint: string | null;
  bizLocation: string | null;
  declaredAt: string | null;
  document: string;
}

/** An event as a query answers it. */
export interface AnsweredEventRow {
  id: string;
  event_id: string;
  event_time: string;
  record_time: string;
  document: string;
}

/** The event a recorder kept under this event id, or null. */
export async function findKeptEvent(m: EntityManager, recorder: string, eventId: string): Promise<KeptEventRow | null> {
  const [row] = await m.query<KeptEventRow[]>(positional(m, 'SELECT id, declared_at, document FROM epcis_events WHERE recorded_by = ? AND event_id = ?'), [
    recorder,
    eventId,
  ]);
  return row ?? null;
}

/** Marks a kept event as declared in error, with its document as it is answered from now on. */
export async function markDeclared(m: EntityManager, rowId: string, declaredAt: string, document: string): Promise<void> {
  await m.query(positional(m, 'UPDATE epcis_events SET declared_at = ?, document = ? WHERE id = ?'), [declaredAt, document, rowId]);
}

/** Keeps an event; false when the recorder already kept one under its event id (a concurrent capture). */
export async function insertKeptEvent(m: EntityManager, e: NewKeptEvent): Promise<boolean> {
  const inserted: unknown[] = await m.query(
    positional(
      m,
      `INSERT INTO epcis_events
      (id, event_id, recorded_by, event_type, event_time, record_time, biz_step, disposition, read_point, biz_location, declared_at, document)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`,
    ),
    [e.id, e.eventId, e.recordedBy, e.eventType, e.eventTime, e.recordTime, e.bizStep, e.disposition, e.readPoint, e.bizLocation, e.declaredAt, e.document],
  );
  return inserted.length > 0;
}

/** A term a query may match the event by (its value cut to the column's 512 characters). */
export async function insertEventTerm(m: EntityManager, rowId: string, kind: string, value: string): Promise<void> {
  await m.query(positional(m, 'INSERT INTO epcis_event_terms (event_row_id, kind, value) VALUES (?, ?, ?)'), [rowId, kind, value.slice(0, 512)]);
}

/** Links the event to a shipment it concerns (once). */
export async function linkEventToShipment(m: EntityManager, rowId: string, shipmentId: string): Promise<void> {
  await m.query(positional(m, 'INSERT INTO epcis_event_shipments (event_row_id, shipment_id) VALUES (?, ?) ON CONFLICT DO NOTHING'), [rowId, shipmentId]);
}

/**
 * A condition on `e`: the event concerns a shipment (alias `t`, its link `l`) for which every one of
 * `conditions` holds.
 */
export function concernsShipmentWhere(conditions: readonly string[]): string {
  return `EXISTS (SELECT 1 FROM epcis_event_shipments l INNER JOIN ${subjectRowsAs('Shipment', 't')} ON t.id = l.shipment_id WHERE ${['l.event_row_id = e.id', ...conditions].join(' AND ')})`;
}

/** A condition on `e`: the event has a term (alias `m`: `m.kind`, `m.value`) for which `condition` holds. */
export function hasTermWhere(condition: string): string {
  return `EXISTS (SELECT 1 FROM epcis_event_terms m WHERE m.event_row_id = e.id AND (${condition}))`;
}

/** The events matching `where` (named parameters), in event time order, at most `limit`. */
export function selectEvents(m: EntityManager, where: string, params: Record<string, unknown>, limit: number): Promise<AnsweredEventRow[]> {
  return queryNamed<AnsweredEventRow>(
    m,
    `SELECT e.id AS id, e.event_id AS event_id, e.event_time AS event_time, e.record_time AS record_time, e.document AS document
    FROM epcis_events e WHERE ${where} ORDER BY e.event_time ASC, e.id ASC LIMIT ${Math.trunc(limit)}`,
    resolveRelativeTimes(params),
  );
}
