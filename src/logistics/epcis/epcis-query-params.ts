import { GatewayError } from '../../common/gateway-error';
import { parseDateTime } from '../../data/field-values';
import { cbvUri } from './cbv';
import { canonicalEpc, EVENT_TYPES } from './epcis-capture';

/**
 * The EPCIS 2.0 simple-event-query parameters of GET /api/v1/epcis/events, as the REST binding
 * writes them in the query string. A parameter given several values (repeated, or values joined
 * by `|`) matches any of them. Identifiers and CBV terms are compared as the store keeps them:
 * an SSCC as its Digital Link, CBV terms as their GS1 Web URI, however the query writes them.
 */
export interface EpcisQuery {
  eventTypes: string[];
  times: Array<{ column: 'event_time' | 'record_time'; op: '>=' | '<'; value: string }>;
  bizSteps: string[];
  dispositions: string[];
  readPoints: string[];
  bizLocations: string[];
  eventIds: string[];
  /** Each entry: any of these terms (kind, value) must be on the event. */
  terms: Array<Array<[string, string]>>;
  shipmentId: string | null;
  perPage: number;
  nextPageToken: string | null;
}

export const DEFAULT_PER_PAGE = 100;
const MATCH: Readonly<Record<string, string[]>> = {
  MATCH_epc: ['epc', 'childEPC'],
  MATCH_anyEPC: ['epc', 'childEPC', 'parentID', 'inputEPC', 'outputEPC'],
  MATCH_parentID: ['parentID'],
  MATCH_inputEPC: ['inputEPC'],
  MATCH_outputEPC: ['outputEPC'],
  MATCH_epcClass: ['quantity'],
  MATCH_anyEPCClass: ['quantity'],
};
const TIMES: Readonly<Record<string, [EpcisQuery['times'][number]['column'], '>=' | '<']>> = {
  GE_eventTime: ['event_time', '>='],
  LT_eventTime: ['event_time', '<'],
  GE_recordTime: ['record_time', '>='],
  LT_recordTime: ['record_time', '<'],
};
/** Parameters the REST transport reads itself (legacy paging of ?shipmentId=…, field selection). */
const TRANSPORT = new Set(['limit', 'cursor', 'fields']);

export function parseEpcisQuery(query: Record<string, unknown>): EpcisQuery {
  const q: EpcisQuery = {
    eventTypes: [],
    times: [],
    bizSteps: [],
    dispositions: [],
    readPoints: [],
    bizLocations: [],
    eventIds: [],
    terms: [],
    shipmentId: null,
    perPage: DEFAULT_PER_PAGE,
    nextPageToken: null,
  };
  const problems: string[] = [];
  for (const [name, raw] of Object.entries(query)) {
    const values = (Array.isArray(raw) ? raw : [raw])
      .map(String)
      .flatMap((v) => v.split('|'))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    if (values.length === 0) {
      problems.push(`${name} must have a value`);
      continue;
    }
    if (values.some((v) => v.includes('\u0000'))) {
      problems.push(`${name} must not contain the NUL character (U+0000)`);
      continue;
    }
    const one = (): string | null => {
      if (values.length === 1) return values[0];
      problems.push(`${name} takes one value`);
      return null;
    };
    if (name === 'eventType') {
      const types = values.flatMap((v) => v.split(',')).map((v) => v.trim());
      const unknown = types.filter((t) => !EVENT_TYPES.includes(t));
      if (unknown.length > 0) problems.push(`eventType must be among ${EVENT_TYPES.join(', ')}`);
      q.eventTypes.push(...types);
    } else if (name in TIMES) {
      const value = one();
      const at = value === null ? null : parseDateTime(value);
      if (value !== null && at === null) problems.push(`${name} must be a date-time with a time zone (ISO 8601)`);
      if (at) q.times.push({ column: TIMES[name][0], op: TIMES[name][1], value: at });
    } else if (name === 'EQ_bizStep') q.bizSteps.push(...values.map((v) => cbvUri(v, 'BizStep')));
    else if (name === 'EQ_disposition') q.dispositions.push(...values.map((v) => cbvUri(v, 'Disp')));
    else if (name === 'EQ_readPoint') q.readPoints.push(...values);
    else if (name === 'EQ_bizLocation') q.bizLocations.push(...values);
    else if (name === 'EQ_eventID') q.eventIds.push(...values);
    else if (name in MATCH) {
      const kinds = MATCH[name];
      const canonical = name.includes('Class') ? values : values.map(canonicalEpc);
      q.terms.push(kinds.flatMap((k) => canonical.map((v) => [k, v] as [string, string])));
    } else if (name.startsWith('EQ_bizTransaction_') && name.length > 'EQ_bizTransaction_'.length) {
      const type = cbvUri(name.slice('EQ_bizTransaction_'.length), 'BTT');
      q.terms.push(values.map((v) => ['bizTransaction', `${type} ${v}`] as [string, string]));
    } else if (name === 'perPage') {
      const value = one();
      const n = value === null ? NaN : Number(value);
      if (value !== null && (!Number.isInteger(n) || n < 1)) problems.push('perPage must be a positive integer');
      else if (value !== null) q.perPage = n;
    } else if (name === 'nextPageToken') q.nextPageToken = one();
    else if (name === 'shipmentId') q.shipmentId = one();
    else if (!TRANSPORT.has(name)) problems.push(`unknown query parameter '${name}'`);
  }
  if (problems.length > 0) {
    throw new GatewayError(400, 'VALIDATION_FAILED', 'Validation failed', {
      detail: `The EPCIS query is not valid: ${problems.join('; ')}`,
      extra: { errors: problems },
    });
  }
  return q;
}

const STANDARD_PARAMETER =
  /^(?:eventType|perPage|nextPageToken|orderBy|orderDirection|eventCountLimit|maxEventCount|(?:GE|GT|LE|LT|EQ|MATCH|EXISTS|HASATTR|EQATTR|WD)_.+)$/;

/**
 * Whether a query string asks an EPCIS standard query: it names no single shipmentId, or it holds a
 * standard parameter. `?shipmentId=…` alone (with limit, cursor, fields and equality filters on
 * event fields) is the shipment's tracking history written as EPCIS, as before.
 */
export function isStandardQuery(query: Record<string, unknown>): boolean {
  return typeof query.shipmentId !== 'string' || Object.keys(query).some((k) => STANDARD_PARAMETER.test(k));
}
