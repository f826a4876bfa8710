import { PolicyDocument, PolicyProblem } from '../policy/policy-document';
import { AgreementView } from './agreements.service';

/**
 * The checks of `agreement:` rules that need the store (done at PUT time; `npm run policy:check`
 * works offline and skips them): the agreement exists, is the partner's own, and its purposes and
 * subjects cover the rule. An agreement's status is not checked: a rule may name an offer not yet
 * accepted, and grants only once it is active.
 */
export function agreementProblems(doc: PolicyDocument, agreements: ReadonlyMap<string, AgreementView>): PolicyProblem[] {
  const problems: PolicyProblem[] = [];
  doc.rules.forEach((rule, i) => {
    if (rule.agreement === undefined) return;
    const path = `rules[${i}]`;
    const a = agreements.get(rule.agreement);
    if (!a || a.partnerId !== doc.partner.id) {
      problems.push({ path: `${path}.agreement`, message: `unknown agreement '${rule.agreement}' (no agreement of that id with partner '${doc.partner.id}')` });
      return;
    }
    if (!a.subjects.includes(rule.subject)) {
      problems.push({ path: `${path}.subject`, message: `agreement '${a.id}' does not cover ${rule.subject} (it covers ${a.subjects.join(', ')})` });
    }
    (rule.purposes ?? []).forEach((p, j) => {
      if (!a.purposes.includes(p))
        problems.push({ path: `${path}.purposes[${j}]`, message: `agreement '${a.id}' does not cover purpose '${p}' (it covers ${a.purposes.join(', ')})` });
    });
  });
  return problems;
}

export function agreementIdsOf(doc: PolicyDocument): string[] {
  return [...new Set(doc.rules.flatMap((r) => (r.agreement === undefined ? [] : [r.agreement])))];
}
