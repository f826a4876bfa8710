import { subject as asSubject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { KEYSET_FIELDS } from '../data/keyset-indexes';
import { fieldsOf, SubjectName } from '../data/subjects';
import { Dialect } from '../database/database.service';
import { CompiledPolicy, GatewayAbility, ruleIdOf, transformsOf } from '../policy/policy-compiler';
import { FieldTransform, keepsMore } from '../policy/transforms';
import { ParamBag, rulesToSql } from './conditions-to-sql';

export interface Scope {
  sql: string;
  params: Record<string, unknown>;
}

export interface SubjectPlan {
  /** Rows the action may touch at all; null when none can. */
  rowScope: Scope | null;
  /** Fields some row could allow. */
  grantable: string[];
  /** Per field: the rows on which it is allowed, when that differs from rowScope. */
  fieldScopes: Map<string, Scope | null>;
  /** Fields that rule conditions read: selected so per-row field rights can be computed. */
  conditionFields: string[];
  /** The values of one keyset-indexed field that every row in scope has, when the scope says so. */
  seek: Seek | null;
  /** Fields some grant transforms (transforms.ts): never filtered by, judged row by row. */
  transformed: ReadonlySet<string>;
}

/** Every row in scope has `field` equal to one of `values`: a page is read as one index range per value. */
export interface Seek {
  field: string;
  values: unknown[];
}

/** More values than this are read as one range scan of the scope rather than as many index ranges. */
export const MAX_SEEK_VALUES = 64;

const plans = new WeakMap<CompiledPolicy, Map<string, SubjectPlan>>();

/**
 * What one compiled policy means for one (action, subject) in SQL, computed once and kept with
 * the compiled policy (so it is cached per partner, version and purpose too).
 */
export function planFor(policy: CompiledPolicy, action: string, subject: SubjectName, dialect: Dialect): SubjectPlan {
  let perPolicy = plans.get(policy);
  if (!perPolicy) plans.set(policy, (perPolicy = new Map<string, SubjectPlan>()));
  const key = `${action}:${subject}:${dialect}`;
  let plan = perPolicy.get(key);
  if (plan) return plan;

  const ability = policy.ability;
  const rowRules = ability.rulesFor(action, subject);
  const rowScope = toScope(rowRules, subject, dialect, 's');
  const grantable: string[] = [];
  const fieldScopes = new Map<string, Scope | null>();
  for (const field of fieldsOf(subject)) {
    const fieldRules = ability.rulesFor(action, subject, field);
    const sameAsRows = fieldRules.length === rowRules.length && fieldRules.every((r, i) => r === rowRules[i]);
    const scope = sameAsRows ? rowScope : toScope(fieldRules, subject, dialect, `f_${field}_`);
    if (scope !== null) grantable.push(field);
    if (!sameAsRows) fieldScopes.set(field, scope);
  }
  const conditionFields = new Set<string>();
  for (const rule of ability.possibleRulesFor(action, subject)) {
    for (const f of Object.keys((rule.conditions as object) ?? {})) conditionFields.add(f);
  }
  const transformed = new Set<string>();
  for (const rule of ability.possibleRulesFor(action, subject)) {
    if (!rule.inverted) for (const f of Object.keys(transformsOf(rule) ?? {})) transformed.add(f);
  }
  plan = { rowScope, grantable, fieldScopes, conditionFields: [...conditionFields], seek: rowScope ? seekOf(rowRules, subject) : null, transformed };
  perPolicy.set(key, plan);
  return plan;
}

/**
 * The keyset field and values that cover the scope: every granting rule must pin the same indexed
 * field to an equality or `$in` of non-null values (inverted rules only narrow the scope further).
 * A granting rule without such a condition, or rules pinning different fields, leave no seek.
 */
function seekOf(rules: ReturnType<GatewayAbility['rulesFor']>, subject: SubjectName): Seek | null {
  const granting = rules.filter((r) => !r.inverted);
  if (granting.length === 0) return null;
  let field: string | null = null;
  const values = new Set<unknown>();
  for (const rule of granting) {
    const conditions = (rule.conditions ?? {}) as Record<string, unknown>;
    const pinned = KEYSET_FIELDS[subject].filter((f) => f === field || (field === null && pinnedValues(conditions[f]) !== null));
    const chosen: string | undefined = field ?? pinned[0];
    const pinnedHere = chosen === undefined ? null : pinnedValues(conditions[chosen]);
    if (chosen === undefined || pinnedHere === null) return null;
    field = chosen;
    for (const v of pinnedHere) values.add(v);
  }
  if (field === null || values.size === 0 || values.size > MAX_SEEK_VALUES) return null;
  return { field, values: [...values] };
}

/** The values a condition pins a field to (`v`, `{ $eq: v }`, `{ $in: [...] }`), or null. */
function pinnedValues(condition: unknown): unknown[] | null {
  const scalar = (v: unknown) => typeof v === 'string' || typeof v === 'number';
  if (scalar(condition)) return [condition];
  if (typeof condition !== 'object' || condition === null || Array.isArray(condition)) return null;
  const ops = Object.entries(condition);
  for (const [op, v] of ops) {
    if (op === '$eq' && scalar(v)) return [v];
    if (op === '$in' && Array.isArray(v) && v.length > 0 && v.every(scalar)) return v;
  }
  return null;
}

function toScope(rules: Parameters<typeof rulesToSql>[0], subject: SubjectName, dialect: Dialect, prefix: string): Scope | null {
  const bag = new ParamBag(prefix);
  const sql = rulesToSql(rules, subject, dialect, 't', bag);
  return sql === null ? null : { sql, params: bag.params };
}

/** The fields of one row the action may touch, by CASL itself. */
export function permittedFields(ability: GatewayAbility, action: string, subject: SubjectName, row: Record<string, unknown>): string[] {
  const all = fieldsOf(subject);
  return permittedFieldsOf(ability, action, asSubject(subject, { ...row }), { fieldsFrom: (rule) => rule.fields ?? all });
}

/** Why a field is withheld on a row: the inverted rule's reason, or `not-granted`. */
export function withholdingReason(
  ability: GatewayAbility,
  action: string,
  subject: SubjectName,
  row: Record<string, unknown>,
  field: string,
): { reason: string; ruleId: string | null } {
  const rule = ability.relevantRuleFor(action, asSubject(subject, { ...row }), field);
  if (rule?.inverted) return { reason: rule.reason ?? 'taken away by an inverted rule', ruleId: ruleIdOf(rule) };
  return { reason: 'not-granted', ruleId: null };
}

/** The id of the rule that decides an action on a row (for the audit's ruleIds). */
export function decidingRuleId(ability: GatewayAbility, action: string, subject: SubjectName, row: Record<string, unknown>): string | null {
  const rule = ability.relevantRuleFor(action, asSubject(subject, { ...row }));
  return rule && !rule.inverted ? ruleIdOf(rule) : null;
}

/**
 * The transform a permitted field is read with on a row: granting rules are alternatives, so the
 * grant that keeps most wins (an untransformed grant keeps all). Only grants the row matches count,
 * and none below the first matching inverted rule (it takes the field away from those).
 */
export function transformFor(ability: GatewayAbility, subject: SubjectName, row: Record<string, unknown>, field: string): FieldTransform | null {
  let best: FieldTransform | null | undefined;
  const object = asSubject(subject, { ...row });
  for (const rule of ability.rulesFor('read', subject, field)) {
    if (!rule.matchesConditions(object)) continue;
    if (rule.inverted) break;
    const t = transformsOf(rule)?.[field] ?? null;
    if (best === undefined || keepsMore(t, best)) best = t;
    if (best === null) return null;
  }
  return best ?? null;
}
