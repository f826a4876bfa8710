import { GatewayError } from '../common/gateway-error';
import { columnOf } from '../data/column-name';
import { fieldProblems, parseDateTime, rowProblems } from '../data/field-values';
import { fieldsOf, SUBJECTS, SubjectName } from '../data/subjects';

/** Rows as the governed reads and writes hold them: values as stored, new ids, every column of a subject. */

export function hasNul(value: unknown): boolean {
  return typeof value === 'string' && value.includes('\u0000');
}

/** Checks across the fields of the row as it would be stored (src/data/field-values.ts). */
export function assertConsistent(subject: SubjectName, row: Record<string, unknown>, written: string[]): void {
  const problems = rowProblems(subject, row, written);
  if (problems.length > 0) throw GatewayError.validation(problems);
}

export function nullRow(subject: SubjectName): Record<string, unknown> {
  return Object.fromEntries(fieldsOf(subject).map((f) => [f, null]));
}

let counter = 0;
export function newId(subject: SubjectName): string {
  const prefix = { DemandSignal: 'ds', CapacitySignal: 'cap', Shipment: 'shp', ShipmentEvent: 'evt' }[subject];
  counter = (counter + 1) % 1296;
  return `${prefix}-${Date.now().toString(36)}${counter.toString(36).padStart(2, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

const ALL_COLUMNS = new Map<SubjectName, string[]>();

/** `t.column AS "field"` for every field of a subject. */
export function allColumnsOf(subject: SubjectName): string[] {
  let columns = ALL_COLUMNS.get(subject);
  if (!columns) ALL_COLUMNS.set(subject, (columns = fieldsOf(subject).map((f) => `t.${columnOf(f)} AS "${f}"`)));
  return columns;
}

/**
 * Timestamps are stored as ISO 8601 UTC with milliseconds, so they compare correctly as text.
 * A null is accepted only for a field that may be empty.
 */
export function normalizeTimestamps(subject: SubjectName, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nulls = Object.entries(body)
    .filter(([k, v]) => v === null && SUBJECTS[subject].fields[k] && !SUBJECTS[subject].fields[k].nullable)
    .map(([k]) => k);
  if (nulls.length > 0) throw GatewayError.validation(nulls.map((k) => `${k} must not be null`));
  const problems = fieldProblems(subject, body);
  if (problems.length > 0) throw GatewayError.validation(problems);
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue;
    out[k] = SUBJECTS[subject].fields[k]?.type === 'timestamp' && typeof v === 'string' ? parseDateTime(v) : v;
  }
  return out;
}

export function pickFields(subject: SubjectName, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(subject)) if (row[f] !== undefined) out[f] = row[f];
  return out;
}
