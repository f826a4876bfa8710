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
  const out = new Set<string>();
  for (const policy of policies) {
    for (const rule of policy.ability.possibleRulesFor('read', subject)) {
      for (const field of Object.keys((rule.conditions as object | undefined) ?? {})) {
        if (!COUNTABLE_FIELDS[subject].includes(field)) out.add(field);
      }
    }
  }
  return [...out].sort();
}
