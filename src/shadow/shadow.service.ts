import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { AccessSummary, deciding, merge, summaryOf } from '../audit/access-summary';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { GovernanceService } from '../governance/governance.service';
import { Officer, PolicyAdministration } from '../governance/policy-administration.service';
import { SubjectName } from '../data/subjects';
import { uncountableConditionsByDocument } from '../policy/countable-fields';
import { PolicyDocument } from '../policy/policy-document';
import { PolicyInForce, PolicyService } from '../policy/policy.service';
import { OperationReport, StoredTally, sumTallies } from './shadow-comparison';
import { ShadowEvaluator } from './shadow-evaluator';
import { deleteShadowOf, findShadowOf, insertShadow, ShadowRow, talliesOf } from './shadows.table';
import { assertPartnerId } from '../common/partner-id';

/** What governance sees of a shadow: counts, field names and rule ids, never a value of partner data. */
export interface ShadowReport {
  partnerId: string;
  since: string;
  author: string;
  /** sha256 of the candidate document as stored. */
  documentHash: string;
  /** The policy version in force the candidate is compared with. */
  policyVersion: number | null;
  sampleRate: number;
  evaluated: number;
  differing: number;
  errors: number;
  /**
   * Subjects whose rules (in force or candidate) condition on fields that may not be counted by
   * (policy/countable-fields.ts): requests judged by such rules are not compared, since row and field
   * counts under conditions the officer chose would read those values out one comparison at a time.
   */
  notCompared: Array<{ subject: SubjectName; fields: string[] }>;
  operations: OperationReport[];
}

/**
 * Shadow mode (docs/governance-guide.md): governance runs a candidate policy beside the version in
 * force on a partner's live requests, reads what it would have changed, stops it, or promotes it
 * to a proposal. The candidate and its tallies live in the database, so every replica evaluates it
 * and a report sums them all. Each call is audited as a governance action on the partner's Policy.
 */
@Injectable()
export class ShadowService {
  constructor(
    private readonly db: DatabaseService,
    private readonly policies: PolicyService,
    private readonly governance: GovernanceService,
    private readonly admin: PolicyAdministration,
    private readonly audit: AuditService,
    private readonly evaluator: ShadowEvaluator,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  /** Starts (or restarts, with fresh tallies) a shadow: the candidate is validated as a proposal would be. */
  async start(officer: Officer, partnerId: string, raw: unknown): Promise<{ report: ShadowReport; summary: AccessSummary }> {
    assertPartnerId(partnerId);
    const opened = summaryOf({ actions: ['shadow-start'], subjects: ['Policy'], resourceIds: [partnerId] });
    const { document, current } = await deciding(opened, async () => {
      const document = this.governance.checkDraft(raw, partnerId);
      const current = await this.policies.inForceOrNull(partnerId);
      if (!current) throw GatewayError.notFound('Policy', partnerId);
      return { document, current };
    });
    const text = JSON.stringify(document);
    const entity: ShadowRow = {
      partnerId,
      shadowId: randomUUID(),
      document: text,
      documentHash: createHash('sha256').update(text).digest('hex'),
      author: officer.sub,
      startedAt: new Date().toISOString(),
    };
    const summary = merge(
      opened,
      summaryOf({
        policyVersion: current.version,
        rowCount: 1,
        reason: `policy ${partnerId}: shadow started beside version ${current.version} (candidate sha256 ${entity.documentHash.slice(0, 16)})`,
      }),
    );
    await this.audit.changeWithEvent(officer.audit, summary, async (m) => {
      await deleteShadowOf(m, partnerId);
      await insertShadow(m, entity);
      return { result: undefined, status: 200, summary };
    });
    this.evaluator.started({ partnerId, shadowId: entity.shadowId, document });
    return { report: this.reportOf(entity, current, []), summary };
  }

  /** What the shadow has counted on every replica, this replica's evaluations under way included. */
  async report(partnerId: string): Promise<{ report: ShadowReport; summary: AccessSummary }> {
    const opened = summaryOf({ actions: ['shadow-read'], subjects: ['Policy'], resourceIds: [partnerId] });
    return deciding(opened, async () => {
      const shadow = await this.mustExist(partnerId);
      await this.evaluator.settle();
      const [tallies, current] = await Promise.all([this.db.read((m) => talliesOf(m, shadow.shadowId)), this.policies.inForceOrNull(partnerId)]);
      const summary = merge(opened, summaryOf({ policyVersion: current?.version ?? null, rowCount: 1 }));
      return { report: this.reportOf(shadow, current, tallies), summary };
    });
  }

  /** Stops the shadow and drops its tallies. */
  async stop(officer: Officer, partnerId: string): Promise<{ summary: AccessSummary }> {
    const opened = summaryOf({ actions: ['shadow-stop'], subjects: ['Policy'], resourceIds: [partnerId] });
    const { summary } = await this.audit.changeWithEvent(officer.audit, opened, async (m) => {
      const shadow = await findShadowOf(m, partnerId);
      if (!shadow) throw notFound(partnerId);
      await deleteShadowOf(m, partnerId);
      return {
        result: undefined,
        status: 204,
        summary: merge(opened, summaryOf({ rowCount: 1, reason: `policy ${partnerId}: shadow started ${shadow.startedAt} stopped` })),
      };
    });
    this.evaluator.stopped(partnerId);
    return { summary };
  }

  /**
   * Turns the candidate into a proposal (the four-eyes flow: another officer approves it). The shadow
   * keeps running until it is stopped.
   */
  async promote(officer: Officer, partnerId: string, note: string | null) {
    const shadow = await this.mustExist(partnerId);
    return this.admin.propose(
      officer,
      partnerId,
      JSON.parse(shadow.document) as unknown,
      note ?? `proposed from the shadow started ${shadow.startedAt}`,
      'shadow-promote',
      201,
    );
  }

  private async mustExist(partnerId: string): Promise<ShadowRow> {
    assertPartnerId(partnerId);
    const shadow = await this.db.read((m) => findShadowOf(m, partnerId));
    if (!shadow) throw notFound(partnerId);
    return shadow;
  }

  private reportOf(shadow: ShadowRow, current: PolicyInForce | null, tallies: StoredTally[]): ShadowReport {
    const candidate = JSON.parse(shadow.document) as PolicyDocument;
    const sums = sumTallies(tallies);
    return {
      partnerId: shadow.partnerId,
      since: shadow.startedAt,
      author: shadow.author,
      documentHash: shadow.documentHash,
      policyVersion: current?.version ?? null,
      sampleRate: this.config.SHADOW_SAMPLE_RATE,
      notCompared: uncountableConditionsByDocument(candidate, ...(current ? [current.document] : [])),
      ...sums,
    };
  }
}

function notFound(partnerId: string): GatewayError {
  return new GatewayError(404, 'NOT_FOUND', 'Not found', { detail: `No shadow policy runs for partner '${partnerId}'.` });
}
