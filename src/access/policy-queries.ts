import { subject as asSubject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { fieldsOf, SubjectName } from '../data/subjects';
import { Dialect } from '../database/database.service';
import { CompiledPolicy, GatewayAbility, ruleIdOf } from '../policy/policy-compiler';
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
}

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
  plan = { rowScope, grantable, fieldScopes, conditionFields: [...conditionFields] };
  perPolicy.set(key, plan);
  return plan;
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
export function withholdingReason(ability: GatewayAbility, action: string, subject: SubjectName, row: Record<string, unknown>, field: string): { reason: string; ruleId: string | null } {
  const rule = ability.relevantRuleFor(action, asSubject(subject, { ...row }), field);
  if (rule?.inverted) return { reason: rule.reason ?? 'taken away by an inverted rule', ruleId: ruleIdOf(rule) };
  return { reason: 'not-granted', ruleId: null };
}

/** The id of the rule that decides an action on a row (for the audit's ruleIds). */
export function decidingRuleId(ability: GatewayAbility, action: string, subject: SubjectName, row: Record<string, unknown>): string | null {
  const rule = ability.relevantRuleFor(action, asSubject(subject, { ...row }));
  return rule && !rule.inverted ? ruleIdOf(rule) : null;
}
