import { readPolicyDocuments } from '../policy/policy-files';
import { PolicyDocument } from '../policy/policy-document';
import { runPolicyTests } from './policy-tests';
import { validatePolicyDocument } from '../policy/policy-validator';

describe('policy tests', () => {
  const doc: PolicyDocument = {
    partner: { id: 'p', name: 'P', kind: 'supplier', attributes: { skus: ['A'] } },
    rules: [
      { id: 'r', action: 'read', subject: 'DemandSignal', fields: ['id', 'sku'], conditions: { sku: { $in: '${partner.attributes.skus}' } }, purposes: ['x'] },
    ],
    tests: [
      { name: 'sees sku', action: 'read', subject: 'DemandSignal', purpose: 'x', record: { sku: 'A' }, allowed: ['sku'], denied: ['unitPrice'] },
      { name: 'wrong purpose', action: 'read', subject: 'DemandSignal', purpose: 'y', record: { sku: 'A' }, denied: ['sku'], expect: 'deny' },
    ],
  };

  it('passes cases that hold', () => {
    expect(runPolicyTests(doc).every((r) => r.passed)).toBe(true);
  });

  it('names what fails', () => {
    const failing = {
      ...doc,
      tests: [{ name: 'bad', action: 'read' as const, subject: 'DemandSignal' as const, purpose: 'x', record: { sku: 'B' }, allowed: ['sku'] }],
    };
    const [result] = runPolicyTests(failing);
    expect(result.passed).toBe(false);
    expect(result.failures).toEqual(["expected 'sku' allowed, but it is denied"]);
  });

  it('judges a case at its own `now`, for rules bound in time', () => {
    const windowed: PolicyDocument = {
      ...doc,
      rules: [{ ...doc.rules[0], validFrom: '2025-01-01T00:00:00Z', validUntil: '2026-01-01T00:00:00Z' }],
      tests: [
        { name: 'inside', action: 'read', subject: 'DemandSignal', purpose: 'x', record: { sku: 'A' }, allowed: ['sku'], now: '2025-06-01T00:00:00Z' },
        { name: 'after', action: 'read', subject: 'DemandSignal', purpose: 'x', record: { sku: 'A' }, denied: ['sku'], now: '2026-01-01T00:00:00Z' },
        { name: 'at the given clock', action: 'read', subject: 'DemandSignal', purpose: 'x', record: { sku: 'A' }, allowed: ['sku'] },
      ],
    };
    expect(runPolicyTests(windowed, Date.parse('2025-03-01T00:00:00Z')).map((r) => [r.name, r.passed])).toEqual([
      ['inside', true],
      ['after', true],
      ['at the given clock', true],
    ]);
    expect(runPolicyTests(windowed, Date.parse('2026-03-01T00:00:00Z')).map((r) => [r.name, r.passed])).toEqual([
      ['inside', true],
      ['after', true],
      ['at the given clock', false],
    ]);
  });

  it('holds for every shipped demo policy', () => {
    const docs = readPolicyDocuments('policies');
    expect(docs.length).toBeGreaterThanOrEqual(5);
    for (const { file, raw } of docs) {
      const v = validatePolicyDocument(raw);
      expect({ file, problems: v.ok ? [] : v.problems }).toEqual({ file, problems: [] });
      const results = runPolicyTests(raw as PolicyDocument);
      expect(results.length).toBeGreaterThan(0);
      expect({ file, failed: results.filter((r) => !r.passed) }).toEqual({ file, failed: [] });
    }
  });

  describe('transforms and aggregates', () => {
    const sharing: PolicyDocument = {
      partner: { id: 'p', name: 'P', kind: 'supplier', attributes: { skus: ['A'] } },
      rules: [
        {
          id: 'demand',
          action: 'read',
          subject: 'DemandSignal',
          fields: ['id', 'sku', 'region', 'forecastQty', 'productFamily'],
          conditions: { sku: { $in: '${partner.attributes.skus}' } },
          transform: { forecastQty: { round: 100 }, productFamily: { pseudonym: true } },
        },
        { id: 'exact-in-nordics', action: 'read', subject: 'DemandSignal', fields: ['id', 'region', 'forecastQty'], conditions: { region: 'NORDICS' } },
        {
          id: 'totals',
          action: 'aggregate',
          subject: 'DemandSignal',
          groupBy: ['region'],
          measures: { forecastQty: ['sum', 'avg'] },
          minGroupSize: 3,
          conditions: { sku: { $in: '${partner.attributes.skus}' } },
        },
      ],
    };
    const ROWS = [
      { sku: 'A', region: 'EMEA', forecastQty: 100 },
      { sku: 'A', region: 'EMEA', forecastQty: 200 },
      { sku: 'A', region: 'EMEA', forecastQty: 400 },
      { sku: 'A', region: 'AMER', forecastQty: 5 },
      // Outside the rule's conditions: in no group.
      { sku: 'B', region: 'AMER', forecastQty: 7 },
      { sku: 'B', region: 'AMER', forecastQty: 7 },
    ];
    const run = (tests: PolicyDocument['tests']) => runPolicyTests({ ...sharing, tests });

    it('asserts the values and transforms a record is read with; the least transformed grant wins', () => {
      const results = run([
        {
          name: 'rounded',
          action: 'read',
          subject: 'DemandSignal',
          record: { sku: 'A', region: 'EMEA', forecastQty: 1234, productFamily: 'F' },
          values: { forecastQty: 1200, sku: 'A' },
          transforms: { forecastQty: 'round 100', productFamily: 'pseudonym', sku: null },
        },
        { name: 'exact', action: 'read', subject: 'DemandSignal', record: { sku: 'A', region: 'NORDICS', forecastQty: 1234 }, values: { forecastQty: 1234 } },
      ]);
      expect(results.map((r) => r.failures)).toEqual([[], []]);
      const [wrong] = run([
        {
          name: 'wrong',
          action: 'read',
          subject: 'DemandSignal',
          record: { sku: 'A', region: 'EMEA', forecastQty: 1234, productFamily: 'F' },
          values: { forecastQty: 1234, productFamily: 'F', unitPrice: 3 },
          transforms: { forecastQty: null },
        },
      ]);
      expect(wrong.failures).toEqual([
        "expected 'forecastQty' read as stored, but it is read with round 100",
        "expected 'forecastQty' read as 1234, but it is read as 1200",
        "'productFamily' is read as a pseudonym, which depends on the gateway's key: assert it with transforms",
        "expected 'unitPrice' read, but it is denied",
      ]);
    });

    it('judges an aggregate over the case rows: groups under k suppressed, rows outside the rule in no group', () => {
      const [ok, wrong, denied, notGranted] = run([
        {
          name: 'totals',
          action: 'aggregate',
          subject: 'DemandSignal',
          groupBy: ['region'],
          measures: ['sum:forecastQty', 'avg:forecastQty'],
          rows: ROWS,
          groups: [{ region: 'EMEA', count: 3, 'sum:forecastQty': 700, 'avg:forecastQty': 700 / 3 }],
          suppressedGroups: 1,
        },
        { name: 'wrong', action: 'aggregate', subject: 'DemandSignal', groupBy: ['region'], rows: ROWS, groups: [{ region: 'AMER' }], suppressedGroups: 0 },
        { name: 'deny', action: 'aggregate', subject: 'DemandSignal', groupBy: ['sku'], expect: 'deny' },
        { name: 'not granted', action: 'aggregate', subject: 'DemandSignal', groupBy: ['region'], measures: ['max:forecastQty'] },
      ]);
      expect(ok.failures).toEqual([]);
      expect(wrong.failures).toEqual([
        'expected 0 suppressed group(s), but 1 are (minGroupSize 3)',
        'expected the group {"region":"AMER"}, but it is not answered',
        'the group {"region":"EMEA","count":3} is answered, but not expected',
      ]);
      expect(denied.passed).toBe(true);
      expect(notGranted.failures).toEqual(['expected the aggregate of DemandSignal by region, max:forecastQty allowed, but no aggregate rule grants it']);
    });

    it('the validator checks the new keys with their paths', () => {
      const v = validatePolicyDocument(
        {
          ...sharing,
          tests: [
            { name: 'a', action: 'read', subject: 'DemandSignal', values: { nope: 1 } },
            { name: 'b', action: 'aggregate', subject: 'DemandSignal', groupBy: [], measures: ['median:forecastQty'], groups: [{}], record: {} },
            { name: 'c', action: 'read', subject: 'DemandSignal', record: {}, suppressedGroups: 1 },
          ],
        },
        'p',
      );
      expect(v.ok).toBe(false);
      const messages = v.ok ? [] : v.problems.map((p) => `${p.path}: ${p.message}`);
      expect(messages).toEqual(
        expect.arrayContaining([
          'tests[0].values: applies to read cases with a record',
          "tests[0].values.nope: unknown field 'nope' of DemandSignal",
          'tests[1].record: does not apply to aggregate cases',
          'tests[1].groupBy: is required: a non-empty list of fields',
          'tests[1].measures[0]: must be <count|sum|avg|min|max>:<field>',
          'tests[1].rows: is required with groups or suppressedGroups',
          'tests[2].suppressedGroups: applies to aggregate cases only',
        ]),
      );
    });
  });
});
