import { createHmac } from 'node:crypto';
import { FieldSpec } from '../data/subjects';

/**
 * Field transforms a read rule may put on the fields it grants: the partner sees a coarser value
 * of the same type instead of the stored one.
 */
export type FieldTransform =
  | { round: number }
  | { floor: number[] }
  | { truncate: 'day' | 'week' | 'month' }
  | { mask: { keepLast: number } | { keepFirst: number } }
  | { pseudonym: true };

export const TRUNCATE_UNITS = ['day', 'week', 'month'] as const;
const KINDS = ['round', 'floor', 'truncate', 'mask', 'pseudonym'];

/** What the validator says of one transform on one field; empty when it fits the field's type. */
export function transformProblems(spec: FieldSpec, t: unknown): string[] {
  if (typeof t !== 'object' || t === null || Array.isArray(t))
    return [`must be one of { round: n }, { floor: [b0, …] }, { truncate: day|week|month }, { mask: { keepLast: n } | { keepFirst: n } }, { pseudonym: true }`];
  const keys = Object.keys(t);
  if (keys.length !== 1 || !KINDS.includes(keys[0])) return [`must name exactly one transform of ${KINDS.join(', ')}`];
  const numeric = spec.type === 'number' || spec.type === 'integer';
  const value = (t as Record<string, unknown>)[keys[0]];
  switch (keys[0]) {
    case 'round':
      if (!numeric) return [`round applies to numbers; the field is ${spec.type}`];
      if (typeof value !== 'number' || !(value > 0) || !Number.isFinite(value)) return ['round takes a positive number (the multiple to round to)'];
      if (spec.type === 'integer' && !Number.isInteger(value)) return ['round on a whole-number field takes a whole number, so the value stays whole'];
      return [];
    case 'floor':
      if (!numeric) return [`floor applies to numbers; the field is ${spec.type}`];
      if (!Array.isArray(value) || value.length === 0 || !value.every((b) => typeof b === 'number' && Number.isFinite(b)))
        return ['floor takes a non-empty list of numbers (the band boundaries)'];
      if (value.some((b, i) => i > 0 && (b as number) <= (value[i - 1] as number))) return ['floor boundaries must be in increasing order'];
      if (spec.type === 'integer' && !value.every((b) => Number.isInteger(b))) return ['floor on a whole-number field takes whole-number boundaries'];
      return [];
    case 'truncate':
      if (spec.type !== 'date' && spec.type !== 'timestamp') return [`truncate applies to dates and timestamps; the field is ${spec.type}`];
      if (!TRUNCATE_UNITS.includes(value as never)) return [`truncate takes ${TRUNCATE_UNITS.join(', ')}`];
      return [];
    case 'mask': {
      if (spec.type !== 'string') return [`mask applies to text fields; the field is ${spec.type}`];
      const ok =
        typeof value === 'object' &&
        value !== null &&
        !Array.isArray(value) &&
        Object.keys(value).length === 1 &&
        ['keepLast', 'keepFirst'].includes(Object.keys(value)[0]) &&
        Number.isInteger(Object.values(value)[0]) &&
        (Object.values(value)[0] as number) >= 0;
      return ok ? [] : ['mask takes { keepLast: n } or { keepFirst: n } with a whole number n >= 0'];
    }
    default:
      if (spec.type !== 'string') return [`pseudonym applies to text fields; the field is ${spec.type}`];
      return value === true ? [] : ['pseudonym takes true'];
  }
}

/**
 * How much a transform keeps, to choose among grants of one field on one row: the grant that keeps
 * most wins (an untransformed grant keeps all). Lower ranks keep more. Across kinds the order is
 * mask, truncate, round, floor, pseudonym; within a kind, the finer parameter keeps more.
 */
export function transformRank(t: FieldTransform | null): number[] {
  if (t === null) return [0, 0];
  if ('mask' in t) return [1, -('keepLast' in t.mask ? t.mask.keepLast : t.mask.keepFirst)];
  if ('truncate' in t) return [2, TRUNCATE_UNITS.indexOf(t.truncate)];
  if ('round' in t) return [3, t.round];
  if ('floor' in t) return [4, -t.floor.length];
  return [5, 0];
}

export function keepsMore(a: FieldTransform | null, b: FieldTransform | null): boolean {
  const [x, y] = [transformRank(a), transformRank(b)];
  return x[0] < y[0] || (x[0] === y[0] && x[1] < y[1]);
}

/** A short description for the audit record, e.g. `round 100`. */
export function describeTransform(t: FieldTransform): string {
  if ('round' in t) return `round ${t.round}`;
  if ('floor' in t) return `floor [${t.floor.join(', ')}]`;
  if ('truncate' in t) return `truncate ${t.truncate}`;
  if ('mask' in t) return 'keepLast' in t.mask ? `mask keepLast ${t.mask.keepLast}` : `mask keepFirst ${t.mask.keepFirst}`;
  return 'pseudonym';
}

/**
 * The transformed value. `pseudonymKey` is the partner's own key (see pseudonym-key.ts): the same
 * stored value gives the same pseudonym to one partner and unrelated ones to two partners.
 */
export function applyTransform(t: FieldTransform, value: unknown, pseudonymKey: Buffer | undefined): unknown {
  if (value === null || value === undefined) return null;
  if ('round' in t) return roundTo(Number(value), t.round);
  if ('floor' in t) {
    const n = Number(value);
    // Below the lowest boundary a value counts in the lowest band, so the field keeps its type.
    let band = t.floor[0];
    for (const b of t.floor) if (b <= n) band = b;
    return band;
  }
  if ('truncate' in t) return truncate(asText(value), t.truncate);
  if ('mask' in t) {
    const s = asText(value);
    const chars = [...s];
    if ('keepLast' in t.mask) {
      const keep = Math.min(t.mask.keepLast, chars.length);
      return '*'.repeat(chars.length - keep) + chars.slice(chars.length - keep).join('');
    }
    const keep = Math.min(t.mask.keepFirst, chars.length);
    return chars.slice(0, keep).join('') + '*'.repeat(chars.length - keep);
  }
  if (!pseudonymKey) throw new Error('a pseudonym needs the partner pseudonym key');
  return `ps_${createHmac('sha256', pseudonymKey).update(asText(value), 'utf8').digest('base64url').slice(0, 22)}`;
}

/** Stored text values are strings; a driver's Date (or anything else) by its JSON form. */
function asText(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function roundTo(n: number, multiple: number): number {
  const r = Math.round(n / multiple) * multiple;
  // 0.1 * 3 is 0.30000000000000004: keep as many decimals as the multiple has.
  const decimals = (String(multiple).split('.')[1] ?? '').length;
  return decimals > 0 ? Number(r.toFixed(decimals)) : r;
}

/** A date (`YYYY-MM-DD`) or ISO timestamp cut to the start of its UTC day, ISO week (Monday) or month, in the same form. */
function truncate(value: string, unit: 'day' | 'week' | 'month'): string {
  const isDate = value.length === 10;
  const t = new Date(isDate ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(t.getTime())) return value;
  t.setUTCHours(0, 0, 0, 0);
  if (unit === 'week') t.setUTCDate(t.getUTCDate() - ((t.getUTCDay() + 6) % 7));
  if (unit === 'month') t.setUTCDate(1);
  const iso = t.toISOString();
  return isDate ? iso.slice(0, 10) : iso;
}
