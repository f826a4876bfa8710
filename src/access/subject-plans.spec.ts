import { compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument } from '../policy/policy-document';
import { resolveRelativeTimes } from '../policy/relative-time';
import { planFor } from './subject-plans';

const NOW = Date.parse('2026-03-31T10:30:00.000Z');

describe('plans with relative time', () => {
  it('the compiled plan stays the same; each query binds the instant it runs at', () => {
    const doc: PolicyDocument = {
      partner: { id: 'p', name: 'P', kind: 'supplier' },
      rules: [{ id: 'r', action: 'read', subject: 'DemandSignal', conditions: { periodStart: { $lte: '${now-P7D}' }, updatedAt: { $gte: '${now-PT1H}' } } }],
    };
    const policy = compilePolicy(doc, 1, null);
    const plan = planFor(policy, 'read', 'DemandSignal', 'sqlite');
    expect(planFor(policy, 'read', 'DemandSignal', 'sqlite')).toBe(plan);
    const at = (t: number) => Object.values(resolveRelativeTimes(plan.rowScope!.params, t)).sort();
    expect(at(NOW)).toEqual(['2026-03-24', '2026-03-31T09:30:00.000Z']);
    expect(at(NOW + 86_400_000)).toEqual(['2026-03-25', '2026-04-01T09:30:00.000Z']);
    expect(policy.clockDependent).toBe(true);
  });
});
