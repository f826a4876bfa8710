import { GatewayError } from '../common/gateway-error';
import { SubjectName } from '../data/subjects';
import { CompiledPolicy } from '../policy/policy-compiler';
import { applyTransform } from '../policy/transforms';
import { SubjectPlan, transformFor } from './subject-plans';
import { RowJudge } from './row-judge';

/**
 * A filter on a transformed field would tell the stored value apart from the one shown (filtering
 * by exact values reads the raw value out one guess at a time): refused as a forbidden field.
 */
export function assertNoTransformedFilter(plan: SubjectPlan, subject: SubjectName, filtered: string[]): void {
  const transformed = filtered.filter((f) => plan.transformed.has(f));
  if (transformed.length === 0) return;
  throw new GatewayError(403, 'FORBIDDEN_FIELDS', 'Forbidden fields', {
    detail: `Your policy shares ${transformed.map((f) => `'${f}'`).join(', ')} of ${subject} only as a transformed value, which cannot be filtered by.`,
    extra: { fields: transformed, reason: 'transformed' },
  });
}

/** `transformedFields` for the answer's meta, in the subject's field order; nothing when none was. */
export function transformedMeta(all: readonly string[], judge: RowJudge): { transformedFields?: string[] } {
  if (judge.fieldsTransformed.size === 0) return {};
  return { transformedFields: all.filter((f) => judge.fieldsTransformed.has(f)) };
}

/** The read view of a row just written: transformed fields as the caller reads them. */
export function applyTransforms(policy: CompiledPolicy, subject: SubjectName, row: Record<string, unknown>, data: Record<string, unknown>): void {
  for (const f of Object.keys(data)) {
    const t = transformFor(policy.ability, subject, row, f);
    if (t) data[f] = applyTransform(t, data[f], policy.pseudonymKey);
  }
}
