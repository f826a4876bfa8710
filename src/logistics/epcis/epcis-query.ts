import { ShipmentStatus, STATUS_EPCIS } from './cbv';
import { ssccDigitalLink } from './gs1';

/** JSON-LD context of the documents the gateway writes: EPCIS 2.0, plus `gw:` for the gateway's own terms. */
export const EPCIS_CONTEXT = ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld', { gw: 'https://gateway.local/epcis/ns#' }];

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** A shipment reference as the URI EPCIS wants for a bizTransaction (capture reads the reference back from its last segment). */
export function referenceUri(reference: string): string {
  return `urn:gateway:shipment-reference:${encodeURIComponent(reference)}`;
}

/**
 * An EPCISQueryDocument of a shipment's events, holding only what the caller may read: each event
 * from its readable fields, the shipment's SSCC (as Digital Link) and reference only when readable,
 * temperatures only where the caller may read the shipment's temperatureC.
 */
export function epcisQueryDocument(
  shipment: Record<string, unknown>,
  rows: ReadonlyArray<{ values: Record<string, unknown> }>,
  readings: Map<string, number>,
  now = new Date(),
) {
  const epcList = typeof shipment.sscc === 'string' && shipment.sscc ? [ssccDigitalLink(shipment.sscc)] : [];
  const reference = typeof shipment.reference === 'string' && shipment.reference ? shipment.reference : null;
  const eventList = rows.map(({ values: v }) => {
    const event: Record<string, unknown> = { type: 'ObjectEvent' };
    if (typeof v.id === 'string') event.eventID = `urn:gateway:shipment-event:${v.id}`;
    if (typeof v.occurredAt === 'string') {
      event.eventTime = v.occurredAt;
      event.eventTimeZoneOffset = '+00:00';
    }
    event.epcList = epcList;
    event.action = 'OBSERVE';
    if (typeof v.status === 'string' && v.status in STATUS_EPCIS) Object.assign(event, STATUS_EPCIS[v.status as ShipmentStatus]);
    if (typeof v.location === 'string' && v.location) {
      if (SCHEME.test(v.location)) event.readPoint = { id: v.location };
      else event['gw:location'] = v.location;
    }
    if (reference) event.bizTransactionList = [{ bizTransaction: referenceUri(reference) }];
    const reading = typeof v.id === 'string' ? readings.get(v.id) : undefined;
    if (reading !== undefined) event.sensorElementList = [{ sensorReport: [{ type: 'gs1:Temperature', value: reading, uom: 'CEL' }] }];
    for (const field of ['shipmentId', 'status', 'note', 'recordedBy']) if (v[field] !== undefined && v[field] !== null) event[`gw:${field}`] = v[field];
    return event;
  });
  return {
    '@context': EPCIS_CONTEXT,
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: {
      queryResults: {
        queryName: 'SimpleEventQuery',
        resultsBody: { eventList },
      },
    },
  };
}

/** The headers of every EPCIS query answer (EPCIS 2.0 REST bindings). */
export const EPCIS_ANSWER_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': 'application/ld+json; charset=utf-8',
  'GS1-EPCIS-Version': '2.0.0',
  'GS1-CBV-Version': '2.0.0',
};

/** An EPCISQueryDocument of events kept as captured; `contexts` are the extension prefixes their documents declared. */
export function epcisStoredQueryDocument(events: Array<Record<string, unknown>>, contexts: unknown[], now = new Date()) {
  return {
    '@context': [EPCIS_CONTEXT[0], ...contexts],
    type: 'EPCISQueryDocument',
    schemaVersion: '2.0',
    creationDate: now.toISOString(),
    epcisBody: {
      queryResults: {
        queryName: 'SimpleEventQuery',
        resultsBody: { eventList: events },
      },
    },
  };
}
