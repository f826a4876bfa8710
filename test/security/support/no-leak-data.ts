import fc from 'fast-check';
import { columnOf } from '../../../src/data/column-name';
import { fieldsOf, SUBJECTS, SubjectName } from '../../../src/data/subjects';
import { TestGateway } from '../../support/test-app';

/**
 * The fixed data set of one no-leak run: rows drawn from small value pools (so policy
 * conditions hit them and values repeat), with nulls, awkward strings and signed numbers.
 */

export type ReadSubject = 'DemandSignal' | 'CapacitySignal' | 'Shipment';
export const READ_SUBJECTS: ReadSubject[] = ['DemandSignal', 'CapacitySignal', 'Shipment'];

/** Partner ids that also occur in the data, so `${partner.id}` conditions match rows. */
export const PARTNER_POOL = ['partner-A', 'partner-a', 'partner-B'];

/**
 * Strings that sort interestingly: case, digits (lexical, not numeric), prefixes, trailing
 * space, empty, composed vs decomposed accents, non-ASCII BMP above the surrogates, astral.
 * All at most 10 characters (the narrowest general column is 64, period_start is 10).
 */
export const TEXT = [
  'SKU-100',
  'SKU-200',
  'sku-100',
  'SKU-1',
  'SKU-10',
  'SKU-9',
  '10',
  '9',
  '09',
  '-1',
  'A',
  'a',
  'B',
  'b',
  'Z',
  'z',
  '',
  'a ',
  ' a',
  'é',
  'e\u0301',
  'É',
  'Ω',
  '~',
  '\uFF5E',
  '\u{1F600}',
  'x%_y',
  "o'k",
  ...PARTNER_POOL,
];
const DATES = ['2026-01-01', '2026-01-02', '2026-1-1', '2025-12-31', '2026-02-01', '2026-10-01', '2026-9-01', '', '9999-12-31'];
/** Stored timestamps are ISO 8601 UTC with milliseconds (the gateway normalizes every write so). */
const TIMESTAMPS = [
  '2026-01-01T00:00:00.000Z',
  '2026-01-01T09:30:00.000Z',
  '2025-12-31T23:59:59.999Z',
  '2026-01-01T00:00:00.001Z',
  '2027-01-01T00:00:00.000Z',
  '1999-12-31T23:00:00.000Z',
];
/** PostgreSQL text cannot hold U+0000: a value with it can match nothing and must not break a query. */
export const NUL_PROBE = 'a\u0000';
const SSCC = ['003123456789012345', '00312345678901234', '1', '10', '9', 'A', 'a', ''];
/** 32-bit (PostgreSQL `integer`) and GraphQL `Int` range. */
export const INTEGERS = [-2147483648, -100, -7, -1, 0, 1, 2, 3, 7, 10, 100, 2147483647];
export const NUMBERS = [-1e6, -2.5, -1, -0.001, 0, 0.1, 0.5, 1, 2.25, 3, 7, 1e9, 123456.789];

export interface Domain {
  kind: 'text' | 'integer' | 'number' | 'enum';
  /** Values rows take (never null; nulls come from `nullable`). */
  data: readonly (string | number)[];
  /** Values conditions and filters may also name that no row has (probes). */
  probes: readonly (string | number)[];
  nullable: boolean;
}

export function domainOf(subject: SubjectName, field: string): Domain {
  const spec = SUBJECTS[subject].fields[field];
  const nullable = spec.nullable === true;
  switch (spec.type) {
    case 'integer':
      return { kind: 'integer', data: INTEGERS, probes: [4, -3, 1.5, -0.5, 3e9, -3e9], nullable };
    case 'number':
      return { kind: 'number', data: NUMBERS, probes: [0.2, -7, 2, 4.5, 1e12], nullable };
    case 'enum':
      return { kind: 'enum', data: spec.values!, probes: [], nullable };
    case 'date':
      return { kind: 'text', data: DATES, probes: ['2026-01-015', '2026'], nullable };
    // Condition values need not be normalized (compared as text in memory and in SQL alike).
    case 'timestamp':
      return {
        kind: 'text',
        data: TIMESTAMPS,
        probes: ['2026-01-01T00:00:00.002Z', '2026-01-01', '2026-01-01T00:00:00Z', '2026-01-01T', '2026-01-01T00:00:00.000+01:00'],
        nullable,
      };
    default:
      if (field === 'sscc') return { kind: 'text', data: SSCC, probes: ['0031'], nullable };
      return { kind: 'text', data: TEXT, probes: ['SKU-1000', 'SKU', 'zz', 'ÿ', NUL_PROBE], nullable };
  }
}

/** Ids are unique, of mixed shapes, so keyset paging runs over an interesting order. */
function idsFor(subject: ReadSubject, count: number): string[] {
  const p = { DemandSignal: 'ds', CapacitySignal: 'cap', Shipment: 'shp' }[subject];
  const shapes = [
    (i: number) => `${p}-${i}`,
    (i: number) => `${p.toUpperCase()}-${i}`,
    (i: number) => `${p}-0${i}`,
    (i: number) => `${i}`,
    (i: number) => `${p}_${i}`,
    (i: number) => `é${i}`,
    (i: number) => `Z${i}`,
    (i: number) => `z${i}`,
    (i: number) => `\u{1F600}${i}`,
    (i: number) => `~${i}`,
    (i: number) => `\uFF5E${i}`,
    (i: number) => `${p} ${i}`,
  ];
  const ids = Array.from({ length: count }, (_, i) => shapes[i % shapes.length](i));
  if (new Set(ids).size !== ids.length) throw new Error('duplicate ids in the no-leak data set');
  return ids;
}

function rowArbitrary(subject: ReadSubject): fc.Arbitrary<Record<string, unknown>> {
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const field of fieldsOf(subject)) {
    if (field === 'id') continue;
    const d = domainOf(subject, field);
    const value = fc.constantFrom(...d.data);
    shape[field] = d.nullable ? fc.option(value, { nil: null, freq: 3 }) : value;
  }
  return fc.record(shape);
}

export type DataSet = Record<ReadSubject, Record<string, unknown>[]>;

/** Draws the data set for a seed (the same seed gives the same rows). */
export function drawDataSet(seed: number, rowsPerTable: number): DataSet {
  const out = {} as DataSet;
  READ_SUBJECTS.forEach((subject, k) => {
    const [rows] = fc.sample(fc.array(rowArbitrary(subject), { minLength: rowsPerTable, maxLength: rowsPerTable }), { seed: seed + k, numRuns: 1 });
    const ids = idsFor(subject, rowsPerTable);
    out[subject] = rows.map((r, i) => ({ id: ids[i], ...r }));
  });
  return out;
}

export async function insertDataSet(gw: TestGateway, data: DataSet): Promise<void> {
  for (const subject of READ_SUBJECTS) {
    const fields = fieldsOf(subject);
    const sql = `INSERT INTO ${SUBJECTS[subject].table} (${fields.map(columnOf).join(', ')}) VALUES (${fields.map(() => '?').join(', ')})`;
    for (const row of data[subject])
      await gw.query(
        sql,
        fields.map((f) => row[f] ?? null),
      );
  }
}

/** Every row of a table as the API names its fields, in the database's id order (the order lists page in). */
export async function fetchRows(gw: TestGateway, subject: ReadSubject): Promise<Record<string, unknown>[]> {
  const fields = fieldsOf(subject);
  const raw = await gw.query(`SELECT ${fields.map((f) => `${columnOf(f)} AS "${f}"`).join(', ')} FROM ${SUBJECTS[subject].table} ORDER BY id`);
  return raw.map((r) => {
    const out: Record<string, unknown> = {};
    for (const f of fields) {
      const v = r[f];
      const kind = domainOf(subject, f).kind;
      out[f] = v !== null && v !== undefined && (kind === 'integer' || kind === 'number') ? Number(v) : (v ?? null);
    }
    return out;
  });
}
