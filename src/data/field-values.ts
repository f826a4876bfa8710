import { FieldSpec, SUBJECTS, SubjectName } from './subjects';

/**
 * Field values as the storage holds them, the same on SQLite and PostgreSQL. Every transport
 * (REST bodies, GraphQL inputs, event batches, EPCIS captures, list filters) checks a value of a
 * catalogued field here, so a value either fits both stores or is refused with 400 naming the
 * field; no store-specific failure (a 500 on PostgreSQL, a silent difference on SQLite) is left.
 */

/** PostgreSQL `integer` (and GraphQL `Int`): a 32-bit signed whole number. */
export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/**
 * RFC 3339 `date-time` with a time-zone offset (`Z` or `±hh:mm`), fractions of any length (kept to
 * the millisecond, as stored). Week (`2026-W05-3`) and ordinal (`2026-032`) forms, local times
 * without an offset and a leap second (`:60`, which JavaScript dates cannot hold) are not accepted.
 */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;
const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export const DATE_TIME_RULE = 'an RFC 3339 date-time with offset, e.g. 2026-05-01T10:00:00Z or 2026-05-01T12:00:00+02:00';
export const DATE_RULE = 'a calendar date YYYY-MM-DD, e.g. 2026-05-01';

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function validDay(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}

/** A calendar date `YYYY-MM-DD` that exists (no 2026-02-30, no 2026-13-45). */
export function isCalendarDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = CALENDAR_DATE.exec(value);
  return m !== null && validDay(Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * The instant of an RFC 3339 date-time as stored (ISO 8601 UTC with milliseconds), or null when the
 * value is not one or falls outside years 0000..9999 in UTC (stored timestamps compare as text).
 */
export function parseDateTime(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = DATE_TIME.exec(value);
  if (!m) return null;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (!validDay(year, month, day) || hour > 23 || minute > 59 || second > 59) return null;
  let offsetMinutes = 0;
  if (!m[8]) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return null;
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, '0')) : 0;
  const t = new Date(0);
  // setUTCFullYear, unlike Date.UTC, takes years 0..99 as they are.
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute - offsetMinutes, second, ms);
  const iso = t.toISOString();
  return /^\d{4}-/.test(iso) ? iso : null;
}

/** Characters as the databases count them (code points): `'😀'.length` is 2, PostgreSQL counts 1. */
export function characterCount(value: string): number {
  let n = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/** Half of a UTF-16 surrogate pair standing alone: no character, and the drivers store U+FFFD for it. */
export function hasLoneSurrogate(value: string): boolean {
  return LONE_SURROGATE.test(value);
}

/** What is wrong with text for a column of `maxLength` characters (null when it fits). */
export function textProblem(value: unknown, maxLength: number | undefined, minLength = 0): string | null {
  if (typeof value !== 'string') return 'must be a string';
  if (value.includes('\u0000')) return 'must not contain the NUL character (U+0000)';
  if (hasLoneSurrogate(value)) return 'must not contain a lone UTF-16 surrogate (half of a character)';
  const n = characterCount(value);
  if (n < minLength) return `must be at least ${minLength} character${minLength === 1 ? '' : 's'} long`;
  if (maxLength !== undefined && n > maxLength) return `must be at most ${maxLength} characters long (it has ${n})`;
  return null;
}

/** What is wrong with a value for a field of this kind, as the field would store it (null when it fits). Null itself is the caller's concern. */
export function valueProblem(spec: FieldSpec, value: unknown): string | null {
  switch (spec.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) return 'must be a whole number';
      if (value < INT32_MIN || value > INT32_MAX) return `must be a whole number from ${INT32_MIN} to ${INT32_MAX}`;
      return null;
    case 'number':
      return typeof value === 'number' && Number.isFinite(value) ? null : 'must be a finite number';
    case 'date':
      return isCalendarDate(value) ? null : `must be ${DATE_RULE}`;
    case 'timestamp':
      return parseDateTime(value) !== null ? null : `must be ${DATE_TIME_RULE}`;
    case 'enum':
      return typeof value === 'string' && (spec.values ?? []).includes(value) ? null : `must be one of ${(spec.values ?? []).join(', ')}`;
    case 'string':
      return textProblem(value, spec.maxLength);
  }
}

/** Problems of a body's catalogued fields, each naming its field (`quantity must be ...`). Unknown fields are left to the caller. */
export function fieldProblems(subject: SubjectName, body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [field, value] of Object.entries(body)) {
    const spec = SUBJECTS[subject].fields[field];
    if (!spec || value === null || value === undefined) continue;
    const problem = valueProblem(spec, value);
    if (problem) problems.push(`${field} ${problem}`);
  }
  return problems;
}

/**
 * An equality filter's value as compared with the stored one: timestamps as stored (UTC,
 * milliseconds), numbers as numbers; or a problem naming the filter. A text filter is not held to
 * the column's length (it simply matches nothing), but must be text the store can compare alike.
 */
export function filterValue(subject: SubjectName, field: string, value: unknown): { value: unknown } | { problem: string } {
  const spec = SUBJECTS[subject].fields[field];
  if (!spec || value === null) return { value };
  if (spec.type === 'timestamp') {
    const stored = parseDateTime(value);
    return stored !== null ? { value: stored } : { problem: `filter '${field}' must be ${DATE_TIME_RULE}` };
  }
  if (spec.type === 'string' || spec.type === 'enum') {
    const problem = textProblem(value, undefined);
    return problem ? { problem: `filter '${field}' ${problem}` } : { value };
  }
  // A number no row can hold (1.5 or 2^40 on an integer column) matches no row: a query, not a stored value.
  if ((spec.type === 'integer' || spec.type === 'number') && typeof value === 'number' && Number.isFinite(value)) return { value };
  const problem = valueProblem(spec, value);
  return problem ? { problem: `filter '${field}' ${problem}` } : { value };
}

/**
 * Checks across fields of one row, on the row as it would be stored (body merged over the stored
 * row). Only rules a partner would expect are here; each is listed in docs/api-guide.md. A rule is
 * applied when the write names one of its fields, so a stored row that breaks it can still be
 * changed elsewhere.
 */
export function rowProblems(subject: SubjectName, row: Record<string, unknown>, written: readonly string[]): string[] {
  const problems: string[] = [];
  const names = (...fields: string[]) => fields.some((f) => written.includes(f));
  if (subject === 'CapacitySignal' && names('committedQty', 'availableQty')) {
    const { committedQty, availableQty } = row as { committedQty?: unknown; availableQty?: unknown };
    if (typeof committedQty === 'number' && typeof availableQty === 'number' && committedQty > availableQty) {
      problems.push(`committedQty (${committedQty}) must not be above availableQty (${availableQty})`);
    }
  }
  return problems;
}
