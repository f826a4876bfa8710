import { createHash } from 'node:crypto';
import { cbvUri } from './cbv';
import { ssccDigitalLink, ssccFromEpc } from './gs1';

/**
 * The id of an EPCIS event that carries no eventID, after the CBV 2.0 event hash: a canonical
 * "pre-hash" string of the event's content, hashed with SHA-256 and written as
 * `ni:///sha-256;<lower-case hex>?ver=CBV2.0`. The same event sent again, or written another way
 * (keys in another order, an SSCC as URN instead of Digital Link, CBV terms as URN, bare word or
 * Web URI, eventTime in another zone), hashes the same; so a resent event is found as a duplicate.
 *
 * The pre-hash string concatenates, with no separators, in this order and only for what the
 * event holds (lists sorted by their canonical text, so their order does not matter):
 *   eventType=<type>
 *   eventTime=<UTC, milliseconds, Z>           eventTimeZoneOffset=<as written>
 *   certificationInfo=<v>...
 *   epcList then epc=<v>...                    (an SSCC as https://id.gs1.org/00/<sscc>)
 *   quantityList then quantityElement epcClass=<v>[quantity=<n>][uom=<u>]...
 *   action=<v>
 *   bizStep=<v>  disposition=<v>               (CBV terms as https://ref.gs1.org/cbv/BizStep-<w>, /Disp-<w>)
 *   persistentDisposition then set=<v>... unset=<v>...
 *   readPoint id=<v>   bizLocation id=<v>
 *   bizTransactionList then bizTransaction=<v>[type=<BTT Web URI>]...
 *   sourceList then source=<v>type=<SDT Web URI>...   destinationList likewise
 *   sensorElementList then sensorElement [sensorMetadata <field>=<v>...] sensorReport <field>=<v>...
 *       (metadata fields: time startTime endTime deviceID deviceMetadata rawData dataProcessingMethod
 *        bizRules; report fields: type deviceID deviceMetadata rawData dataProcessingMethod time
 *        microorganism chemicalSubstance value component stringValue booleanValue hexBinaryValue
 *        uriValue minValue maxValue meanValue sDev percRank percValue uom coordinateReferenceSystem
 *        exception; timestamps in UTC as above)
 *   ilmd=<JSON with sorted keys and sorted array items>
 *   <extension key>=<JSON likewise>... (keys written prefix:name, sorted)
 * Numbers are written as JavaScript writes them (no trailing zeros). Left out: eventID,
 * recordTime, errorDeclaration, @context and other @ keywords.
 *
 * It follows the idea and the field order of the CBV 2.0 algorithm but is not promised to be
 * bit-identical to GS1's reference implementation (which also expands JSON-LD prefixes through
 * the document's @context and converts every EPC scheme to Digital Link).
 */
export function epcisEventHash(event: Record<string, unknown>): string {
  return `ni:///sha-256;${createHash('sha256').update(preHashString(event), 'utf8').digest('hex')}?ver=CBV2.0`;
}

const METADATA_FIELDS = ['time', 'startTime', 'endTime', 'deviceID', 'deviceMetadata', 'rawData', 'dataProcessingMethod', 'bizRules'];
const REPORT_FIELDS = [
  'type',
  'deviceID',
  'deviceMetadata',
  'rawData',
  'dataProcessingMethod',
  'time',
  'microorganism',
  'chemicalSubstance',
  'value',
  'component',
  'stringValue',
  'booleanValue',
  'hexBinaryValue',
  'uriValue',
  'minValue',
  'maxValue',
  'meanValue',
  'sDev',
  'percRank',
  'percValue',
  'uom',
  'coordinateReferenceSystem',
  'exception',
];
const TIME_FIELDS = new Set(['time', 'startTime', 'endTime']);
const STANDARD = new Set([
  'type',
  'eventID',
  'eventTime',
  'eventTimeZoneOffset',
  'recordTime',
  'certificationInfo',
  'errorDeclaration',
  'epcList',
  'quantityList',
  'action',
  'bizStep',
  'disposition',
  'persistentDisposition',
  'readPoint',
  'bizLocation',
  'bizTransactionList',
  'sourceList',
  'destinationList',
  'sensorElementList',
  'ilmd',
  'parentID',
  'childEPCs',
  'childQuantityList',
  'inputEPCList',
  'inputQuantityList',
  'outputEPCList',
  'outputQuantityList',
  'transformationID',
]);

export function preHashString(e: Record<string, unknown>): string {
  const out: string[] = [];
  const str = (v: unknown) => String(v).trim();
  if (e.type !== undefined) out.push(`eventType=${str(e.type)}`);
  if (typeof e.eventTime === 'string') out.push(`eventTime=${utc(e.eventTime)}`);
  if (e.eventTimeZoneOffset !== undefined) out.push(`eventTimeZoneOffset=${str(e.eventTimeZoneOffset)}`);
  for (const c of sorted(asArray(e.certificationInfo).map((v) => `certificationInfo=${str(v)}`))) out.push(c);
  list(
    out,
    'epcList',
    asArray(e.epcList).map((v) => `epc=${epc(str(v))}`),
  );
  for (const key of ['parentID', 'transformationID']) if (e[key] !== undefined) out.push(`${key}=${epc(str(e[key]))}`);
  for (const key of ['childEPCs', 'inputEPCList', 'outputEPCList'])
    list(
      out,
      key,
      asArray(e[key]).map((v) => `epc=${epc(str(v))}`),
    );
  for (const key of ['quantityList', 'childQuantityList', 'inputQuantityList', 'outputQuantityList']) {
    list(
      out,
      key,
      asArray(e[key]).map((q) => {
        const r = (q ?? {}) as Record<string, unknown>;
        return `quantityElementepcClass=${str(r.epcClass)}${r.quantity !== undefined ? `quantity=${num(r.quantity)}` : ''}${r.uom !== undefined ? `uom=${str(r.uom)}` : ''}`;
      }),
    );
  }
  if (e.action !== undefined) out.push(`action=${str(e.action)}`);
  if (typeof e.bizStep === 'string') out.push(`bizStep=${cbvUri(e.bizStep, 'BizStep')}`);
  if (typeof e.disposition === 'string') out.push(`disposition=${cbvUri(e.disposition, 'Disp')}`);
  const pd = e.persistentDisposition as Record<string, unknown> | undefined;
  if (pd && typeof pd === 'object') {
    out.push('persistentDisposition');
    for (const k of ['set', 'unset']) for (const v of sorted(asArray(pd[k]).map((x) => cbvUri(str(x), 'Disp')))) out.push(`${k}=${v}`);
  }
  for (const key of ['readPoint', 'bizLocation']) {
    const id = (e[key] as Record<string, unknown> | undefined)?.id;
    if (id !== undefined) out.push(`${key}id=${str(id)}`);
  }
  list(
    out,
    'bizTransactionList',
    asArray(e.bizTransactionList).map((b) => {
      const r = (b ?? {}) as Record<string, unknown>;
      return `bizTransaction=${str(r.bizTransaction)}${r.type !== undefined ? `type=${cbvUri(str(r.type), 'BTT')}` : ''}`;
    }),
  );
  for (const [key, member] of [
    ['sourceList', 'source'],
    ['destinationList', 'destination'],
  ] as const) {
    list(
      out,
      key,
      asArray(e[key]).map((s) => {
        const r = (s ?? {}) as Record<string, unknown>;
        return `${member}=${str(r[member])}${r.type !== undefined ? `type=${cbvUri(str(r.type), 'SDT')}` : ''}`;
      }),
    );
  }
  list(
    out,
    'sensorElementList',
    asArray(e.sensorElementList).map((el) => {
      const r = (el ?? {}) as Record<string, unknown>;
      const meta = (r.sensorMetadata ?? r.sensorMetaData) as Record<string, unknown> | undefined;
      const metaText = meta ? `sensorMetadata${fields(meta, METADATA_FIELDS)}` : '';
      const reports = sorted(asArray(r.sensorReport).map((rep) => `sensorReport${fields((rep ?? {}) as Record<string, unknown>, REPORT_FIELDS)}`));
      return `sensorElement${metaText}${reports.join('')}`;
    }),
  );
  if (e.ilmd !== undefined) out.push(`ilmd=${unorderedJson(e.ilmd)}`);
  for (const key of Object.keys(e)
    .filter((k) => !STANDARD.has(k) && !k.startsWith('@') && k.includes(':'))
    .sort()) {
    out.push(`${key}=${unorderedJson(e[key])}`);
  }
  return out.join('');
}

/** JSON with sorted keys and every array's items sorted by their own text: EPCIS lists are unordered, extension arrays included. */
function unorderedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${sorted(v.map(unorderedJson)).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const record = v as Record<string, unknown>;
    return `{${Object.keys(record)
      .sort()
      .filter((k) => record[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${unorderedJson(record[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

function fields(record: Record<string, unknown>, order: string[]): string {
  return order
    .filter((f) => record[f] !== undefined)
    .map((f) => {
      const v = record[f];
      if (TIME_FIELDS.has(f) && typeof v === 'string') return `${f}=${utc(v)}`;
      return `${f}=${typeof v === 'number' ? num(v) : String(v).trim()}`;
    })
    .join('');
}

function list(out: string[], name: string, entries: string[]): void {
  if (entries.length === 0) return;
  out.push(name, ...sorted(entries));
}

function sorted(values: string[]): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function asArray(v: unknown): unknown[] {
  if (v === undefined || v === null) return [];
  return Array.isArray(v) ? v : [v];
}

function epc(v: string): string {
  const sscc = ssccFromEpc(v);
  return sscc ? ssccDigitalLink(sscc) : v;
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(v) : String(Number(v));
}

function utc(v: string): string {
  const t = Date.parse(v);
  return Number.isNaN(t) ? v.trim() : new Date(t).toISOString();
}
