import { subject as asSubject } from '@casl/ability';
import { transformFor } from '../access/subject-plans';
import { fieldsOf, SubjectName } from '../data/subjects';
import { aggregateOf, CompiledPolicy, ruleIdOf, transformsOf } from '../policy/policy-compiler';
import { AGGREGATE_ACTION, Measure } from '../policy/policy-document';
import { describeTransform, FieldTransform } from '../policy/transforms';

/** A field some read grant shares only as a coarser value. */
export interface TransformedGrant {
  field: string;
  ruleId: string | null;
  transform: FieldTransform;
  /** In words, e.g. `round 100`. */
  description: string;
}

/** What one aggregate rule lets the partner group and measure. */
export interface AggregateGrant {
  ruleId: string | null;
  groupBy: string[];
  measures: Record<string, Measure[]>;
  minGroupSize: number;
  conditions: Record<string, unknown> | null;
}

/**
 * The transforms of the read grants of a subject, field by field in the subject's order. A field
 * may appear more than once (several grants); the one that keeps most wins on a row they share.
 */
export function transformedGrants(policy: CompiledPolicy, subject: SubjectName, action = 'read'): TransformedGrant[] {
  if (action !== 'read') return [];
  const out: TransformedGrant[] = [];
  for (const field of fieldsOf(subject)) {
    for (const rule of policy.ability.rulesFor('read', subject, field)) {
      const t = rule.inverted ? undefined : transformsOf(rule)?.[field];
      if (t) out.push({ field, ruleId: ruleIdOf(rule), transform: t, description: describeTransform(t) });
    }
  }
  return out;
}

/** The aggregate grants of a subject (the first that grants everything a request asks for decides). */
export function aggregateGrants(policy: CompiledPolicy, subject: SubjectName): AggregateGrant[] {
  return policy.ability
    .rulesFor(AGGREGATE_ACTION, subject)
    .filter((r) => !r.inverted && aggregateOf(r))
    .map((r) => {
      const a = aggregateOf(r)!;
      return {
        ruleId: ruleIdOf(r),
        groupBy: a.groupBy,
        measures: a.measures,
        minGroupSize: a.minGroupSize,
        conditions: r.conditions ?? null,
      };
    });
}

/** The transform a field of one record is read with (null: the stored value), or null when not readable. */
export function recordTransform(policy: CompiledPolicy, subject: SubjectName, record: Record<string, unknown>, field: string): string | null {
  if (!policy.ability.can('read', asSubject(subject, { ...record }), field)) return null;
  const t = transformFor(policy.ability, subject, record, field);
  return t ? describeTransform(t) : null;
}

/** Field → the transforms its read grants apply (in words), for the fields some grant transforms. */
export function transformsByField(policy: CompiledPolicy, subject: SubjectName): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const g of transformedGrants(policy, subject)) (out[g.field] ??= []).push(g.description);
  return out;
}
