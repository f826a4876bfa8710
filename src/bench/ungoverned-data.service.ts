import { Injectable } from '@nestjs/common';
import { AccessSummary, NOTHING } from '../audit/access-summary';
import { Caller } from '../access/caller';
import { decodeCursor, encodeCursor } from '../access/cursor';
import { GovernedDataService, GovernedRow, ReadMeta, ReadOptions } from '../access/governed-data.service';
import { GovernedWriteService } from '../access/governed-write.service';
import { findSubjectRow, selectPage, updateSubjectRow } from '../access/subject-rows.table';
import { normalize, valuesOf } from '../access/row-judge';
import { planFor } from '../access/subject-plans';
import { normalizeTimestamps, pickFields } from '../access/row-values';
import { WriteResult } from '../access/write-transactions';
import { GatewayError } from '../common/gateway-error';
import { columnOf } from '../data/column-name';
import { SubjectName } from '../data/subjects';

interface FixedScope {
  sql: string;
  params: Record<string, unknown>;
  fields: string[];
}

/**
 * Benchmark only (ungoverned-module.ts, refused in production and off loopback): the same routes,
 * controllers, authentication and validation, with governance taken out of the list and update
 * paths. The caller's row scope and granted fields are looked up once and reused as constants, so
 * the answers have the governed answers' rows and columns (per-row exceptions are not applied),
 * but no request reads the policy version, checks a quota, evaluates a rule per row or writes an
 * audit event. `npm run bench` compares the two.
 */
@Injectable()
export class UngovernedDataService extends GovernedDataService {
  private readonly scopes = new Map<string, FixedScope>();

  override async list(caller: Caller, subject: SubjectName, options: ReadOptions): Promise<{ rows: GovernedRow[]; meta: ReadMeta; summary: AccessSummary }> {
    if (options.filters && Object.keys(options.filters).length > 0) {
      throw GatewayError.validation(['filters are not part of the ungoverned benchmark mode']);
    }
    const scope = await this.scopeOf(caller, subject);
    const fields = options.fields ?? scope.fields;
    // Even here a field must be one the policy grants: requested names become SQL column names.
    const outside = fields.filter((f) => !scope.fields.includes(f));
    if (outside.length > 0) throw GatewayError.forbiddenFields(outside, 'read', subject);
    const limit = options.limit ?? 100;
    const params: Record<string, unknown> = { ...scope.params };
    let where = scope.sql;
    if (options.cursor) {
      where += ' AND t.id > :after';
      params.after = decodeCursor(subject, options.cursor);
    }
    const columns = ['id', ...fields.filter((f) => f !== 'id')].map((f) => `t.${columnOf(f)} AS "${f}"`);
    const raw = await this.db.read((m) => selectPage(m, subject, columns, where, params, limit + 1));
    const page = raw.slice(0, limit);
    const rows = page.map((r) => ({ values: valuesOf(subject, fields, r), redactions: [] }));
    return {
      summary: NOTHING,
      rows,
      meta: {
        nextCursor: raw.length > limit ? encodeCursor(subject, String(page[page.length - 1].id)) : null,
        fields,
        redactedFields: [],
        policyVersion: null,
        purpose: caller.purpose,
      },
    };
  }

  /** The caller's read scope, computed from its policy once and never checked again. */
  private async scopeOf(caller: Caller, subject: SubjectName): Promise<FixedScope> {
    const key = `${caller.principal.partnerId}|${caller.purpose}|${subject}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      const { policy } = await this.policyOf(caller);
      const plan = planFor(policy, 'read', subject, this.db.dialect);
      if (!plan.rowScope) throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `No read of ${subject}.` });
      scope = { sql: plan.rowScope.sql, params: plan.rowScope.params, fields: plan.grantable };
      this.scopes.set(key, scope);
    }
    return scope;
  }
}

/** Benchmark only, beside UngovernedDataService: an update without scope, field rights, idempotency or audit. */
@Injectable()
export class UngovernedWriteService extends GovernedWriteService {
  override async update(caller: Caller, subject: SubjectName, id: string, input: Record<string, unknown>): Promise<WriteResult> {
    const body = normalizeTimestamps(subject, input);
    const updatedAt = new Date().toISOString();
    await this.db.transaction((m) => updateSubjectRow(m, subject, id, pickFields(subject, { ...body, updatedAt })));
    const row = await this.db.read((m) => findSubjectRow(m, subject, id));
    if (!row) throw GatewayError.notFound(subject, id);
    if (subject === 'Shipment') this.changes.publish(id);
    return { status: 200, body: { data: normalize(subject, row), meta: { purpose: caller.purpose } }, replayed: false, summary: NOTHING };
  }
}
