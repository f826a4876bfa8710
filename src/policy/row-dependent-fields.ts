import { GatewayAbility } from './policy-compiler';

type Rule = ReturnType<GatewayAbility['rulesFor']>[number];

/**
 * Of the granted `fields`, those that some row in the action's scope may withhold: the field's
 * grant depends on the row (a rule with both `fields` and `conditions`, or an inverted rule).
 *
 * Judged from the rules alone, without the data: a field not named here is readable on every row
 * in scope; a field named here is withheld on the rows some rule could match, which may be none of
 * the rows stored today. One rule's rows are known to lie within another's only when its conditions
 * include all of the other's (same field, same condition); otherwise they are taken to overlap.
 */
export function fieldsOnSomeRows(ability: GatewayAbility, action: string, subject: string, fields: string[]): string[] {
  const all = ability.possibleRulesFor(action, subject as never);
  const rank = new Map(all.map((r, i) => [r, i]));
  const rowRules = new Set(ability.rulesFor(action, subject as never));
  const granting = all.filter((r) => !r.inverted);
  return fields.filter((field) => {
    const fieldRules = ability.rulesFor(action, subject as never, field);
    return !granting.every((r) => grantedOnRowsOf(r, fieldRules, rank, rowRules));
  });
}

/**
 * Whether the field is permitted on every row that `deciding` brings into scope. On such a row no
 * row rule of higher priority matches (it would decide instead), so only the field's own inverted
 * rules above it, and the rules from `deciding` down, can decide the field.
 */
function grantedOnRowsOf(deciding: Rule, fieldRules: readonly Rule[], rank: Map<Rule, number>, rowRules: Set<Rule>): boolean {
  const at = rank.get(deciding)!;
  // A row rule above `deciding` that matches every row it matches (two rules under the same
  // conditions, one granting more fields) decides all those rows instead: `deciding` decides none.
  for (const rule of rowRules) if (rank.get(rule)! < at && within(deciding, rule)) return true;
  for (const rule of fieldRules) {
    const above = rank.get(rule)! < at;
    if (above && rowRules.has(rule)) continue;
    if (rule.inverted) return false;
    if (!above && within(deciding, rule)) return true;
  }
  return false;
}

/** Every row `inner` matches, `outer` matches too: outer's conditions are among inner's. */
function within(inner: Rule, outer: Rule): boolean {
  const a = (inner.conditions ?? {}) as Record<string, unknown>;
  const b = (outer.conditions ?? {}) as Record<string, unknown>;
  return Object.keys(b).every((k) => Object.prototype.hasOwnProperty.call(a, k) && JSON.stringify(a[k]) === JSON.stringify(b[k]));
}
