import { Injectable } from '@nestjs/common';
import { GatewayError } from '../common/gateway-error';
import { columnOf } from '../data/column-name';
import { filterValue } from '../data/field-values';
import { fieldsOf, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { MetricsService } from '../observability/metrics.service';
import { adminPolicy, CompiledPolicy } from '../policy/policy-compiler';
import { PolicyService } from '../policy/policy.service';
import { inForceColumns } from '../policy/policies.table';
import { AccessSummary, carry, deciding, judgedBy, merge, summaryOf, touched } from '../audit/access-summary';
import { Caller } from './caller';
import { decodeCursor, encodeCursor } from './cursor';
import { planFor } from './subject-plans';
import { selectPage, subjectRowExists } from './subject-rows.table';
import { scopedWhere } from './scoped-where';
import { readShapeOf } from './read-shape';
import { GovernedRow, RowJudge } from './row-judge';
import { hasNul } from './row-values';
import { assertNoTransformedFilter, transformedMeta } from './transformed-reads';

export { GovernedRow, normalize, Redaction } from './row-judge';
import { AccessObserver } from './access-observer';

export interface ReadOptions {
  /** Requested fields; absent means every field the caller may read. */
  fields?: string[];
  /** Equality filters, values already typed. */
  filters?: Record<string, unknown>;
  limit?: number;
  cursor?: string;
  /** REST refuses a requested field no rule grants (403); GraphQL returns it null with an error. */
  ungranted: 'refuse' | 'redact';
}

export interface ReadMeta {
  nextCursor: string | null;
  fields: string[];
  redactedFields: string[];
  policyVersion: number | null;
  purpose: string | null;
  /** Present when some returned field is a transformed value (policy-language.md, "Field transforms"). */
  transformedFields?: string[];
}

const ADMIN = adminPolicy(null);
/** The partner's policy version in force, or null when the partner is not active (one scalar subquery). */
const IN_FORCE_VERSION = '__policyVersionInForce';
const IN_FORCE_AGREEMENTS = '__agreementsRevisionInForce';
const DEFAULT_PAGE = 100;

type Read = { rows: GovernedRow[]; meta: ReadMeta; summary: AccessSummary };

/**
 * The one enforcement path of reads. Every read of partner data, from REST and GraphQL alike, goes
 * through here: the caller's policy scopes rows in the SQL WHERE clause, fields are selected,
 * withheld or refused by the same rules, and the read's AccessSummary is returned with its rows.
 * Writes judge by the same compiled policy (policyOf) in governed-write.service.ts; tracking
 * events in src/logistics.
 */
@Injectable()
export class GovernedDataService {
  constructor(
    protected readonly db: DatabaseService,
    protected readonly policies: PolicyService,
    private readonly metrics: MetricsService,
    private readonly observer: AccessObserver,
  ) {}

  /** A page of rows, with the summary of the read for its audit event (an error carries what was decided before it). */
  async list(caller: Caller, subject: SubjectName, options: ReadOptions): Promise<{ rows: GovernedRow[]; meta: ReadMeta; summary: AccessSummary }> {
    const action = touched('read', subject);
    const read = await deciding(action, () => this.read(caller, subject, options, null));
    return { ...read, summary: merge(action, read.summary) };
  }

  async get(caller: Caller, subject: SubjectName, id: string, options: ReadOptions): Promise<{ row: GovernedRow; meta: ReadMeta; summary: AccessSummary }> {
    const action = touched('read', subject);
    return deciding(action, async () => {
      const { rows, meta, summary } = await this.read(caller, subject, { ...options, limit: 1, cursor: undefined }, id);
      if (rows.length === 0) throw carry(GatewayError.notFound(subject, id), summary);
      return { row: rows[0], meta: { ...meta, nextCursor: null }, summary: merge(action, summary) };
    });
  }

  /**
   * Whether a row with this id exists (GraphQL upsert: an existing id takes the update path, where a
   * row outside the caller's scope is 404). Asked only for ids the caller may choose (client-ids.ts).
   */
  async exists(subject: SubjectName, id: string): Promise<boolean> {
    return this.db.read((m) => subjectRowExists(m, subject, id));
  }

  /**
   * The compiled policy that judges this caller (partners by their policy, admin by full access).
   * With `lastSeen`, a partner may be judged by the version this replica last saw in force, which
   * the caller must then check in its own query (reads do: see `read`).
   */
  async policyOf(caller: Caller, lastSeen: 'allow-last-seen' | 'in-force' = 'in-force'): Promise<{ policy: CompiledPolicy; summary: AccessSummary }> {
    const { principal } = caller;
    const asked = summaryOf({ purpose: caller.purpose });
    if (principal.roles.includes('partner') && principal.partnerId) {
      const known =
        caller.policyInForce ??
        (lastSeen === 'allow-last-seen' && caller.policyLastSeen?.partnerId === principal.partnerId ? caller.policyLastSeen : undefined);
      const { policy } = await deciding(asked, () => this.policies.accessFor(principal.partnerId!, caller.purpose, known));
      return { policy, summary: judgedBy(policy, caller.purpose) };
    }
    if (principal.roles.includes('admin')) return { policy: ADMIN, summary: asked };
    throw carry(new GatewayError(403, 'FORBIDDEN_ROLE', 'Forbidden', { detail: 'Partner data is read and written by partner and admin tokens only.' }), asked);
  }

  /**
   * A partner's read may be judged by the version last seen in force on this replica (no round trip
   * to look it up): the data query reads the version in force in the same statement, and a page
   * read, or a refusal decided, under a version no longer in force is thrown away and judged again.
   */
  private async read(caller: Caller, subject: SubjectName, options: ReadOptions, id: string | null): Promise<Read> {
    const partnerId = caller.principal.partnerId;
    const lastSeen =
      !caller.policyInForce && partnerId && caller.principal.roles.includes('partner') && caller.policyLastSeen?.partnerId === partnerId
        ? caller.policyLastSeen
        : null;
    if (!lastSeen) return (await this.readJudged(caller, subject, options, id, null))!;
    let result: Read | null;
    try {
      result = await this.readJudged(caller, subject, options, id, partnerId);
    } catch (error) {
      // Whatever failed, a version no longer in force must not be the one that keeps failing: look
      // the version in force up and judge again under it. After an unexpected error (a store that
      // cannot be read), if the lookup fails too, the first error stands.
      const lookup = this.policies.inForce(partnerId!);
      const inForce = error instanceof GatewayError ? await lookup : await lookup.catch(() => null);
      if (!inForce || (inForce.version === lastSeen.version && inForce.agreements?.revision === lastSeen.agreements?.revision)) throw error;
      caller.policyInForce = inForce;
      return this.read(caller, subject, options, id);
    }
    if (result) return result;
    caller.policyInForce = await this.policies.inForce(partnerId!);
    return this.read(caller, subject, options, id);
  }

  /** The read itself; with `checkFor`, null when that partner's version in force is not the one judged by. */
  private async readJudged(caller: Caller, subject: SubjectName, options: ReadOptions, id: string | null, checkFor: string | null): Promise<Read | null> {
    const { policy, summary } = await this.policyOf(caller, checkFor ? 'allow-last-seen' : 'in-force');
    return deciding(summary, () => this.readBy(caller, policy, summary, subject, options, id, checkFor));
  }

  private async readBy(
    caller: Caller,
    policy: CompiledPolicy,
    judged: AccessSummary,
    subject: SubjectName,
    options: ReadOptions,
    id: string | null,
    checkFor: string | null,
  ): Promise<Read | null> {
    const plan = planFor(policy, 'read', subject, this.db.dialect);
    if (!plan.rowScope) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', {
        detail: `Your policy grants no read of ${subject}${caller.purpose ? ` for purpose '${caller.purpose}'` : ''}.`,
      });
    }
    const all = fieldsOf(subject);
    const shape = readShapeOf(plan, subject, options.fields);
    if (shape.unknown.length > 0) throw GatewayError.validation(shape.unknown.map((f) => `unknown field '${f}' of ${subject}`));
    if (shape.ungranted.length > 0 && options.ungranted === 'refuse') throw GatewayError.forbiddenFields(shape.ungranted, 'read', subject);

    const requested = Object.entries(options.filters ?? {});
    const unknownFilters = requested.filter(([f]) => !all.includes(f)).map(([f]) => f);
    if (unknownFilters.length > 0) throw GatewayError.validation(unknownFilters.map((f) => `unknown filter field '${f}' of ${subject}`));
    const hiddenFilters = requested.filter(([f]) => !plan.grantable.includes(f)).map(([f]) => f);
    if (hiddenFilters.length > 0) throw GatewayError.forbiddenFields(hiddenFilters, 'filter by', subject);
    // Values are judged once the caller may filter by the field at all: a refusal says no more than that.
    const filters = requested.map(([f, v]) => [f, typedFilter(subject, f, v)] as [string, unknown]);
    assertNoTransformedFilter(
      plan,
      subject,
      filters.map(([f]) => f),
    );
    // PostgreSQL text cannot hold U+0000: such a value is refused alike on every store, not a 500.
    const nulFilters = filters.filter(([, v]) => hasNul(v)).map(([f]) => f);
    if (nulFilters.length > 0) throw GatewayError.validation(nulFilters.map((f) => `filter '${f}' must not contain the NUL character (U+0000)`));
    if (id !== null && hasNul(id)) throw GatewayError.notFound(subject, id.replace(/\u0000/g, '\\0'));
    const after = options.cursor ? decodeCursor(subject, options.cursor) : null;
    if (hasNul(after)) throw new GatewayError(400, 'INVALID_CURSOR', 'Invalid cursor', { detail: 'The cursor is not one this gateway gave for this list.' });
    const { where, params } = scopedWhere(plan, subject, this.db.dialect, { filters, id, after });
    const limit = Math.min(options.limit ?? DEFAULT_PAGE, policy.limits.maxPageSize);
    const columns = [...shape.columns];
    if (checkFor) {
      columns.push(...inForceColumns('partnerInForce', IN_FORCE_VERSION, IN_FORCE_AGREEMENTS));
      params.partnerInForce = checkFor;
    }
    const seek = id === null && plan.seek ? { column: columnOf(plan.seek.field), values: plan.seek.values } : null;
    const raw = await this.db.read((m) => selectPage(m, subject, columns, where.join(' AND '), params, limit + 1, seek));
    if (checkFor) {
      const first = raw[0];
      // The version and the agreements judged by must both still be the ones in force (an agreement ended on another replica).
      const inForce = first ? null : await this.policies.inForce(checkFor);
      const current = first
        ? first[IN_FORCE_VERSION] !== null &&
          Number(first[IN_FORCE_VERSION]) === policy.version &&
          Number(first[IN_FORCE_AGREEMENTS]) === policy.agreementsRevision
        : inForce!.version === policy.version && inForce!.agreements?.revision === policy.agreementsRevision;
      if (!current) return null;
    }
    const hasMore = raw.length > limit;
    const page = hasMore ? raw.slice(0, limit) : raw;

    const judge = new RowJudge(policy, subject, shape.requested, shape.selectable, plan.conditionFields);
    const rows = page.map((r) => judge.judge(r));
    const summary = merge(judged, this.readSummary(caller, subject, page, judge));
    const { fields, ungranted, cursor, limit: requestedLimit } = options;
    this.observer.afterRead({ caller, subject, id, policy, fields, ungranted, filters, cursor, requestedLimit, page, rows, hasMore });
    return {
      summary,
      rows,
      meta: {
        nextCursor: hasMore ? encodeCursor(subject, String(page[page.length - 1].id)) : null,
        fields: shape.fieldsInOrder,
        redactedFields: all.filter((f) => judge.fieldsWithheld.has(f)),
        policyVersion: policy.version,
        purpose: caller.purpose,
        ...transformedMeta(all, judge),
      },
    };
  }

  private readSummary(caller: Caller, subject: SubjectName, page: Record<string, unknown>[], judge: RowJudge): AccessSummary {
    const summary = summaryOf({
      rowCount: page.length,
      resourceIds: page.map((raw) => String(raw.id)),
      ruleIds: [...judge.ruleIds],
      fieldsReturned: [...judge.fieldsReturned],
      fieldsDenied: [...judge.fieldsWithheld],
      fieldsTransformed: [...judge.fieldsTransformed],
    });
    this.metrics.decisions.inc({ partner: caller.principal.partnerId ?? 'admin', subject, decision: judge.fieldsWithheld.size > 0 ? 'partial' : 'allow' });
    return summary;
  }
}

/** A filter value as stored: timestamps as ISO 8601 UTC with milliseconds (the same on both transports). */
function typedFilter(subject: SubjectName, field: string, value: unknown): unknown {
  const typed = filterValue(subject, field, value);
  if ('problem' in typed) throw GatewayError.validation([typed.problem]);
  return typed.value;
}
