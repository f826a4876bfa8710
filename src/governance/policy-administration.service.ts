import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { AccessSummary, merge, summaryOf } from '../audit/access-summary';
import { AuditRecord } from '../audit/audit-record';
import { GovernanceService } from './governance.service';
import { IfMatch } from '../policy/policy-etag';
import { PolicyDocument } from '../policy/policy-document';
import { PolicyService } from '../policy/policy.service';
import { agreementIdsOf, agreementProblems } from '../agreements/agreement-rules';
import { AgreementsService } from '../agreements/agreements.service';
import { assertPartnerId } from '../common/partner-id';

/** Policy changes (put, rollback, approve, reject, withdraw): each commits together with its audit event. */
/** The governance officer behind a change, and the audit record of their request (a change commits its event with it). */
export interface Officer {
  sub: string;
  audit: AuditRecord;
}

@Injectable()
export class PolicyAdministration {
  constructor(
    private readonly policies: PolicyService,
    private readonly governance: GovernanceService,
    private readonly audit: AuditService,
    private readonly agreements: AgreementsService,
  ) {}

  async put(officer: Officer, partnerId: string, raw: unknown, changeNote: string | null, ifMatch?: IfMatch) {
    assertPartnerId(partnerId);
    const doc = this.governance.checkDraft(raw, partnerId);
    await this.checkAgreements(doc);
    const current = await this.policies.inForceOrNull(partnerId);
    return this.audited(officer, current ? 'update' : 'create', partnerId, (m) =>
      this.policies.storeVersion(m, doc, partnerId, officer.sub, changeNote, { ifMatch, governedBy: this.governedBy(doc) }),
    );
  }

  /**
   * Proposes a document as a new version whatever the version in force says about approval (a shadow
   * promoted by governance): in force only once another officer approves it (four eyes).
   */
  /** `status`: the answer's, which the event records (201 where the route creates, as shadow promotion does). */
  async propose(officer: Officer, partnerId: string, raw: unknown, changeNote: string | null, action = 'propose', status: 200 | 201 = 200) {
    assertPartnerId(partnerId);
    const doc = this.governance.checkDraft(raw, partnerId);
    await this.checkAgreements(doc);
    return this.audited(
      officer,
      action,
      partnerId,
      (m) => this.policies.storeVersion(m, doc, partnerId, officer.sub, changeNote, { governedBy: () => ({ propose: true, requireIfMatch: false }) }),
      undefined,
      status,
    );
  }

  async rollback(officer: Officer, partnerId: string, toVersion: number, changeNote: string | null, ifMatch?: IfMatch) {
    assertPartnerId(partnerId);
    const target = await this.policies.loadVersion(partnerId, toVersion);
    if (!target) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${toVersion}`);
    // Under four eyes a rollback is a change like any other: proposed, then approved by another officer.
    return this.audited(officer, 'rollback', partnerId, (m) =>
      this.policies.storeVersion(m, target.document, partnerId, officer.sub, changeNote ?? `rollback to version ${toVersion}`, {
        ifMatch,
        governedBy: this.governedBy(target.document),
      }),
    );
  }

  async approve(officer: Officer, partnerId: string, version: number, ifMatch?: IfMatch) {
    assertPartnerId(partnerId);
    return this.audited(officer, 'approve', partnerId, (m) => this.policies.approve(m, partnerId, version, officer.sub, ifMatch));
  }

  /** Another officer than its author refuses a proposal, saying why. */
  async reject(officer: Officer, partnerId: string, version: number, reason: string) {
    assertPartnerId(partnerId);
    return this.audited(
      officer,
      'reject',
      partnerId,
      (m) => this.policies.close(m, partnerId, version, officer.sub, 'rejected', reason),
      (r) => `policy ${partnerId}: version ${r.version} rejected (version ${r.previous ?? 'none'} stays in force): ${reason}`,
    );
  }

  /** Its author takes a proposal back. */
  async withdraw(officer: Officer, partnerId: string, version: number, reason: string | null) {
    assertPartnerId(partnerId);
    return this.audited(
      officer,
      'withdraw',
      partnerId,
      (m) => this.policies.close(m, partnerId, version, officer.sub, 'withdrawn', reason),
      (r) => `policy ${partnerId}: version ${r.version} withdrawn (version ${r.previous ?? 'none'} stays in force)${reason ? `: ${reason}` : ''}`,
    );
  }

  /** Rules naming an agreement: it must exist, be the partner's, and cover the rule (agreement-rules.ts). */
  private async checkAgreements(doc: PolicyDocument): Promise<void> {
    const problems = agreementProblems(doc, await this.agreements.findMany(agreementIdsOf(doc)));
    if (problems.length > 0) {
      throw new GatewayError(400, 'POLICY_INVALID', 'Invalid policy document', {
        detail: `The document has ${problems.length} problem(s); the version in force stays.`,
        extra: { problems },
      });
    }
  }

  /**
   * How the document in force governs a change to `draft`: a second officer approves it if either
   * asks for four eyes; and where the version in force does, the change must name it (If-Match).
   */
  private governedBy(draft: PolicyDocument) {
    return (inForce: PolicyDocument | undefined) => ({
      propose: this.policies.approvalRequired(inForce, draft),
      requireIfMatch: inForce?.approval === 'required',
    });
  }

  private async audited<T extends { version: number; previous: number | null }>(
    officer: Officer,
    action: string,
    partnerId: string,
    change: (m: EntityManager) => Promise<T>,
    describe?: (r: T) => string,
    status: 200 | 201 = 200,
  ): Promise<T & { summary: AccessSummary }> {
    const opened = summaryOf({ actions: [action], subjects: ['Policy'], resourceIds: [partnerId] });
    const { result, summary } = await this.audit.changeWithEvent(officer.audit, opened, async (m) => {
      const r = await change(m);
      const reason = describe
        ? describe(r)
        : `policy ${partnerId}: version ${r.previous ?? 'none'} -> ${r.version}${'state' in r ? ` (${(r as { state: string }).state})` : ''}`;
      return { result: r, status, summary: merge(opened, summaryOf({ policyVersion: r.version, rowCount: 1, reason })) };
    });
    return { ...result, summary };
  }
}
