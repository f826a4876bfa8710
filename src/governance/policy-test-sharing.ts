import { subject as asSubject } from '@casl/ability';
import { permittedFields, transformFor } from '../access/subject-plans';
import { SUBJECTS, SubjectName } from '../data/subjects';
import { aggregateOf, GatewayAbility } from '../policy/policy-compiler';
import { AGGREGATE_ACTION, Measure, PolicyDocument, PolicyTestCase } from '../policy/policy-document';
import { resolvePlaceholders } from '../policy/placeholders';
import { applyTransform, describeTransform } from '../policy/transforms';

/**
 * A read case's `values` and `transforms`: the value and the transform each named field of the
 * record is read with, judged as the gateway judges a row (the least transformed grant wins).
 * A pseudonym depends on the gateway's key, so it can be asserted by `transforms` only.
 */
export function transformFailures(ability: GatewayAbility, t: PolicyTestCase, record: Record<string, unknown>): string[] {
  const failures: string[] = [];
  const subject = t.subject;
  const permitted = permittedFields(ability, 'read', subject, record);
  const judge = (field: string) => {
    if (!permitted.includes(field)) {
      failures.push(`expected '${field}' read, but it is denied`);
      return undefined;
    }
    return transformFor(ability, subject, record, field);
  };
  for (const [field, want] of Object.entries(t.transforms ?? {})) {
    const tr = judge(field);
    if (tr === undefined) continue;
    const got = tr ? describeTransform(tr) : null;
    if (got !== want)
      failures.push(`expected '${field}' read ${want === null ? 'as stored' : `with ${want}`}, but it is read ${got === null ? 'as stored' : `with ${got}`}`);
  }
  for (const [field, want] of Object.entries(t.values ?? {})) {
    const tr = judge(field);
    if (tr === undefined) continue;
    if (tr && 'pseudonym' in tr) {
      failures.push(`'${field}' is read as a pseudonym, which depends on the gateway's key: assert it with transforms`);
      continue;
    }
    const got = tr ? applyTransform(tr, record[field], undefined) : (record[field] ?? null);
    if (!same(got, want)) failures.push(`expected '${field}' read as ${JSON.stringify(want)}, but it is read as ${JSON.stringify(got)}`);
  }
  return failures;
}

/**
 * An aggregate case: the request (`groupBy`, `measures`) over the case's `rows`, judged as the
 * aggregate endpoint judges it: the first aggregate rule that grants every groupBy field and
 * measure decides; rows outside its conditions are in no group; groups of fewer than its
 * minGroupSize rows are left out and counted.
 */
export function runAggregateCase(doc: PolicyDocument, ability: GatewayAbility, t: PolicyTestCase): string[] {
  const subject = t.subject;
  const groupBy = t.groupBy ?? [];
  const measures = (t.measures ?? []).map((m) => {
    const [measure, field] = m.split(':');
    return { key: m, measure: measure as Measure, field };
  });
  const rule = ability
    .rulesFor(AGGREGATE_ACTION, subject)
    .find(
      (r) =>
        !r.inverted &&
        aggregateOf(r) &&
        groupBy.every((f) => aggregateOf(r)!.groupBy.includes(f)) &&
        measures.every((m) => (aggregateOf(r)!.measures[m.field] ?? []).includes(m.measure)),
    );
  const failures: string[] = [];
  if (t.expect === 'deny') {
    if (rule) failures.push(`expected the aggregate of ${subject} by ${groupBy.join(', ')} denied, but it is allowed`);
    return failures;
  }
  if (!rule)
    return [`expected the aggregate of ${subject} by ${[...groupBy, ...measures.map((m) => m.key)].join(', ')} allowed, but no aggregate rule grants it`];
  if (t.rows === undefined) return failures;
  const k = aggregateOf(rule)!.minGroupSize;
  const groups = new Map<string, Array<Record<string, unknown>>>();
  for (const raw of t.rows) {
    const row = resolvePlaceholders(doc, raw);
    if (!rule.matchesConditions(asSubject(subject, { ...row }))) continue;
    const key = JSON.stringify(groupBy.map((f) => row[f] ?? null));
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const answered: Array<Record<string, unknown>> = [];
  let suppressed = 0;
  for (const rows of groups.values()) {
    if (rows.length < k) {
      suppressed++;
      continue;
    }
    const group: Record<string, unknown> = {};
    for (const f of groupBy) group[f] = rows[0][f] ?? null;
    group.count = rows.length;
    for (const m of measures) group[m.key] = measure(subject, m.measure, m.field, rows);
    answered.push(group);
  }
  if (t.suppressedGroups !== undefined && t.suppressedGroups !== suppressed)
    failures.push(`expected ${t.suppressedGroups} suppressed group(s), but ${suppressed} are (minGroupSize ${k})`);
  if (t.groups !== undefined) {
    const left = [...answered];
    for (const want of t.groups) {
      const i = left.findIndex((g) => Object.entries(want).every(([key, v]) => same(g[key], v)));
      if (i < 0) failures.push(`expected the group ${JSON.stringify(want)}, but it is not answered`);
      else left.splice(i, 1);
    }
    for (const extra of left) failures.push(`the group ${JSON.stringify(extra)} is answered, but not expected`);
  }
  return failures;
}

function measure(subject: SubjectName, m: Measure, field: string, rows: Array<Record<string, unknown>>): unknown {
  const values = rows.map((r) => r[field]).filter((v) => v !== null && v !== undefined);
  if (m === 'count') return values.length;
  if (values.length === 0) return null;
  const type = SUBJECTS[subject].fields[field]?.type;
  const numeric = type === 'number' || type === 'integer';
  if (m === 'sum' || m === 'avg') {
    const sum = values.reduce<number>((a, v) => a + Number(v), 0);
    return m === 'sum' ? sum : sum / values.length;
  }
  // Dates and timestamps are text in a form that sorts as it reads.
  const text = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const sorted = [...values].sort((a, b) => (numeric ? Number(a) - Number(b) : text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  return m === 'min' ? sorted[0] : sorted[sorted.length - 1];
}

/** Equal values; numbers within a rounding error (an average of several rows). */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  return (a ?? null) === (b ?? null);
}
