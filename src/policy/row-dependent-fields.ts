import { GatewayAbility } from './policy-compiler';

type Rule = ReturnType<GatewayAbility['rulesFor']>[number];

/**
 * Of the granted `fields`, those that some row in the action's scope may withhold: the field's
 * grant depends on the row (a rule with both `fields` and `conditions`, or an inverted rule). Judged
 * from the rules alone, assuming any two rules' conditions may overlap: a field named here may in
 * fact be readable on every stored row, but a field not named here is readable on every row in scope.
 *
 * A field is readable on every row in scope when either
 * - every rule granting rows grants the field and no inverted rule names it (its rules are the
 *   row rules), or
 * - an unconditional grant of the field comes before (has priority over) every inverted rule that
 *   could take it away, with only grants of it above.
 */
export function fieldsOnSomeRows(ability: GatewayAbility, action: string, subject: string, fields: string[]): string[] {
  const possible = ability.possibleRulesFor(action, subject as never);
  const granting = possible.filter((r) => !r.inverted);
  return fields.filter((field) => {
    const sameAsRows = granting.every((r) => r.matchesField(field)) && !possible.some((r) => r.inverted && r.fields && r.matchesField(field));
    return !sameAsRows && !unconditionallyGranted(ability.rulesFor(action, subject as never, field));
  });
}

/** `rules` highest priority first, as CASL gives them for one field. */
function unconditionallyGranted(rules: readonly Rule[]): boolean {
  for (const rule of rules) {
    if (rule.inverted) return false;
    if (!rule.conditions || Object.keys(rule.conditions).length === 0) return true;
  }
  return false;
}
