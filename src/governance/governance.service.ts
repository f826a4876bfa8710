import { subject as asSubject } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { ParamBag, rulesToSql } from '../access/conditions-to-sql';
import { planFor } from '../access/subject-plans';
import { countUnderTwoScopes } from '../access/subject-rows.table';
import { AgreementsService } from '../agreements/agreements.service';
import { GatewayError } from '../common/gateway-error';
import { fieldsOf, isSubjectName, SUBJECT_NAMES, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { uncountableConditionFields } from '../policy/countable-fields';
import { AgreementContext, compilePolicy, CompiledPolicy, NO_AGREEMENTS, ruleIdOf, transformsOf } from '../policy/policy-compiler';
import { describeTransform } from '../policy/transforms';
import { ACTIONS, AGGREGATE_ACTION, PolicyDocument, purposesOf } from '../policy/policy-document';
import { aggregateGrants, recordTransform, transformedGrants, transformsByField } from './sharing-grants';
import { runPolicyTests } from './policy-tests';
import { validatePolicyDocument } from '../policy/policy-validator';
import { PolicyService } from '../policy/policy.service';
import { fieldsOnSomeRows } from '../policy/row-dependent-fields';

export interface SimulateRequest {
  document?: unknown;
  action: string;
  subject: string;
  purpose: string;
  record?: Record<string, unknown>;
  /** Judge as if these agreements had ended: what the partner loses (in `impact`). */
  withoutAgreements?: unknown;
}

const ANY_PURPOSE = '*';
/** What simulate, diff and the access matrix judge: the row actions and aggregate-only sharing. */
const JUDGED_ACTIONS = [...ACTIONS, AGGREGATE_ACTION];

/**
 * What a governance officer needs before a change goes live: what a draft would allow, field by
 * field and rule by rule; what changes between versions; who can see what across all partners;
 * and the effect on the rows actually in the store.
 */
@Injectable()
export class GovernanceService {
  constructor(
    private readonly policies: PolicyService,
    private readonly db: DatabaseService,
    private readonly agreementsService: AgreementsService,
  ) {}

  /** Validates a draft and (unless only simulating) runs its own tests; refuses it whole with every problem named. */
  checkDraft(raw: unknown, partnerId: string, options: { runTests?: boolean } = {}): PolicyDocument {
    const v = validatePolicyDocument(raw, partnerId);
    if (!v.ok) {
      throw new GatewayError(400, 'POLICY_INVALID', 'Invalid policy document', {
        detail: `The document has ${v.problems.length} problem(s); the version in force stays.`,
        extra: { problems: v.problems },
      });
    }
    const failed = options.runTests === false ? [] : runPolicyTests(v.document).filter((r) => !r.passed);
    if (failed.length > 0) {
      throw new GatewayError(400, 'POLICY_INVALID', 'Policy tests failed', {
        detail: `${failed.length} of the document's own tests fail; the version in force stays.`,
        extra: { problems: failed.flatMap((f) => f.failures.map((m) => ({ path: `tests[${f.name}]`, message: m }))), tests: failed },
      });
    }
    return v.document;
  }

  async simulate(partnerId: string, req: SimulateRequest) {
    const errors: string[] = [];
    if (!JUDGED_ACTIONS.includes(req.action)) errors.push(`action must be one of ${JUDGED_ACTIONS.join(', ')}`);
    if (!isSubjectName(req.subject)) errors.push(`subject must be one of ${SUBJECT_NAMES.join(', ')}`);
    if (typeof req.purpose !== 'string' || req.purpose === '') errors.push('purpose is required');
    if (req.record !== undefined && (typeof req.record !== 'object' || req.record === null || Array.isArray(req.record)))
      errors.push('record must be an object');
    const without = req.withoutAgreements;
    if (without !== undefined && (!Array.isArray(without) || without.some((a) => typeof a !== 'string')))
      errors.push('withoutAgreements must be a list of agreement ids');
    if (errors.length > 0) throw GatewayError.validation(errors);
    const subject = req.subject as SubjectName;
    const current = await this.policies.inForceWithAgreements(partnerId);
    const draft = req.document === undefined ? current?.document : this.checkDraft(req.document, partnerId, { runTests: false });
    if (!draft) throw GatewayError.notFound('Policy', partnerId);
    const agreements = current?.agreements ?? NO_AGREEMENTS;
    const judgedBy = without === undefined ? agreements : withoutAgreements(agreements, without as string[]);
    const policy = compilePolicy(draft, req.document === undefined ? current!.version : null, req.purpose, Date.now(), judgedBy);
    const ability = policy.ability;
    const fields = fieldsOf(subject).map((field) => {
      if (req.record) {
        const row = asSubject(subject, { ...req.record });
        const rule = ability.relevantRuleFor(req.action, row, field);
        const allowed = ability.can(req.action, row, field);
        const transform = req.action === 'read' && allowed ? recordTransform(policy, subject, req.record, field) : null;
        return {
          field,
          allowed,
          ruleId: rule ? ruleIdOf(rule) : null,
          reason: rule?.reason ?? (allowed ? null : 'not-granted'),
          // The transform the value would be read with (the least transformed grant), when not the stored value.
          ...(transform ? { transform } : {}),
        };
      }
      const rules = ability.rulesFor(req.action, subject, field);
      return {
        field,
        possible: ability.can(req.action, subject, field),
        grantedBy: rules
          .filter((r) => !r.inverted)
          .map((r) => {
            const t = req.action === 'read' ? transformsOf(r)?.[field] : undefined;
            return {
              ruleId: ruleIdOf(r),
              conditions: r.conditions ?? null,
              agreementId: policy.ruleAgreements.get(ruleIdOf(r) ?? '') ?? null,
              ...(t ? { transform: describeTransform(t) } : {}),
            };
          }),
        takenAwayBy: rules.filter((r) => r.inverted).map((r) => ({ ruleId: ruleIdOf(r), conditions: r.conditions ?? null, reason: r.reason ?? null })),
      };
    });
    const result: Record<string, unknown> = {
      partnerId,
      action: req.action,
      subject,
      purpose: req.purpose,
      basedOn: req.document === undefined ? `version ${current!.version}` : 'draft',
      allowed: req.record ? ability.can(req.action, asSubject(subject, { ...req.record })) : ability.can(req.action, subject),
      fields,
      tests: runPolicyTests(draft),
    };
    const aggregates = aggregateGrants(policy, subject);
    if (aggregates.length > 0) result.aggregates = aggregates;
    if ((req.document !== undefined || without !== undefined) && current) {
      result.impact = await this.impact(compilePolicy(current.document, current.version, req.purpose, Date.now(), agreements), policy, [subject]);
    }
    if (without !== undefined) result.withoutAgreements = without;
    return result;
  }

  /**
   * Field by field, what changes from one document to another, for every subject, action and
   * purpose; with row counts. The changes judge the documents as written: a rule resting on an
   * agreement counts as if that agreement were active, and each change names the agreements its
   * grants rest on before and after (`agreementsBefore`, `agreementsAfter`) and the fields whose
   * agreements changed (`agreementChanged`). `rules` lists the rules added, removed or changed, with
   * the agreement each rests on; `agreements` the status of every agreement either side names. The
   * `impact` counts rows as the partner's agreements stand now.
   */
  async diff(partnerId: string, from: PolicyDocument, to: PolicyDocument) {
    const purposes = [...new Set([...purposesOf(from), ...purposesOf(to)])];
    if (purposes.length === 0) purposes.push(ANY_PURPOSE);
    const changes: Array<Record<string, unknown>> = [];
    const impact: Record<string, unknown> = {};
    const asWritten: AgreementContext = { windows: 'assume-active', revision: null };
    const standing = (await this.policies.inForceWithAgreements(partnerId))?.agreements ?? NO_AGREEMENTS;
    for (const purpose of purposes) {
      const p = purpose === ANY_PURPOSE ? null : purpose;
      const before = compilePolicy(from, null, p, Date.now(), asWritten);
      const after = compilePolicy(to, null, p, Date.now(), asWritten);
      for (const subject of SUBJECT_NAMES) {
        for (const action of JUDGED_ACTIONS) {
          const a = planFor(before, action, subject, this.db.dialect);
          const b = planFor(after, action, subject, this.db.dialect);
          const gained = b.grantable.filter((f) => !a.grantable.includes(f));
          const lost = a.grantable.filter((f) => !b.grantable.includes(f));
          const kept = b.grantable.filter((f) => a.grantable.includes(f));
          const conditionsChanged = kept.filter((f) => describe(before, action, subject, f) !== describe(after, action, subject, f));
          const agreementChanged = kept.filter((f) => restsOn(before, action, subject, f).join() !== restsOn(after, action, subject, f).join());
          const agreementsBefore = restsOn(before, action, subject);
          const agreementsAfter = restsOn(after, action, subject);
          if (gained.length || lost.length || conditionsChanged.length || agreementChanged.length || agreementsBefore.join() !== agreementsAfter.join()) {
            changes.push({ purpose, subject, action, gained, lost, conditionsChanged, agreementChanged, agreementsBefore, agreementsAfter });
          }
        }
      }
      impact[purpose] = await this.impact(
        compilePolicy(from, null, p, Date.now(), standing),
        compilePolicy(to, null, p, Date.now(), standing),
        SUBJECT_NAMES.filter((s) => s !== 'ShipmentEvent'),
      );
    }
    const rules = ruleChanges(from, to);
    const named = [...new Set([...from.rules, ...to.rules].flatMap((r) => (r.agreement === undefined ? [] : [r.agreement])))].sort();
    const found = await this.agreementsService.findMany(named);
    const agreements: Record<string, { status: string; title: string | null; validUntil: string | null }> = {};
    for (const id of named) {
      const a = found.get(id);
      agreements[id] =
        a && a.partnerId === partnerId ? { status: a.status, title: a.title, validUntil: a.validUntil } : { status: 'unknown', title: null, validUntil: null };
    }
    return { partnerId, changes, rules, agreements, impact };
  }

  /** partner × subject × action × purpose → fields (and which of them some rows withhold), for every policy in force. */
  async accessMatrix() {
    const rows: Array<{
      partnerId: string;
      subject: string;
      action: string;
      purpose: string;
      fields: string[];
      rows: 'all' | 'conditional';
      fieldsOnSomeRows: string[];
      agreementIds: string[];
      /** Read entries: the fields some grant shares only transformed, with the transform and rule. */
      transformedFields?: Array<{ field: string; transform: string; ruleId: string | null }>;
      /** Aggregate entries: what each aggregate rule lets the partner group and measure. */
      aggregates?: ReturnType<typeof aggregateGrants>;
      /** Aggregate entries: true when no read rule of the purpose shares rows of the subject (totals only). */
      aggregateOnly?: boolean;
    }> = [];
    for (const listed of await this.policies.listInForce()) {
      const p = (await this.policies.inForceWithAgreements(listed.partnerId)) ?? listed;
      const purposes = purposesOf(p.document);
      if (p.document.rules.some((r) => !r.purposes) || purposes.length === 0) purposes.push(ANY_PURPOSE);
      for (const purpose of purposes) {
        const compiled = compilePolicy(p.document, p.version, purpose === ANY_PURPOSE ? null : purpose, Date.now(), p.agreements);
        for (const subject of SUBJECT_NAMES) {
          for (const action of JUDGED_ACTIONS) {
            const plan = planFor(compiled, action, subject, this.db.dialect);
            if (!plan.rowScope || plan.grantable.length === 0) continue;
            const transformed = transformedGrants(compiled, subject, action).map((g) => ({ field: g.field, transform: g.description, ruleId: g.ruleId }));
            const aggregates = action === AGGREGATE_ACTION ? aggregateGrants(compiled, subject) : [];
            rows.push({
              partnerId: p.partnerId,
              subject,
              action,
              purpose,
              fields: plan.grantable,
              rows: plan.rowScope.sql === '(1=1)' ? 'all' : 'conditional',
              fieldsOnSomeRows: fieldsOnSomeRows(compiled.ability, action, subject, plan.grantable),
              // The agreements the grants of this entry rest on (empty: none does).
              agreementIds: [
                ...new Set(
                  compiled.ability
                    .rulesFor(action, subject)
                    .filter((r) => !r.inverted)
                    .flatMap((r) => compiled.ruleAgreements.get(ruleIdOf(r) ?? '') ?? []),
                ),
              ].sort(),
              ...(transformed.length > 0 ? { transformedFields: transformed } : {}),
              ...(action === AGGREGATE_ACTION ? { aggregates, aggregateOnly: !planFor(compiled, 'read', subject, this.db.dialect).rowScope } : {}),
            });
          }
        }
      }
    }
    return rows;
  }

  /**
   * Rows of each subject readable now and under the draft, from the data in the store; only where
   * both read conditions name countable fields alone (countable-fields.ts).
   */
  private async impact(now: CompiledPolicy, draft: CompiledPolicy, subjects: SubjectName[]) {
    const out: Record<string, unknown> = {};
    for (const subject of subjects) {
      const nowFields = planFor(now, 'read', subject, this.db.dialect).grantable;
      const draftFields = planFor(draft, 'read', subject, this.db.dialect).grantable;
      const fieldsChange: Record<string, unknown> = {
        fieldsGained: draftFields.filter((f) => !nowFields.includes(f)),
        fieldsLost: nowFields.filter((f) => !draftFields.includes(f)),
      };
      // Transformed and aggregate grants, now and under the draft: shown where they change.
      const transforms = { now: transformsByField(now, subject), draft: transformsByField(draft, subject) };
      if (JSON.stringify(transforms.now) !== JSON.stringify(transforms.draft)) fieldsChange.transforms = transforms;
      const aggregates = { now: aggregateGrants(now, subject), draft: aggregateGrants(draft, subject) };
      if (JSON.stringify(aggregates.now) !== JSON.stringify(aggregates.draft)) fieldsChange.aggregates = aggregates;
      const uncountable = uncountableConditionFields(subject, now, draft);
      if (uncountable.length > 0) {
        out[subject] = { rowsWithheld: { code: 'UNCOUNTABLE_CONDITIONS', fields: uncountable }, ...fieldsChange };
        continue;
      }
      const a = new ParamBag('n');
      const b = new ParamBag('d');
      const nowSql = rulesToSql(now.ability.rulesFor('read', subject), subject, this.db.dialect, 't', a) ?? '(1=0)';
      const draftSql = rulesToSql(draft.ability.rulesFor('read', subject), subject, this.db.dialect, 't', b) ?? '(1=0)';
      const r = await this.db.read((m) => countUnderTwoScopes(m, subject, nowSql, draftSql, { ...a.params, ...b.params }));
      out[subject] = {
        rowsNow: r.now,
        rowsDraft: r.draft,
        rowsGained: r.gained,
        rowsLost: r.lost,
        ...fieldsChange,
      };
    }
    return out;
  }
}

/** The partner's agreements, as if some had ended. */
function withoutAgreements(agreements: AgreementContext, ended: string[]): AgreementContext {
  if (agreements.windows === 'assume-active') return agreements;
  const windows = new Map(agreements.windows);
  for (const id of ended) windows.delete(id);
  return { windows, revision: null };
}

/** Rules added, removed or changed between two documents (by rule id), with the agreement each rests on before and after. */
function ruleChanges(from: PolicyDocument, to: PolicyDocument) {
  const before = new Map(from.rules.map((r) => [r.id, r]));
  const after = new Map(to.rules.map((r) => [r.id, r]));
  const out: Array<{
    ruleId: string;
    change: 'added' | 'removed' | 'changed';
    subject: string;
    agreementBefore: string | null;
    agreementAfter: string | null;
  }> = [];
  for (const id of [...new Set([...before.keys(), ...after.keys()])]) {
    const b = before.get(id);
    const a = after.get(id);
    const change = !b ? 'added' : !a ? 'removed' : JSON.stringify(b) !== JSON.stringify(a) ? 'changed' : null;
    if (change === null) continue;
    out.push({ ruleId: id, change, subject: (a ?? b)!.subject, agreementBefore: b?.agreement ?? null, agreementAfter: a?.agreement ?? null });
  }
  return out;
}

/** The agreements the grants of an action on a subject (or on one of its fields) rest on, sorted. */
function restsOn(policy: CompiledPolicy, action: string, subject: SubjectName, field?: string): string[] {
  const rules = field === undefined ? policy.ability.rulesFor(action, subject) : policy.ability.rulesFor(action, subject, field);
  const ids = rules.filter((r) => !r.inverted).flatMap((r) => policy.ruleAgreements.get(ruleIdOf(r) ?? '') ?? []);
  return [...new Set(ids)].sort();
}

function describe(policy: CompiledPolicy, action: string, subject: SubjectName, field: string): string {
  return JSON.stringify(policy.ability.rulesFor(action, subject, field).map((r) => [r.inverted, r.conditions ?? null]));
}
