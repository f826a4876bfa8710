import { subject as asSubject } from '@casl/ability';
import { fieldsOf } from '../data/subjects';
import { permittedFields } from '../access/subject-plans';
import { AgreementContext, compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument, PolicyTestCase } from '../policy/policy-document';
import { resolvePlaceholders } from '../policy/placeholders';
import { AGGREGATE_ACTION } from '../policy/policy-document';
import { runAggregateCase, transformFailures } from './policy-test-sharing';

/**
 * A document's own tests do not depend on the state of agreements in the store: a case judges the
 * rules resting on the agreements it lists in `agreements` as in force, and every other such rule
 * as not (what the partner has before it accepts).
 */
function agreementsOf(t: PolicyTestCase): AgreementContext {
  const ids = t.agreements ?? [];
  const window = (id: string) => ({
    id,
    purposes: t.purpose ? [t.purpose] : [],
    subjects: [t.subject],
    validFrom: '0000-01-01T00:00:00.000Z',
    validUntil: '9999-12-31T23:59:59.999Z',
  });
  return { windows: new Map(ids.map((id) => [id, window(id)])), revision: null };
}

export interface PolicyTestResult {
  name: string;
  passed: boolean;
  failures: string[];
}

/**
 * Runs a document's own `tests:` the way `opa test` runs Rego tests: each case names an action,
 * subject, purpose and record, and the fields expected allowed and denied; optionally the instant
 * (`now`) it is judged at, for rules with a validity window.
 */
export function runPolicyTests(doc: PolicyDocument, now = Date.now()): PolicyTestResult[] {
  return (doc.tests ?? []).map((t) => runOne(doc, t, now));
}

function runOne(doc: PolicyDocument, t: PolicyTestCase, now: number): PolicyTestResult {
  const { ability } = compilePolicy(doc, null, t.purpose ?? null, t.now === undefined ? now : Date.parse(t.now), agreementsOf(t));
  if (t.action === AGGREGATE_ACTION) {
    const failures = runAggregateCase(doc, ability, t);
    return { name: t.name, passed: failures.length === 0, failures };
  }
  const failures: string[] = [];
  let allowedFields: string[];
  let accessible: boolean;
  if (t.record) {
    const record = resolvePlaceholders(doc, t.record);
    allowedFields = permittedFields(ability, t.action, t.subject, record);
    accessible = ability.can(t.action, asSubject(t.subject, { ...record }));
    if (t.values || t.transforms) failures.push(...transformFailures(ability, t, record));
  } else {
    const all = fieldsOf(t.subject);
    allowedFields = all.filter((f) => ability.can(t.action, t.subject, f));
    accessible = ability.can(t.action, t.subject);
  }
  for (const f of t.allowed ?? []) if (!allowedFields.includes(f)) failures.push(`expected '${f}' allowed, but it is denied`);
  for (const f of t.denied ?? []) if (allowedFields.includes(f)) failures.push(`expected '${f}' denied, but it is allowed`);
  if (t.expect === 'allow' && !accessible) failures.push(`expected ${t.action} of ${t.subject} allowed, but it is denied`);
  if (t.expect === 'deny' && accessible) failures.push(`expected ${t.action} of ${t.subject} denied, but it is allowed`);
  return { name: t.name, passed: failures.length === 0, failures };
}
