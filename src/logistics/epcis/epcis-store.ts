import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { KeptEpcisEvent } from '../shipment-event-batch';
import { CapturedEpcisEvent } from './captured-event';

/** What epcis_events.document holds: the event as captured and the extra @context entries of its document. */
export interface StoredEpcisDocument {
  event: Record<string, unknown>;
  context: unknown[];
}

type Sql = (text: string) => string;

/**
 * Keeps an EPCIS event as captured (epcis_events), with the terms the standard queries match
 * (epcis_event_terms) and the shipments it concerns (epcis_event_shipments). The event's id is
 * unique per recorder: the same event captured again is a duplicate. An error declaration of an
 * event the recorder kept before marks that event (its errorDeclaration is added to it and it is
 * returned so from then on) and takes that event's entry off the shipment's tracking history; one
 * of an event not seen before is kept as a declared event. The shipment's current status and
 * location are not rolled back: corrective events apply to them like any event.
 */
export async function keepEpcisEvent(
  m: EntityManager,
  sql: Sql,
  recorder: string,
  captured: CapturedEpcisEvent,
  shipmentIds: string[],
  recordTime: Date,
): Promise<KeptEpcisEvent> {
  const existing: Array<{ id: string; declared_at: string | null; document: string }> = await m.query(
    sql('SELECT id, declared_at, document FROM epcis_events WHERE recorded_by = ? AND event_id = ?'),
    [recorder, captured.eventId],
  );
  if (existing.length > 0) {
    const [row] = existing;
    if (captured.declaredAt === null || row.declared_at !== null) return { kept: 'duplicate', rowId: row.id };
    const stored = JSON.parse(row.document) as StoredEpcisDocument;
    const document: StoredEpcisDocument = { ...stored, event: { ...stored.event, errorDeclaration: captured.event.errorDeclaration } };
    await m.query(sql('UPDATE epcis_events SET declared_at = ?, document = ? WHERE id = ?'), [captured.declaredAt, JSON.stringify(document), row.id]);
    // Its entry leaves the shipment's tracking history; the corrective events (captured as any event) take its place.
    await m.query(sql('DELETE FROM shipment_events WHERE recorded_by = ? AND client_event_id = ?'), [recorder, captured.eventId]);
    await link(m, sql, row.id, shipmentIds);
    return { kept: 'declared', rowId: row.id };
  }
  const rowId = `epc-${randomUUID()}`;
  const inserted: unknown[] = await m.query(
    sql(`INSERT INTO epcis_events
      (id, event_id, recorded_by, event_type, event_time, record_time, biz_step, disposition, read_point, biz_location, declared_at, document)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
    [
      rowId,
      captured.eventId,
      recorder,
      captured.type,
      captured.eventTime,
      recordTime.toISOString(),
      captured.bizStep,
      captured.disposition,
      captured.readPoint,
      captured.bizLocation,
      captured.declaredAt,
      JSON.stringify({ event: captured.event, context: captured.context } satisfies StoredEpcisDocument),
    ],
  );
  if (inserted.length === 0) {
    // A concurrent capture of the same event kept it first.
    const [row]: Array<{ id: string }> = await m.query(sql('SELECT id FROM epcis_events WHERE recorded_by = ? AND event_id = ?'), [recorder, captured.eventId]);
    return { kept: 'duplicate', rowId: row?.id ?? 'unknown' };
  }
  const terms = uniqueTerms(captured.terms);
  for (const [kind, value] of terms) {
    await m.query(sql('INSERT INTO epcis_event_terms (event_row_id, kind, value) VALUES (?, ?, ?)'), [rowId, kind, value.slice(0, 512)]);
  }
  await link(m, sql, rowId, shipmentIds);
  return { kept: captured.declaredAt !== null ? 'declared' : 'stored', rowId };
}

async function link(m: EntityManager, sql: Sql, rowId: string, shipmentIds: string[]): Promise<void> {
  for (const shipmentId of new Set(shipmentIds)) {
    await m.query(sql('INSERT INTO epcis_event_shipments (event_row_id, shipment_id) VALUES (?, ?) ON CONFLICT DO NOTHING'), [rowId, shipmentId]);
  }
}

function uniqueTerms(terms: Array<[string, string]>): Array<[string, string]> {
  const seen = new Set<string>();
  return terms.filter(([k, v]) => {
    const key = `${k}\u0001${v}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
