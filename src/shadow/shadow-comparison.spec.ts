import { addToTally, compareReads, differs, emptyTally, REQUESTS, sumTallies } from './shadow-comparison';

const row = (id: string, ...fields: string[]) => ({ id, fields });

describe('compareReads', () => {
  it('finds nothing between equal answers', () => {
    const answer = [row('a', 'id', 'sku'), row('b', 'id', 'sku')];
    const d = compareReads(answer, answer, null);
    expect(differs(d)).toBe(false);
    expect(d).toMatchObject({ rowsGained: 0, rowsLost: 0, fieldsGained: [], fieldsLost: [] });
  });

  it('counts rows only one side answers as gained or lost', () => {
    const d = compareReads([row('a', 'id'), row('b', 'id')], [row('b', 'id'), row('c', 'id'), row('d', 'id')], null);
    expect(d).toMatchObject({ rowsGained: 2, rowsLost: 1, gainedIds: ['c', 'd'], lostIds: ['a'], fieldsGained: [], fieldsLost: [] });
    expect(differs(d)).toBe(true);
  });

  it('names the fields gained and lost on rows both answer, each once, sorted', () => {
    const d = compareReads(
      [row('a', 'id', 'sku', 'orderedQty'), row('b', 'id', 'sku', 'orderedQty')],
      [row('a', 'id', 'sku', 'unitPrice'), row('b', 'id', 'sku', 'unitPrice', 'marginPct')],
      null,
    );
    expect(d).toMatchObject({ rowsGained: 0, rowsLost: 0, fieldsGained: ['marginPct', 'unitPrice'], fieldsLost: ['orderedQty'], changedIds: ['a', 'b'] });
  });

  it('does not count the fields of gained or lost rows as fields gained or lost', () => {
    const d = compareReads([row('a', 'id', 'sku')], [row('b', 'id', 'sku', 'unitPrice')], null);
    expect(d).toMatchObject({ rowsGained: 1, rowsLost: 1, fieldsGained: [], fieldsLost: [] });
  });

  it('compares only up to the last id both pages cover', () => {
    // The live page was cut after 'b': the candidate's 'c' and 'd' were never looked at by it.
    const d = compareReads([row('a', 'id'), row('b', 'id')], [row('b', 'id'), row('c', 'id'), row('d', 'id')], 'b');
    expect(d).toMatchObject({ rowsGained: 0, rowsLost: 1, lostIds: ['a'] });
  });

  it('orders ids by code point, as the database does', () => {
    // U+1F600 sorts after U+FF5E in UTF-8 (and SQL), though not in UTF-16 comparison.
    const d = compareReads([row('\uFF5E', 'id')], [row('\u{1F600}', 'id')], '\uFF5E');
    expect(d).toMatchObject({ rowsGained: 0, rowsLost: 1 });
  });

  it('loses every row of an answer the candidate would refuse', () => {
    expect(compareReads([row('a', 'id'), row('b', 'id')], [], null)).toMatchObject({ rowsLost: 2, rowsGained: 0 });
  });
});

describe('tallies', () => {
  it('adds evaluations of an operation', () => {
    const t = emptyTally();
    addToTally(t, compareReads([row('a', 'id')], [row('a', 'id')], null));
    addToTally(t, compareReads([row('a', 'id', 'x')], [row('a', 'id', 'y'), row('b', 'id')], null), ['rule-1']);
    expect(t).toMatchObject({ evaluated: 2, differing: 1, rowsGained: 1, rowsLost: 0 });
    expect([...t.fieldsGained]).toEqual(['y']);
    expect([...t.fieldsLost]).toEqual(['x']);
    expect([...t.ruleIds]).toEqual(['rule-1']);
  });

  it('sums the rows of every replica and flush, requests apart from operations', () => {
    const none = { fieldsGained: [], fieldsLost: [], ruleIds: [], rowsGained: 0, rowsLost: 0 };
    const sums = sumTallies([
      { operation: REQUESTS, evaluated: 3, differing: 1, errors: 0, ...none },
      { operation: REQUESTS, evaluated: 2, differing: 2, errors: 1, ...none },
      { operation: 'read Shipment', evaluated: 1, differing: 0, errors: 0, ...none },
      { operation: 'read DemandSignal', evaluated: 3, differing: 1, errors: 0, ...none, rowsGained: 4, fieldsGained: ['unitPrice'], ruleIds: ['r2'] },
      {
        operation: 'read DemandSignal',
        evaluated: 2,
        differing: 2,
        errors: 0,
        ...none,
        rowsLost: 1,
        fieldsGained: ['marginPct', 'unitPrice'],
        ruleIds: ['r1'],
      },
    ]);
    expect(sums).toEqual({
      evaluated: 5,
      differing: 3,
      errors: 1,
      operations: [
        {
          operation: 'read DemandSignal',
          evaluated: 5,
          differing: 3,
          rowsGained: 4,
          rowsLost: 1,
          fieldsGained: ['marginPct', 'unitPrice'],
          fieldsLost: [],
          ruleIds: ['r1', 'r2'],
        },
        { operation: 'read Shipment', evaluated: 1, differing: 0, rowsGained: 0, rowsLost: 0, fieldsGained: [], fieldsLost: [], ruleIds: [] },
      ],
    });
  });
});
