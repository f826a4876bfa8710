import { AttributeValue, PolicyDocument } from './policy-document';
import { isRelativeTime } from './relative-time';

const WHOLE = /^\$\{([^}]+)\}$/;
const ANY = /\$\{([^}]+)\}/g;

/** Names a placeholder may use: `partner.id`, `partner.name`, `partner.kind`, `partner.attributes.<name>`. */
export function lookupPlaceholder(doc: Pick<PolicyDocument, 'partner'>, name: string): { found: boolean; value?: AttributeValue } {
  const p = doc.partner;
  if (name === 'partner.id') return { found: true, value: p.id };
  if (name === 'partner.name') return { found: true, value: p.name };
  if (name === 'partner.kind') return { found: true, value: p.kind };
  const m = /^partner\.attributes\.([A-Za-z0-9_]+)$/.exec(name);
  if (m && p.attributes && Object.prototype.hasOwnProperty.call(p.attributes, m[1])) return { found: true, value: p.attributes[m[1]] };
  return { found: false };
}

/** Lists the placeholders in a value that do not resolve. */
export function unresolvedPlaceholders(doc: Pick<PolicyDocument, 'partner'>, value: unknown): string[] {
  const out: string[] = [];
  walkStrings(value, (s) => {
    for (const m of s.matchAll(ANY)) {
      // Relative time stands alone as a value, resolved per request (relative-time.ts).
      if (m[0] === s && isRelativeTime(s)) continue;
      if (!lookupPlaceholder(doc, m[1]).found) out.push(m[0]);
    }
  });
  return out;
}

/** Replaces placeholders: a string that is exactly one placeholder takes its value (an array stays an array). */
export function resolvePlaceholders<T>(doc: Pick<PolicyDocument, 'partner'>, value: T): T {
  return mapValue(value, (s: string) => {
    if (isRelativeTime(s)) return s;
    const whole = WHOLE.exec(s);
    if (whole) return lookupPlaceholder(doc, whole[1]).value ?? null;
    return s.replace(ANY, (_, name: string) => String(lookupPlaceholder(doc, name).value ?? ''));
  }) as T;
}

function walkStrings(value: unknown, visit: (s: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) value.forEach((v) => walkStrings(v, visit));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => walkStrings(v, visit));
}

function mapValue(value: unknown, map: (s: string) => unknown): unknown {
  if (typeof value === 'string') return map(value);
  if (Array.isArray(value)) return value.map((v) => mapValue(v, map));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = mapValue(v, map);
    return out;
  }
  return value;
}
