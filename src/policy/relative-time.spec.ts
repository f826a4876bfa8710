import { planFor } from '../access/policy-queries';
import { compilePolicy } from './policy-compiler';
import { PolicyDocument } from './policy-document';
import { isRelativeTime, resolveRelative, resolveRelativeTimes } from './relative-time';

const NOW = Date.parse('2026-03-31T10:30:00.000Z');

describe('relative time', () => {
  it('resolves ISO 8601 durations to a date or a timestamp', () => {
    expect(resolveRelative('${now}', 'timestamp', NOW)).toBe('2026-03-31T10:30:00.000Z');
    expect(resolveRelative('${now}', 'date', NOW)).toBe('2026-03-31');
    expect(resolveRelative('${now-P7D}', 'date', NOW)).toBe('2026-03-24');
    expect(resolveRelative('${now+PT12H}', 'timestamp', NOW)).toBe('2026-03-31T22:30:00.000Z');
    expect(resolveRelative('${now-P1M}', 'date', NOW)).toBe('2026-02-28');
    expect(resolveRelative('${now-P1Y2M3W4DT5H6M7.5S}', 'timestamp', NOW)).toBe('2025-01-06T05:23:52.500Z');
    expect(resolveRelative('${now+P2W}', 'date', NOW)).toBe('2026-04-14');
  });

  it('recognises only well-formed placeholders', () => {
    for (const ok of ['${now}', '${now-P7D}', '${now+PT12H}', '${now-P1Y}']) expect(isRelativeTime(ok)).toBe(true);
    for (const bad of ['${now-}', '${now-P}', '${now-PT}', '${now-7D}', '${now*P7D}', 'x${now}', '${nowP7D}', '${now-P7X}'])
      expect(isRelativeTime(bad)).toBe(false);
  });

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
