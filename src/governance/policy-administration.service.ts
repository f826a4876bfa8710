import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest } from '../transport/gateway-request';
import { DatabaseService } from '../database/database.service';
import { GovernanceService } from './governance.service';
import { PolicyService } from '../policy/policy.service';

const PARTNER_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Policy changes (put, rollback, approve): each commits together with its audit event. */
@Injectable()
export class PolicyAdministration {
  constructor(
    private readonly policies: PolicyService,
    private readonly governance: GovernanceService,
    private readonly db: DatabaseService,
    private readonly audit: AuditService,
  ) {}

  async put(req: GatewayRequest, partnerId: string, raw: unknown, changeNote: string | null, ifMatch?: number) {
    checkId(partnerId);
    const doc = this.governance.checkDraft(raw, partnerId);
    const current = await this.policies.inForceOrNull(partnerId);
    const propose = this.policies.approvalRequired(current?.document, doc);
    return this.audited(req, current ? 'update' : 'create', partnerId, (m) =>
      this.policies.storeVersion(m, doc, partnerId, req.gateway!.principal!.sub, changeNote, { ifMatch, propose }));
  }

  async rollback(req: GatewayRequest, partnerId: string, toVersion: number, changeNote: string | null) {
    checkId(partnerId);
    const target = await this.policies.loadVersion(partnerId, toVersion);
    if (!target) throw GatewayError.notFound('PolicyVersion', `${partnerId}@${toVersion}`);
    const current = await this.policies.inForceOrNull(partnerId);
    // Under four eyes a rollback is a change like any other: proposed, then approved by another officer.
    const propose = this.policies.approvalRequired(current?.document, target.document);
    return this.audited(req, 'rollback', partnerId, (m) =>
      this.policies.storeVersion(m, target.document, partnerId, req.gateway!.principal!.sub, changeNote ?? `rollback to version ${toVersion}`, { propose }));
  }

  async approve(req: GatewayRequest, partnerId: string, version: number) {
    checkId(partnerId);
    return this.audited(req, 'approve', partnerId, (m) => this.policies.approve(m, partnerId, version, req.gateway!.principal!.sub));
  }

  private async audited<T extends { version: number; previous: number | null }>(
    req: GatewayRequest, action: string, partnerId: string, change: (m: EntityManager) => Promise<T>,
  ): Promise<T> {
    const record = req.gateway!.audit;
    record.touch(action, 'Policy');
    record.resourceIds.add(partnerId);
    const result = await this.db.transaction(async (m) => {
      const r = await change(m);
      record.policyVersion = r.version;
      record.rowCount = 1;
      record.reason = `policy ${partnerId}: version ${r.previous ?? 'none'} -> ${r.version}${'state' in r ? ` (${(r as { state: string }).state})` : ''}`;
      await this.audit.appendWithin(m, [record.toEvent(200)]);
      return r;
    });
    record.committed = true;
    return result;
  }
}

function checkId(partnerId: string): void {
  if (!PARTNER_ID.test(partnerId)) throw GatewayError.validation(['partnerId must be letters, digits, ".", "_" or "-" (at most 64)']);
}
