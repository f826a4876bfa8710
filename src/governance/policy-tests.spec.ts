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
});
