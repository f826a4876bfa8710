import { buildMongoQueryMatcher, createMongoAbility, MongoAbility, RawRuleOf } from '@casl/ability';
import { resolvePlaceholders } from './placeholders';
import { actionsOf, AGGREGATE_ACTION, DEFAULT_LIMITS, Measure, PolicyDocument, PolicyRule } from './policy-document';
import { isRelativeTime, relativeFor, usesRelativeTime } from './relative-time';
import { FieldTransform } from './transforms';

export type GatewayAbility = MongoAbility;

/** A rule as CASL holds it, still carrying the policy rule's id and reason. */
export type CompiledRawRule = RawRuleOf<GatewayAbility> & {
  id: string;
  transform?: Record<string, FieldTransform>;
  aggregate?: { groupBy: string[]; measures: Record<string, Measure[]>; minGroupSize: number };
};

export interface CompiledPolicy {
  ability: GatewayAbility;
  partnerId: string | null;
  version: number | null;
  purpose: string | null;
  limits: { requestsPerMinute: number; maxPageSize: number };
  /** Compiled once; the entry is stale at this instant (a rule's or an agreement's validFrom/validUntil), or never (Infinity). */
  expiresAt: number;
  /** The partner's agreements revision the policy was compiled under (null: not bound to the store, e.g. a draft). */
  agreementsRevision: number | null;
  /** Granting rule id → the agreement it rests on, for the rules kept. */
  ruleAgreements: ReadonlyMap<string, string>;
  /** Some condition compares with relative time (`${now-P7D}`): rights on a row change with the clock. */
  clockDependent?: boolean;
  /** Some read grant transforms a field (transforms.ts). */
  transforms?: boolean;
  /** The partner's own pseudonym key (pseudonym-key.ts), set where the policy is compiled for requests. */
  pseudonymKey?: Buffer;
}

/** What the compiler needs to know of an accepted, not terminated agreement (src/agreements). */
export interface AgreementWindow {
  id: string;
  purposes: string[];
  subjects: string[];
  validFrom: string;
  validUntil: string;
}

/**
 * The agreements a compilation judges `agreement:` rules by: the partner's accepted, not terminated
 * agreements (their periods are checked against the instant of compilation), or `assume-active`
 * where no store is at hand (a document's own tests, `npm run policy:check`).
 */
export interface AgreementContext {
  windows: ReadonlyMap<string, AgreementWindow> | 'assume-active';
  revision: number | null;
}

/** No agreement in force: every `agreement:` rule is left out (the safe default). */
export const NO_AGREEMENTS: AgreementContext = { windows: new Map(), revision: null };

/**
 * The order conditions compare in, in memory exactly as in the SQL scope:
 * - null never compares as less or greater than anything, as in SQL. CASL's default compare lets
 *   `null < 5` hold (JavaScript coercion), which the SQL scope could never reproduce;
 * - strings compare by Unicode code point, as SQLite (BINARY) and PostgreSQL (COLLATE "C") compare
 *   UTF-8 bytes. JavaScript's `<` compares UTF-16 code units, which puts characters above the BMP
 *   (surrogate pairs, e.g. emoji) before U+E000..U+FFFF: `'\u{1F600}' < '\uFF5E'` in JavaScript but
 *   not in SQL, so `{ id: { $gt: '\u{1F600}' } }` matched different rows in memory and in SQL.
 */
export function nullSafeCompare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined || b === null || b === undefined) return Number.NaN;
  if (isRelativeTime(b)) b = relativeFor(a, b as string);
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  return (a as number) > (b as number) ? 1 : -1;
}

/** Code point order of two different strings (= UTF-8 byte order). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) return codePointRank(x) > codePointRank(y) ? 1 : -1;
  }
  return a.length === b.length ? 0 : a.length > b.length ? 1 : -1;
}

/**
 * At the first differing UTF-16 unit, surrogates (U+D800..U+DFFF, only ever part of a code point
 * above U+FFFF) must rank above U+E000..U+FFFF; below U+D800 units already are code points.
 */
function codePointRank(unit: number): number {
  if (unit < 0xd800) return unit;
  return unit <= 0xdfff ? unit + 0x2000 : unit - 0x800;
}

export const conditionsMatcher = buildMongoQueryMatcher({}, {}, { compare: nullSafeCompare } as never);

export function createAbility(rules: CompiledRawRule[] | RawRuleOf<GatewayAbility>[]): GatewayAbility {
  return createMongoAbility<GatewayAbility>(rules as RawRuleOf<GatewayAbility>[], { conditionsMatcher });
}

/** The orchestrator's own systems: every action on every subject. */
export function adminPolicy(purpose: string | null): CompiledPolicy {
  return {
    ability: createAbility([{ action: ['read', 'create', 'update'], subject: 'all' } as CompiledRawRule]),
    partnerId: null,
    version: null,
    purpose,
    limits: { requestsPerMinute: Number.MAX_SAFE_INTEGER, maxPageSize: 1000 },
    expiresAt: Infinity,
    agreementsRevision: null,
    ruleAgreements: new Map(),
  };
}

/**
 * Compiles a document for one purpose at one instant: rules of other purposes and rules outside
 * their validity window are left out; placeholders are resolved. The result goes in the cache.
 */
export function compilePolicy(
  doc: PolicyDocument,
  version: number | null,
  purpose: string | null,
  now = Date.now(),
  agreements: AgreementContext = NO_AGREEMENTS,
): CompiledPolicy {
  let expiresAt = Infinity;
  const raw: CompiledRawRule[] = [];
  const ruleAgreements = new Map<string, string>();
  for (const rule of doc.rules) {
    if (rule.purposes && (purpose === null || !rule.purposes.includes(purpose))) continue;
    let from = rule.validFrom ? Date.parse(rule.validFrom) : -Infinity;
    let until = rule.validUntil ? Date.parse(rule.validUntil) : Infinity;
    if (rule.agreement !== undefined && agreements.windows !== 'assume-active') {
      const a = agreements.windows.get(rule.agreement);
      if (!a || !covers(a, rule, purpose)) continue;
      from = Math.max(from, Date.parse(a.validFrom));
      until = Math.min(until, Date.parse(a.validUntil));
    }
    if (from > now) expiresAt = Math.min(expiresAt, from);
    if (until > now) expiresAt = Math.min(expiresAt, until);
    if (from > now || until <= now) continue;
    raw.push(toRawRule(doc, rule));
    if (rule.agreement !== undefined && !rule.inverted) ruleAgreements.set(rule.id, rule.agreement);
  }
  return {
    ability: createAbility(raw),
    partnerId: doc.partner.id,
    version,
    purpose,
    limits: { ...DEFAULT_LIMITS, ...(doc.limits ?? {}) },
    expiresAt,
    agreementsRevision: agreements.revision,
    ruleAgreements,
    clockDependent: raw.some((r) => usesRelativeTime(r.conditions)),
    transforms: raw.some((r) => r.transform !== undefined),
  };
}

/** An agreement covers a rule for a purpose when it names the rule's subject and that purpose (every purpose of the rule, when it names some). */
function covers(a: AgreementWindow, rule: PolicyRule, purpose: string | null): boolean {
  if (!a.subjects.includes(rule.subject)) return false;
  if (rule.purposes) return rule.purposes.every((p) => a.purposes.includes(p));
  return purpose !== null && a.purposes.includes(purpose);
}

function toRawRule(doc: PolicyDocument, rule: PolicyRule): CompiledRawRule {
  const out: CompiledRawRule = { id: rule.id, action: actionsOf(rule), subject: rule.subject } as CompiledRawRule;
  if (rule.fields) out.fields = [...rule.fields];
  if (rule.action === AGGREGATE_ACTION) {
    const measures = rule.measures ?? {};
    out.action = AGGREGATE_ACTION;
    out.fields = [...new Set([...(rule.groupBy ?? []), ...Object.keys(measures)])];
    out.aggregate = { groupBy: [...(rule.groupBy ?? [])], measures, minGroupSize: rule.minGroupSize ?? 1 };
  }
  if (rule.conditions && Object.keys(rule.conditions).length > 0) out.conditions = resolvePlaceholders(doc, rule.conditions);
  if (rule.inverted) out.inverted = true;
  if (rule.reason) out.reason = rule.reason;
  if (rule.transform && !rule.inverted && Object.keys(rule.transform).length > 0) out.transform = rule.transform;
  return out;
}

/** The transforms of the rule behind a CASL rule, if any. */
export function transformsOf(rule: { origin?: unknown }): Record<string, FieldTransform> | undefined {
  return (rule.origin as { transform?: Record<string, FieldTransform> } | undefined)?.transform;
}

/** What an aggregate rule behind a CASL rule lets a partner group and measure. */
export function aggregateOf(rule: { origin?: unknown }): CompiledRawRule['aggregate'] {
  return (rule.origin as CompiledRawRule | undefined)?.aggregate;
}

/** The policy rule id behind a CASL rule. */
export function ruleIdOf(rule: { origin?: unknown }): string | null {
  const origin = rule.origin as { id?: unknown } | undefined;
  return typeof origin?.id === 'string' ? origin.id : null;
}
