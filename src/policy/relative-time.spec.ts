import { isRelativeTime, resolveRelative } from './relative-time';

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

  it('takes durations up to 1000 years, so that every placeholder resolves to a representable instant', () => {
    expect(resolveRelative('${now-P1000Y}', 'date', NOW)).toBe('1026-03-31');
    expect(resolveRelative('${now+P12000M}', 'date', NOW)).toBe('3026-03-31');
    expect(resolveRelative('${now+P365000D}', 'date', NOW)).toBe('3025-08-01');
    for (const tooLong of [
      '${now-P1001Y}',
      '${now-P999999999Y}',
      '${now+P12001M}',
      '${now-P99999999999999999999D}',
      '${now+PT9999999999H}',
      '${now-P999Y1000W}',
    ]) {
      expect(isRelativeTime(tooLong)).toBe(false);
      expect(() => resolveRelative(tooLong, 'timestamp', NOW)).toThrow(/not a relative time/);
    }
  });
});
