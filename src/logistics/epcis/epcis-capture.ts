import { GatewayError } from '../../common/gateway-error';
import { DATE_TIME_RULE, parseDateTime } from '../../data/field-values';
import { assertPushSize, PushItem, ShipmentLocator } from '../shipment-event-batch';
import { statusOf } from './cbv';
import { epcisEventHash } from './event-hash';
import { epcisDocumentProblems } from './epcis-validator';
import { looksLikeSscc, ssccFromEpc } from './gs1';

/**
 * Turns an EPCIS 2.0 EPCISDocument into the events of a push, one per ObjectEvent, in document
 * order. A malformed document is refused whole (400 VALIDATION_FAILED naming each problem), more
 * than 1,000 events is 413; an event the gateway cannot use is refused alone (its own code).
 *
 *   eventID (or the CBV 2.0 event hash) → eventId     eventTime → occurredAt
 *   bizStep / disposition → status (see cbv.ts)       readPoint.id (else bizLocation.id) → location
 *   sensorElementList temperature → temperatureC     epcList SSCC / bizTransactionList → the shipment
 */
export function epcisItems(document: unknown): PushItem[] {
  const list = (document as { epcisBody?: { eventList?: unknown } } | null)?.epcisBody?.eventList;
  if (Array.isArray(list)) assertPushSize(list.length);
  const problems = epcisDocumentProblems(document);
  if (problems.length > 0) {
    throw new GatewayError(400, 'VALIDATION_FAILED', 'Validation failed', {
      detail: `The EPCIS document is malformed: ${problems.join('; ')}`,
      extra: { errors: problems },
    });
  }
  return (list as Array<Record<string, unknown>>).map((event, index) => mapEvent(event, index));
}

function mapEvent(e: Record<string, unknown>, index: number): PushItem {
  const eventId = typeof e.eventID === 'string' ? e.eventID : epcisEventHash(e);
  const refused = (code: string, message: string): PushItem => ({ index, eventId, raw: null, refusal: { code, message } });
  if (e.type !== 'ObjectEvent') return refused('UNSUPPORTED_EVENT_TYPE', `${String(e.type)} is not captured; the gateway takes ObjectEvents.`);
  if (e.errorDeclaration !== undefined) return refused('UNSUPPORTED_EVENT_TYPE', 'Error declarations (corrections of earlier events) are not captured.');

  const status = statusOf(e.bizStep, e.disposition);
  if (!status) {
    return refused('UNMAPPED_STATUS', `No shipment status follows from bizStep ${JSON.stringify(e.bizStep ?? null)} and disposition ${JSON.stringify(e.disposition ?? null)}.`);
  }

  const epcs = (e.epcList as string[] | undefined) ?? [];
  const badSsccs = epcs.filter((epc) => looksLikeSscc(epc) && ssccFromEpc(epc) === null);
  if (badSsccs.length > 0) return refused('VALIDATION_FAILED', `epcList: not a valid SSCC: ${badSsccs.map((s) => `'${s}'`).join(', ')}`);
  const ssccs = [...new Set(epcs.map(ssccFromEpc).filter((s): s is string => s !== null))];
  const transactions = ((e.bizTransactionList as Array<{ bizTransaction: string }> | undefined) ?? []).map((b) => b.bizTransaction.trim());
  if (ssccs.length === 0 && transactions.length === 0) {
    return refused('NO_SHIPMENT_IDENTIFIER', 'The event names no shipment: no SSCC in epcList and no bizTransactionList.');
  }

  const temperature = temperatureOf(e);
  if ('problem' in temperature) return refused('VALIDATION_FAILED', temperature.problem);

  // Checked here, not by the document schema, so that one bad eventTime refuses its event alone.
  const occurredAt = parseDateTime(e.eventTime);
  if (occurredAt === null) return refused('VALIDATION_FAILED', `eventTime must be ${DATE_TIME_RULE}`);

  const place = (e.readPoint as { id?: string } | undefined)?.id ?? (e.bizLocation as { id?: string } | undefined)?.id;
  const raw: Record<string, unknown> = { eventId, status, occurredAt };
  if (place !== undefined) raw.location = place;
  if (temperature.value !== undefined) raw.temperatureC = temperature.value;
  return { index, eventId, raw, locate: locator(ssccs, transactions) };
}

/** A bizTransaction names a shipment reference as itself or as its last `:` or `/` segment (a CBV BT URN, a URL). */
function locator(ssccs: string[], transactions: string[]): ShipmentLocator {
  const references = new Set<string>();
  for (const t of transactions) {
    references.add(t);
    const tail = t.split(/[:/]/).filter(Boolean).pop();
    if (tail) references.add(tail);
  }
  const label = [...ssccs.map((s) => `SSCC ${s}`), ...transactions.map((t) => `bizTransaction '${t}'`)].join(' or ');
  return { ssccs, references: [...references], label };
}

const TEMPERATURE = /^(?:(?:https?:\/\/gs1\.org\/voc\/)|(?:gs1:)|(?:cbv:))?(?:MT-)?Temperature$/i;

/**
 * The temperature an event reports, in °C: among its sensor reports of type Temperature
 * (gs1:Temperature, Temperature, https://gs1.org/voc/Temperature) the latest by the report's time
 * (else its element's sensorMetadata time, else eventTime; ties: the last written), its `value`
 * (else `meanValue`), with uom CEL (FAH and KEL are converted). Another or no uom is refused.
 */
function temperatureOf(e: Record<string, unknown>): { value?: number } | { problem: string } {
  let best: { at: number; value: number } | null = null;
  const eventAt = Date.parse(e.eventTime as string);
  for (const element of (e.sensorElementList as Array<Record<string, unknown>> | undefined) ?? []) {
    const meta = (element.sensorMetadata ?? element.sensorMetaData) as { time?: string } | undefined;
    for (const report of (element.sensorReport as Array<Record<string, unknown>>) ?? []) {
      if (typeof report.type !== 'string' || !TEMPERATURE.test(report.type.trim())) continue;
      const reading = typeof report.value === 'number' ? report.value : typeof report.meanValue === 'number' ? report.meanValue : undefined;
      if (reading === undefined) continue;
      const celsius = toCelsius(reading, report.uom);
      if (celsius === null) return { problem: `sensorReport: temperature uom ${JSON.stringify(report.uom ?? null)} is not supported (use CEL, FAH or KEL)` };
      const at = Date.parse((report.time as string | undefined) ?? meta?.time ?? (e.eventTime as string));
      const when = Number.isNaN(at) ? eventAt : at;
      if (!best || when >= best.at) best = { at: when, value: celsius };
    }
  }
  return best ? { value: best.value } : {};
}

function toCelsius(value: number, uom: unknown): number | null {
  const round = (v: number) => Math.round(v * 1000) / 1000;
  switch (uom) {
    case 'CEL': return value;
    case 'FAH': return round(((value - 32) * 5) / 9);
    case 'KEL': return round(value - 273.15);
    default: return null;
  }
}
