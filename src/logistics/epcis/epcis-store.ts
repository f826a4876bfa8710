import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { forgetRecordedEvent } from '../../access/subject-rows.table';
import { KeptEpcisEvent } from '../shipment-event-batch';
import { CapturedEpcisEvent } from './captured-event';
import { findKeptEvent, insertEventTerm, insertKeptEvent, linkEventToShipment, markDeclared } from './epcis-events.table';

/** What epcis_events.document holds: the event as captured and the extra @context entries of its document. */
export interface StoredEpcisDocument {
  event: Record<string, unknown>;
  context: unknown[];
}

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
  recorder: string,
  captured: CapturedEpcisEvent,
  shipmentIds: string[],
  recordTime: Date,
): Promise<KeptEpcisEvent> {
  const existing = await findKeptEvent(m, recorder, captured.eventId);
  if (existing) {
    if (captured.declaredAt === null || existing.declared_at !== null) return { kept: 'duplicate', rowId: existing.id };
    const stored = JSON.parse(existing.document) as StoredEpcisDocument;
    const document: StoredEpcisDocument = { ...stored, event: { ...stored.event, errorDeclaration: captured.event.errorDeclaration } };
    await markDeclared(m, existing.id, captured.declaredAt, JSON.stringify(document));
    // Its entry leaves the shipment's tracking history; the corrective events (captured as any event) take its place.
    await forgetRecordedEvent(m, recorder, captured.eventId);
    await link(m, existing.id, shipmentIds);
    return { kept: 'declared', rowId: existing.id };
  }
  const rowId = `epc-${randomUUID()}`;
  const inserted = await insertKeptEvent(m, {
    id: rowId,
    eventId: captured.eventId,
    recordedBy: recorder,
    eventType: captured.type,
    eventTime: captured.eventTime,
    recordTime: recordTime.toISOString(),
    bizStep: captured.bizStep,
    disposition: captured.disposition,
    readPoint: captured.readPoint,
    bizLocation: captured.bizLocation,
    declaredAt: captured.declaredAt,
    document: JSON.stringify({ event: captured.event, context: captured.context } satisfies StoredEpcisDocument),
  });
  if (!inserted) {
    // A concurrent capture of the same event kept it first.
    const row = await findKeptEvent(m, recorder, captured.eventId);
    return { kept: 'duplicate', rowId: row?.id ?? 'unknown' };
  }
  for (const [kind, value] of uniqueTerms(captured.terms)) await insertEventTerm(m, rowId, kind, value);
  await link(m, rowId, shipmentIds);
  return { kept: captured.declaredAt !== null ? 'declared' : 'stored', rowId };
}

async function link(m: EntityManager, rowId: string, shipmentIds: string[]): Promise<void> {
  for (const shipmentId of new Set(shipmentIds)) await linkEventToShipment(m, rowId, shipmentId);
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
