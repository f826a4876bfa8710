import { subject as asSubject } from '@casl/ability';
import { fieldsOf } from '../data/subjects';
import { permittedFields } from '../access/policy-queries';
import { AgreementContext, compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument, PolicyTestCase } from '../policy/policy-document';
import { resolvePlaceholders } from '../policy/placeholders';

/** A document's own tests judge its rules, not the state of its agreements: rules naming one count as in force. */
const ASSUME_AGREEMENTS_ACTIVE: AgreementContext = { windows: 'assume-active', revision: null };

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
  const { ability } = compilePolicy(doc, null, t.purpose ?? null, t.now === undefined ? now : Date.parse(t.now), ASSUME_AGREEMENTS_ACTIVE);
  const failures: string[] = [];
  let allowedFields: string[];
  let accessible: boolean;
  if (t.record) {
    const record = resolvePlaceholders(doc, t.record);
    allowedFields = permittedFields(ability, t.action, t.subject, record);
    accessible = ability.can(t.action, asSubject(t.subject, { ...record }));
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
