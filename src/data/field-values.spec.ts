import 'reflect-metadata';
import { EntitySchema } from 'typeorm';
import { columnOf } from './column-name';
import { ENTITY_OF } from './entities';
import { characterCount, fieldProblems, filterValue, INT32_MAX, INT32_MIN, isCalendarDate, parseDateTime, rowProblems, textProblem } from './field-values';
import { SUBJECT_NAMES, SUBJECTS } from './subjects';

describe('field values as stored', () => {
  it.each([
    ['2026-05-01T10:00:00Z', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01T12:00:00+02:00', '2026-05-01T10:00:00.000Z'],
    ['2026-05-01t10:00:00.123456z', '2026-05-01T10:00:00.123Z'],
    ['2024-02-29T23:30:00-01:00', '2024-03-01T00:30:00.000Z'],
    ['0050-01-01T00:00:00Z', '0050-01-01T00:00:00.000Z'],
  ])('RFC 3339 date-time %s is stored as %s', (input, stored) => {
    expect(parseDateTime(input)).toBe(stored);
  });

  it.each([
    '2026-02-30T10:00:00Z',
    '2026-13-45T10:00:00Z',
    '2025-02-29T00:00:00Z',
    '2026-05-01T24:00:00Z',
    '2026-05-01T23:59:60Z',
    '2026-05-01T10:00:00',
    '2026-05-01T10:00Z',
    '2026-05-01T10:00:00+0200',
    '2026-05-01T10:00:00+24:00',
    '2026-05-01',
    '2026-W05-3',
    '2026-W05-3T10:00:00Z',
    '2026-032',
    '2026-032T10:00:00Z',
    '20260501T100000Z',
    '2026',
    'May 1, 2026',
    '0000-01-01T00:00:00+00:01',
    '9999-12-31T23:59:59-00:01',
    ' 2026-05-01T10:00:00Z',
    42,
    null,
  ])('%p is not an RFC 3339 date-time with offset', (input) => {
    expect(parseDateTime(input)).toBeNull();
  });

  it.each([
    ['2026-05-01', true],
    ['2024-02-29', true],
    ['2026-02-30', false],
    ['2026-13-45', false],
    ['2100-02-29', false],
    ['2000-02-29', true],
    ['2026-00-10', false],
    ['2026-W05-3', false],
    ['2026-032', false],
    ['2026-5-1', false],
    ['2026-05-01T00:00:00Z', false],
  ])('calendar date %s: %p', (input, ok) => {
    expect(isCalendarDate(input)).toBe(ok);
  });

  it('counts characters as the databases do (code points), not UTF-16 units', () => {
    const astral = '\u{1F600}'.repeat(64);
    expect(astral.length).toBe(128);
    expect(characterCount(astral)).toBe(64);
    expect(textProblem(astral, 64)).toBeNull();
    expect(textProblem(`${astral}x`, 64)).toMatch(/at most 64 characters/);
  });

  it('refuses lone surrogates and NUL, wherever they stand', () => {
    for (const bad of ['\uDFFF', 'a\uD800', '\uD800b', '\uDC00\uD800']) expect(textProblem(bad, 64)).toMatch(/lone UTF-16 surrogate/);
    expect(textProblem('a\u0000', 64)).toMatch(/NUL/);
    expect(textProblem('\uD83D\uDE00', 64)).toBeNull();
  });

  it('whole numbers must fit PostgreSQL integer', () => {
    expect(fieldProblems('Shipment', { quantity: INT32_MAX })).toEqual([]);
    expect(fieldProblems('Shipment', { quantity: INT32_MAX + 1 })).toEqual([
      expect.stringMatching(/^quantity must be a whole number from -2147483648 to 2147483647/),
    ]);
    expect(fieldProblems('CapacitySignal', { leadTimeDays: INT32_MIN - 1 })).toHaveLength(1);
    expect(fieldProblems('Shipment', { quantity: 1.5 })).toEqual(['quantity must be a whole number']);
  });

  it('filters: typed as stored, or a problem naming the filter', () => {
    expect(filterValue('Shipment', 'eta', '2026-05-01T12:00:00+02:00')).toEqual({ value: '2026-05-01T10:00:00.000Z' });
    expect(filterValue('Shipment', 'eta', '2026-W05-3')).toEqual({ problem: expect.stringMatching(/^filter 'eta' must be an RFC 3339/) });
    expect(filterValue('DemandSignal', 'periodStart', '2026-02-30')).toEqual({
      problem: expect.stringMatching(/^filter 'periodStart' must be a calendar date/),
    });
    // A number no row can hold is a question with no row for an answer, not a bad value.
    expect(filterValue('Shipment', 'quantity', 2 ** 31)).toEqual({ value: 2 ** 31 });
    expect(filterValue('Shipment', 'quantity', 'many')).toEqual({ problem: expect.stringMatching(/^filter 'quantity'/) });
    expect(filterValue('Shipment', 'reference', '\uDFFF')).toEqual({ problem: expect.stringMatching(/^filter 'reference'.*surrogate/) });
    expect(filterValue('Shipment', 'reference', 'x'.repeat(500))).toEqual({ value: 'x'.repeat(500) });
  });

  it('committedQty may not exceed availableQty, checked when a write names either', () => {
    expect(rowProblems('CapacitySignal', { availableQty: 10, committedQty: 11 }, ['committedQty'])).toEqual([
      expect.stringMatching(/^committedQty \(11\) must not be above availableQty \(10\)/),
    ]);
    expect(rowProblems('CapacitySignal', { availableQty: 10, committedQty: 11 }, ['availableQty'])).toHaveLength(1);
    expect(rowProblems('CapacitySignal', { availableQty: 10, committedQty: 11 }, ['riskNotes'])).toEqual([]);
    expect(rowProblems('CapacitySignal', { availableQty: 10, committedQty: 10 }, ['committedQty'])).toEqual([]);
    expect(rowProblems('CapacitySignal', { availableQty: 10, committedQty: null }, ['committedQty'])).toEqual([]);
  });

  it('every text field of the catalog has the length of its column (entities), text columns a bound', () => {
    for (const subject of SUBJECT_NAMES) {
      const columns = (ENTITY_OF[subject] as EntitySchema).options.columns;
      for (const [field, spec] of Object.entries(SUBJECTS[subject].fields)) {
        if (spec.type !== 'string') continue;
        const column = columns[field];
        expect({ subject, field, found: column !== undefined }).toEqual({ subject, field, found: true });
        const type = column!.type;
        if (type === 'text') expect({ field, maxLength: spec.maxLength }).toEqual({ field, maxLength: expect.any(Number) });
        else
          expect({ field: `${subject}.${columnOf(field)}`, maxLength: spec.maxLength }).toEqual({
            field: `${subject}.${columnOf(field)}`,
            maxLength: column!.length,
          });
      }
    }
  });
});
