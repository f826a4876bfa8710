/**
 * Relative time in condition values: `${now}`, `${now-P7D}`, `${now+PT12H}` (ISO 8601 durations).
 * The compiled policy keeps the placeholder as written (so it is cached, and simulate and the
 * access matrix show it); the SQL scope binds a marker that is resolved to the instant of each
 * query (see `resolveRelativeTimes`), and the in-memory matcher resolves it when it compares.
 */
const RELATIVE = /^\$\{now(?:([+-])(P[0-9A-Z.]+))?\}$/;
const DURATION = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d{1,3})?)S)?)?$/;
/**
 * The longest duration a placeholder may name. A longer one could reach past the dates JavaScript
 * and the stores represent (year 275760, or 9999 in a date column): refused when the policy is
 * validated, never an error on each read.
 */
const MAX_DURATION_YEARS = 1000;
/** A bound marker: NUL cannot appear in a policy value or a filter (both refuse it), so it is never data. */
const MARKER_PREFIX = '\u0000now|';

export type TimeKind = 'date' | 'timestamp';

interface Relative {
  sign: 1 | -1;
  parts: number[];
}

/** Whether a string is a relative-time placeholder, written correctly. */
export function isRelativeTime(value: unknown): boolean {
  return typeof value === 'string' && parseRelative(value) !== null;
}

/** Whether a placeholder name (inside `${…}`) is meant as relative time, well formed or not. */
export function looksRelative(name: string): boolean {
  return /^now\b/.test(name);
}

function parseRelative(value: string): Relative | null {
  const m = RELATIVE.exec(value);
  if (!m) return null;
  if (!m[2]) return { sign: 1, parts: [0, 0, 0, 0, 0, 0, 0] };
  const d = DURATION.exec(m[2]);
  if (!d) return null;
  const parts = d.slice(1).map((x) => (x ? Number(x) : 0));
  const [years, months, weeks, days, hours, minutes, seconds] = parts;
  // In mean Julian years (365.25 days) and months (a twelfth of one): P1000Y and P12000M are the longest.
  const approxDays = (years + months / 12) * 365.25 + weeks * 7 + days + (hours + (minutes + seconds / 60) / 60) / 24;
  if (!(approxDays <= MAX_DURATION_YEARS * 365.25)) return null;
  return { sign: m[1] === '-' ? -1 : 1, parts };
}

/** The placeholder's value at `now`: `YYYY-MM-DD` for a date field, ISO 8601 UTC with milliseconds for a timestamp. */
export function resolveRelative(value: string, kind: TimeKind, now: number): string {
  const r = parseRelative(value);
  if (!r) throw new Error(`not a relative time: ${value}`);
  const [years, months, weeks, days, hours, minutes, seconds] = r.parts;
  const t = new Date(now);
  if (years || months) {
    // Calendar months, the day clamped to the month's last (31 March minus a month is 28 February).
    const day = t.getUTCDate();
    t.setUTCDate(1);
    t.setUTCMonth(t.getUTCMonth() + r.sign * (years * 12 + months));
    t.setUTCDate(Math.min(day, new Date(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 0)).getUTCDate()));
  }
  const ms = ((((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds) * 1000;
  const iso = new Date(t.getTime() + r.sign * ms).toISOString();
  return kind === 'date' ? iso.slice(0, 10) : iso;
}

/** What the SQL scope binds for a relative time (resolved per query). */
export function relativeMarker(value: string, kind: TimeKind): string {
  return `${MARKER_PREFIX}${kind}|${value}`;
}

/** Bound parameters with every relative-time marker resolved to `now`; the same object when there is none. */
export function resolveRelativeTimes(params: Record<string, unknown>, now = Date.now()): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const [k, v] of Object.entries(params)) {
    if (typeof v !== 'string' || !v.startsWith(MARKER_PREFIX)) continue;
    out ??= { ...params };
    const rest = v.slice(MARKER_PREFIX.length);
    const bar = rest.indexOf('|');
    out[k] = resolveRelative(rest.slice(bar + 1), rest.slice(0, bar) as TimeKind, now);
  }
  return out ?? params;
}

/**
 * A stored value compared with a relative time in memory: a date field holds `YYYY-MM-DD` (ten
 * characters), a timestamp the full form, so the placeholder is resolved to the same form.
 */
export function relativeFor(stored: unknown, value: string, now = Date.now()): string {
  const kind: TimeKind = typeof stored === 'string' && stored.length === 10 ? 'date' : 'timestamp';
  return resolveRelative(value, kind, now);
}

/** Whether any condition of a rule list uses relative time (its rights then depend on the clock). */
export function usesRelativeTime(conditions: unknown): boolean {
  if (typeof conditions === 'string') return isRelativeTime(conditions);
  if (Array.isArray(conditions)) return conditions.some(usesRelativeTime);
  if (conditions && typeof conditions === 'object') return Object.values(conditions).some(usesRelativeTime);
  return false;
}
