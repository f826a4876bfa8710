import { GatewayError } from '../../common/gateway-error';
import { DATE_TIME_RULE, parseDateTime } from '../../data/field-values';
import { assertPushSize, PushItem, ShipmentLocator } from '../shipment-event-batch';
import { cbvUri, statusOf } from './cbv';
import { epcisEventHash } from './event-hash';
import { epcisDocumentProblems, epcisEventProblems } from './epcis-validator';
import { looksLikeSscc, ssccDigitalLink, ssccFromEpc } from './gs1';
import { CapturedEpcisEvent } from './captured-event';

export { CapturedEpcisEvent } from './captured-event';

export const EVENT_TYPES = ['ObjectEvent', 'AggregationEvent', 'TransactionEvent', 'TransformationEvent', 'AssociationEvent'];

/**
 * Turns an EPCIS 2.0 EPCISDocument into the events of a push, one per event of any of the five
 * types, in document order. A malformed document envelope is refused whole (400 VALIDATION_FAILED
 * naming each problem), more than 1,000 events is 413; an event the schema or the gateway cannot
 * take is refused alone (its own code and its path).
 *
 *   eventID (or the CBV 2.0 event hash) → eventId     eventTime → occurredAt
 *   bizStep / disposition → status (see cbv.ts)       readPoint.id (else bizLocation.id) → location
 *   sensorElementList temperature → temperatureC
 *   SSCCs in epcList, parentID, childEPCs, inputEPCList, outputEPCList / bizTransactionList → the shipments
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
  const context = extraContext((document as { '@context'?: unknown })['@context']);
  return (list as Array<Record<string, unknown>>).map((event, index) => mapEvent(event, index, context));
}

const EPCIS_CONTEXT_URL = /^https:\/\/ref\.gs1\.org\/standards\/epcis\/(?:2\.0\.0\/)?epcis-context\.jsonld$/;

function extraContext(context: unknown): unknown[] {
  const entries = Array.isArray(context) ? context : context === undefined ? [] : [context];
  return entries.filter((c) => !(typeof c === 'string' && EPCIS_CONTEXT_URL.test(c)));
}

const IDENTIFIER_LISTS: ReadonlyArray<[string, string]> = [
  ['epcList', 'epc'],
  ['childEPCs', 'childEPC'],
  ['inputEPCList', 'inputEPC'],
  ['outputEPCList', 'outputEPC'],
];
const QUANTITY_LISTS = ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList'];

function mapEvent(e: Record<string, unknown>, index: number, context: unknown[]): PushItem {
  const eventId = typeof e.eventID === 'string' ? e.eventID : epcisEventHash(e);
  const refused = (code: string, message: string): PushItem => ({ index, eventId, raw: null, refusal: { code, message } });
  if (typeof e.type !== 'string' || !EVENT_TYPES.includes(e.type)) {
    return refused(
      'UNSUPPORTED_EVENT_TYPE',
      `epcisBody.eventList[${index}].type: ${JSON.stringify(e.type ?? null)} is not an EPCIS 2.0 event type (${EVENT_TYPES.join(', ')}).`,
    );
  }
  const problems = epcisEventProblems(e, `epcisBody.eventList[${index}]`);
  if (problems.length > 0) return refused('VALIDATION_FAILED', problems.join('; '));

  const terms: Array<[string, string]> = [];
  const epcs: string[] = [];
  for (const [key, kind] of IDENTIFIER_LISTS) {
    for (const v of (e[key] as string[] | undefined) ?? []) {
      epcs.push(v);
      terms.push([kind, canonicalEpc(v)]);
    }
  }
  if (typeof e.parentID === 'string') {
    epcs.push(e.parentID);
    terms.push(['parentID', canonicalEpc(e.parentID)]);
  }
  for (const key of QUANTITY_LISTS) for (const q of (e[key] as Array<{ epcClass: string }> | undefined) ?? []) terms.push(['quantity', q.epcClass.trim()]);
  const badSsccs = epcs.filter((epc) => looksLikeSscc(epc) && ssccFromEpc(epc) === null);
  if (badSsccs.length > 0) return refused('VALIDATION_FAILED', `epcisBody.eventList[${index}]: not a valid SSCC: ${badSsccs.map((s) => `'${s}'`).join(', ')}`);
  const ssccs = [...new Set(epcs.map(ssccFromEpc).filter((s): s is string => s !== null))];
  const bizTransactions = (e.bizTransactionList as Array<{ bizTransaction: string; type?: string }> | undefined) ?? [];
  const transactions = bizTransactions.map((b) => b.bizTransaction.trim());
  // `<type as GS1 Web URI> <bizTransaction>`, for EQ_bizTransaction_<type>.
  for (const b of bizTransactions) terms.push(['bizTransaction', `${typeof b.type === 'string' ? cbvUri(b.type, 'BTT') : ''} ${b.bizTransaction.trim()}`]);
  if (ssccs.length === 0 && transactions.length === 0) {
    return refused('NO_SHIPMENT_IDENTIFIER', 'The event names no shipment: no SSCC in its EPC lists or parentID and no bizTransactionList.');
  }

  const temperature = temperatureOf(e);
  if ('problem' in temperature) return refused('VALIDATION_FAILED', temperature.problem);

  // Checked here, not by the document schema, so that one bad eventTime refuses its event alone.
  const occurredAt = parseDateTime(e.eventTime);
  if (occurredAt === null) return refused('VALIDATION_FAILED', `epcisBody.eventList[${index}].eventTime must be ${DATE_TIME_RULE}`);

  const declaration = e.errorDeclaration as { declarationTime?: string } | undefined;
  const declaredAt = declaration ? (parseDateTime(declaration.declarationTime) ?? occurredAt) : null;
  const status = statusOf(e.bizStep, e.disposition);
  const idOf = (key: string) => {
    const id = (e[key] as { id?: unknown } | undefined)?.id;
    return typeof id === 'string' ? id.trim() : null;
  };
  const place = idOf('readPoint') ?? idOf('bizLocation');
  const raw: Record<string, unknown> = { eventId, status: status ?? 'planned', occurredAt };
  if (place !== null) raw.location = place;
  if (temperature.value !== undefined) raw.temperatureC = temperature.value;
  const captured: CapturedEpcisEvent = {
    event: e,
    context,
    eventId,
    type: e.type,
    eventTime: occurredAt,
    bizStep: typeof e.bizStep === 'string' ? cbvUri(e.bizStep, 'BizStep') : null,
    disposition: typeof e.disposition === 'string' ? cbvUri(e.disposition, 'Disp') : null,
    readPoint: idOf('readPoint'),
    bizLocation: idOf('bizLocation'),
    terms,
    declaredAt,
    statusless: status === null,
    keepOnly: declaredAt !== null || (status === null && temperature.value === undefined),
  };
  return { index, eventId, raw, locate: locator(ssccs, transactions), epcis: captured };
}

/** An EPC as the store indexes it: an SSCC as its Digital Link, anything else as written. */
export function canonicalEpc(epc: string): string {
  const sscc = ssccFromEpc(epc);
  return sscc ? ssccDigitalLink(sscc) : epc.trim();
}

/** A bizTransaction names a shipment reference as itself or as its last `:` or `/` segment (a CBV BT URN, a URL). */
function locator(ssccs: string[], transactions: string[]): ShipmentLocator {
  const references = new Set<string>();
  for (const t of transactions) {
    references.add(t);
    const tail = t.split(/[:/]/).filter(Boolean).pop();
    if (tail) references.add(tail);
    if (tail && tail.includes('%')) {
      try {
        references.add(decodeURIComponent(tail));
      } catch {
        // not percent-encoded after all
      }
    }
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
    case 'CEL':
      return value;
    case 'FAH':
      return round(((value - 32) * 5) / 9);
    case 'KEL':
      return round(value - 273.15);
    default:
      return null;
  }
}
