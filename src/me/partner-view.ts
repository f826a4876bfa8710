import { planFor } from '../access/subject-plans';
import { fieldsOf, SUBJECT_NAMES, SubjectName } from '../data/subjects';
import { Dialect } from '../database/database.service';
import { CompiledPolicy, ruleIdOf } from '../policy/policy-compiler';
import { Action, ACTIONS } from '../policy/policy-document';
import { fieldsOnSomeRows } from '../policy/row-dependent-fields';

/** One field an action may touch: on every row of the action's scope, or on some of them only. */
export interface FieldRight {
  field: string;
  rows: 'all' | 'some';
  ruleIds: string[];
  reasons: string[];
}

export interface ActionView {
  /** The rows the action may touch, in words. */
  scope: string;
  fields: FieldRight[];
}

export type SubjectsView = Partial<Record<SubjectName, Partial<Record<Action, ActionView>>>>;

interface RuleLike {
  inverted: boolean;
  conditions?: unknown;
  reason?: string;
  origin?: unknown;
}

/**
 * What one compiled policy (the object enforcement judges by) lets its partner do, subject by
 * subject and action by action. Fields and their row dependence come from the same SQL plan the
 * governed reads and writes use: a field whose rules are the rules that scope the rows is on every
 * row ("all"); any other grantable field depends on the row ("some").
 */
export function subjectsView(policy: CompiledPolicy, dialect: Dialect): SubjectsView {
  const out: SubjectsView = {};
  for (const subject of SUBJECT_NAMES) {
    const actions: Partial<Record<Action, ActionView>> = {};
    for (const action of ACTIONS) {
      const view = actionView(policy, subject, action, dialect);
      if (view) actions[action] = view;
    }
    if (Object.keys(actions).length > 0) out[subject] = actions;
  }
  return out;
}

export function actionView(policy: CompiledPolicy, subject: SubjectName, action: Action, dialect: Dialect): ActionView | null {
  const plan = planFor(policy, action, subject, dialect);
  if (!plan.rowScope || plan.grantable.length === 0) return null;
  const ability = policy.ability;
  // The same judgement as governance's access matrix (rule priority included).
  const someRows = new Set(fieldsOnSomeRows(ability, action, subject, plan.grantable));
  const fields: FieldRight[] = [];
  for (const field of fieldsOf(subject)) {
    if (!plan.grantable.includes(field)) continue;
    const rules = ability.rulesFor(action, subject, field) as readonly RuleLike[];
    const ruleIds: string[] = [];
    const reasons: string[] = [];
    for (const rule of rules) {
      const id = ruleIdOf(rule);
      if (id && !ruleIds.includes(id)) ruleIds.push(id);
      const reason = rule.inverted ? `Withheld where ${conditionsInWords(rule.conditions) ?? 'always'}${rule.reason ? `: ${rule.reason}` : ''}` : rule.reason;
      if (reason && !reasons.includes(reason)) reasons.push(reason);
    }
    fields.push({ field, rows: someRows.has(field) ? 'some' : 'all', ruleIds, reasons });
  }
  let scope = scopeInWords(ability.rulesFor(action, subject));
  if (subject === 'ShipmentEvent') {
    // Event rights follow the shipment (contract section 4).
    const shipmentAction = action === 'read' ? 'read' : 'update';
    const shipments = planFor(policy, shipmentAction, 'Shipment', dialect).rowScope ? scopeInWords(ability.rulesFor(shipmentAction, 'Shipment')) : 'none';
    const of = `events of shipments you may ${shipmentAction} (shipments where ${shipments})`;
    scope = scope === 'all rows' ? of : `${of}, where ${scope}`;
  }
  return { scope, fields };
}

/** The rows a list of CASL rules (highest priority first) lets through, in words. */
export function scopeInWords(rules: readonly RuleLike[]): string {
  const grants = rules.filter((r) => !r.inverted);
  if (grants.length === 0) return 'no rows';
  const except = rules.filter((r) => r.inverted).map((r) => conditionsInWords(r.conditions) ?? 'always');
  const granted = grants.some((r) => !conditionsInWords(r.conditions))
    ? 'all rows'
    : [...new Set(grants.map((r) => conditionsInWords(r.conditions)!))].join(' or ');
  if (except.length === 0) return granted;
  return `${granted}, except where ${[...new Set(except)].join(' or ')}`;
}

const OPERATOR_WORDS: Record<string, string> = {
  $eq: 'is',
  $ne: 'is not',
  $in: 'is one of',
  $nin: 'is none of',
  $lt: 'is less than',
  $lte: 'is at most',
  $gt: 'is greater than',
  $gte: 'is at least',
};

/** `{ sku: { $in: [A, B] }, region: 'EMEA' }` → "sku is one of A, B and region is EMEA"; null when there is no condition. */
export function conditionsInWords(conditions: unknown): string | null {
  if (!conditions || typeof conditions !== 'object') return null;
  const parts: string[] = [];
  for (const [field, cond] of Object.entries(conditions as Record<string, unknown>)) {
    if (cond !== null && typeof cond === 'object' && !Array.isArray(cond)) {
      for (const [op, value] of Object.entries(cond as Record<string, unknown>)) parts.push(phrase(field, op, value));
    } else parts.push(phrase(field, '$eq', cond));
  }
  return parts.length === 0 ? null : parts.join(' and ');
}

function phrase(field: string, op: string, value: unknown): string {
  if (value === null && (op === '$eq' || op === '$ne')) return `${field} ${op === '$eq' ? 'is empty' : 'is not empty'}`;
  const words = OPERATOR_WORDS[op] ?? op;
  const shown = Array.isArray(value) ? (value.length === 0 ? '(nothing)' : value.map(String).join(', ')) : String(value);
  return `${field} ${words} ${shown}`;
}
