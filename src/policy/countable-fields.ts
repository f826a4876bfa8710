import { SubjectName } from '../data/subjects';
import { CompiledPolicy } from './policy-compiler';

/**
 * The fields a simulation may count stored rows by: those that say whose a row is and where it
 * belongs (partner, site, region, product), on which read rules scope partners. Governance reads
 * no partner data, so a draft whose read conditions name any other field (quantities, prices,
 * costs, notes, status, times, ids) gets no row counts for that subject: otherwise counting rows
 * under chosen conditions would read those values out one comparison at a time.
 */
export const COUNTABLE_FIELDS: Readonly<Record<SubjectName, readonly string[]>> = {
  DemandSignal: ['sku', 'productFamily', 'site', 'region'],
  CapacitySignal: ['supplierId', 'site', 'sku'],
  Shipment: ['carrierId', 'shipperId', 'origin', 'destination', 'sku'],
  ShipmentEvent: ['recordedBy'],
};

/** Fields the policies' read rules on a subject condition on that a simulation may not count by (sorted). */
export function uncountableConditionFields(subject: SubjectName, ...policies: CompiledPolicy[]): string[] {
  return uncountableConditionFieldsOf(['read'], subject, ...policies);
}

/** The same for the rules of the given actions (a write's outcome depends on its action's conditions too). */
export function uncountableConditionFieldsOf(actions: readonly string[], subject: SubjectName, ...policies: CompiledPolicy[]): string[] {
  const out = new Set<string>();
  for (const policy of policies) {
    for (const action of actions) {
      for (const rule of policy.ability.possibleRulesFor(action, subject)) {
        for (const field of Object.keys((rule.conditions as object | undefined) ?? {})) {
          if (!COUNTABLE_FIELDS[subject].includes(field)) out.add(field);
        }
      }
    }
  }
  return [...out].sort();
}

/**
 * Per subject, the fields that rules of these documents condition on and that may not be counted by
 * (sorted): a shadow does not compare operations on such a subject, since its row and field counts
 * would read those values out one comparison at a time.
 */
export function uncountableConditionsByDocument(...documents: ReadonlyArray<{ rules?: ReadonlyArray<{ subject: SubjectName; conditions?: object }> }>) {
  const out = new Map<SubjectName, Set<string>>();
  for (const document of documents) {
    for (const rule of document.rules ?? []) {
      for (const field of Object.keys(rule.conditions ?? {})) {
        if (COUNTABLE_FIELDS[rule.subject]?.includes(field) ?? true) continue;
        if (!out.has(rule.subject)) out.set(rule.subject, new Set());
        out.get(rule.subject)!.add(field);
      }
    }
  }
  return [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([subject, fields]) => ({ subject, fields: [...fields].sort() }));
}
