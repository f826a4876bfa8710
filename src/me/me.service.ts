import { Injectable } from '@nestjs/common';
import { GraphQLSchema, printSchema } from 'graphql';
import { Caller } from '../access/caller';
import { rowsHeldBy } from '../access/subject-rows.table';
import { AccessSummary, deciding, merge, summaryOf, touched } from '../audit/access-summary';
import { AuditEventView } from '../audit/audit-event.view';
import { partnerUsage } from '../audit/audit-events.table';
import { AuditFilter, AuditQueryService } from '../audit/audit-query.service';
import { GatewayError } from '../common/gateway-error';
import { fieldsOf } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { compilePolicy, CompiledPolicy } from '../policy/policy-compiler';
import { DEFAULT_LIMITS, purposesOf, transparencyOf } from '../policy/policy-document';
import { PolicyInForce, PolicyService } from '../policy/policy.service';
import { partnerOpenApi } from './partner-openapi';
import { aggregatesView, partnerSchema } from './partner-sdl';
import { subjectsView, SubjectsView } from './partner-view';

/** The fields whose reads a partner's data-access report counts, per subject of its records. */
const USAGE_FIELDS = { Shipment: fieldsOf('Shipment'), ShipmentEvent: fieldsOf('ShipmentEvent'), CapacitySignal: fieldsOf('CapacitySignal') };

export interface Quota {
  remaining: number;
  resetSeconds: number;
}

export interface DataAccessRow {
  partnerId: string;
  subject: string;
  field: string;
  day: string;
  count: number;
}

const DAY_MS = 86_400_000;
export const DATA_ACCESS_DEFAULT_DAYS = 30;
export const DATA_ACCESS_MAX_DAYS = 92;

/**
 * A partner's own view (contract section 10), computed from the compiled policies enforcement
 * judges by (PolicyService's cache, planFor's SQL plans): what it may do per purpose, its REST and
 * GraphQL surface, its own audit events, and who read the records it contributed.
 */
@Injectable()
export class MeService {
  /** Cut-down schemas, kept with the compiled policy they were cut for (so per partner, version and purpose). */
  private readonly schemas = new WeakMap<CompiledPolicy, WeakMap<GraphQLSchema, GraphQLSchema>>();

  constructor(
    private readonly policies: PolicyService,
    private readonly db: DatabaseService,
    private readonly audit: AuditQueryService,
  ) {}

  async view(caller: Caller, quota: Quota | undefined) {
    const partnerId = this.partnerOf(caller);
    const inForce = await this.inForce(caller, partnerId);
    const doc = inForce.document;
    const purposes = purposesOf(doc);
    const byPurpose: Array<{ purpose: string | null; subjects: SubjectsView }> = [];
    let subjects: SubjectsView | null = null;
    if (caller.purpose !== null) {
      subjects = subjectsView(await this.compiled(partnerId, caller.purpose, inForce), this.db.dialect);
      byPurpose.push({ purpose: caller.purpose, subjects });
    } else if (purposes.length === 0) {
      // A document whose rules name no purpose grants the same under any purpose.
      byPurpose.push({ purpose: null, subjects: subjectsView(compilePolicy(doc, inForce.version, null, Date.now(), inForce.agreements), this.db.dialect) });
    } else {
      for (const purpose of purposes) byPurpose.push({ purpose, subjects: subjectsView(await this.compiled(partnerId, purpose, inForce), this.db.dialect) });
    }
    const summary = summaryOf({
      actions: ['read'],
      subjects: ['Policy'],
      policyVersion: inForce.version,
      purpose: caller.purpose,
      resourceIds: [partnerId],
      rowCount: 1,
    });
    const view = {
      partner: { id: doc.partner.id, name: doc.partner.name, kind: doc.partner.kind },
      purposes,
      purpose: caller.purpose,
      policyVersion: inForce.version,
      limits: { ...DEFAULT_LIMITS, ...(doc.limits ?? {}) },
      quota: quota ? { remaining: quota.remaining, resetSeconds: quota.resetSeconds } : null,
      transparency: transparencyOf(doc),
      subjects,
      byPurpose,
    };
    return { view, summary };
  }

  async openApi(caller: Caller) {
    const { partnerId, inForce, policy, subjects, summary } = await this.purposeView(caller);
    const document = partnerOpenApi({
      policy,
      subjects,
      purpose: caller.purpose!,
      partner: { id: partnerId, name: inForce.document.partner.name },
      transparency: transparencyOf(inForce.document),
    });
    return { document, summary };
  }

  /** The served schema (the transport's) cut to the caller's view, as SDL. */
  async sdl(caller: Caller, served: GraphQLSchema): Promise<{ sdl: string; summary: AccessSummary }> {
    const { schema, summary } = await this.graphqlView(caller, served);
    return { sdl: printSchema(schema), summary };
  }

  /** The served GraphQL schema cut down to the caller's view under the purpose in use (SDL and introspection). */
  async graphqlView(caller: Caller, served: GraphQLSchema): Promise<{ schema: GraphQLSchema; summary: AccessSummary }> {
    const { policy, subjects, summary } = await this.purposeView(caller);
    let perPolicy = this.schemas.get(policy);
    if (!perPolicy) this.schemas.set(policy, (perPolicy = new WeakMap()));
    let cut = perPolicy.get(served);
    if (!cut) perPolicy.set(served, (cut = partnerSchema(served, subjects, aggregatesView(policy))));
    return { schema: cut, summary };
  }

  /** The partner's own audit events, through the auditor's query service with the partner filter pinned. */
  async accessLog(
    caller: Caller,
    filter: AuditFilter,
    limit: number,
    cursor: string | undefined,
  ): Promise<{ data: AuditEventView[]; nextCursor: string | null; summary: AccessSummary }> {
    const partnerId = this.partnerOf(caller);
    const inForce = await this.inForce(caller, partnerId);
    const decided = merge(touched('read', 'AuditEvent'), summaryOf({ policyVersion: inForce.version }));
    return deciding(decided, async () => {
      if (!transparencyOf(inForce.document).accessLog) throw disabled('accessLog', partnerId);
      if (filter.partnerId !== undefined && filter.partnerId !== partnerId) {
        throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your access log holds the events of partner '${partnerId}' only.` });
      }
      const page = await this.audit.list({ ...filter, partnerId }, limit, cursor);
      const read = summaryOf({ rowCount: page.data.length, resourceIds: page.data.slice(0, 1000).map((e) => e.id) });
      return { ...page, summary: merge(decided, read) };
    });
  }

  /**
   * Per day, partner, subject and field: how many audited reads by OTHER partners returned that
   * field of a record this partner contributed (capacity signals it supplies, shipments it
   * carries and their tracking events). Counted in SQL from the events' resourceIds and
   * fieldsReturned; no values.
   */
  async dataAccess(
    caller: Caller,
    range: { from?: unknown; to?: unknown },
  ): Promise<{ rows: DataAccessRow[]; from: string; to: string; summary: AccessSummary }> {
    const partnerId = this.partnerOf(caller);
    const inForce = await this.inForce(caller, partnerId);
    const decided = merge(touched('read', 'AuditEvent'), summaryOf({ policyVersion: inForce.version }));
    return deciding(decided, () => this.dataAccessOf(partnerId, inForce, decided, range));
  }

  private async dataAccessOf(partnerId: string, inForce: PolicyInForce, decided: AccessSummary, range: { from?: unknown; to?: unknown }) {
    if (!transparencyOf(inForce.document).dataAccess) throw disabled('dataAccess', partnerId);
    const { from, to } = parseRange(range.from, range.to);
    // A read of a shipment's tracking events names the shipment among its resourceIds (its scope
    // check) and returns event fields: those count as reads of the events the carrier recorded.
    const usage = { ownerId: partnerId, from, to, fields: USAGE_FIELDS, children: { Shipment: 'ShipmentEvent' } };
    const rows = await this.db.read((m) => partnerUsage(m, usage, rowsHeldBy(partnerId)));
    return { rows, from, to, summary: merge(decided, summaryOf({ rowCount: rows.length })) };
  }

  /** The compiled policy and view of the purpose in use; a partner with no purpose gets PURPOSE_REQUIRED, as for data. */
  private async purposeView(
    caller: Caller,
  ): Promise<{ partnerId: string; inForce: PolicyInForce; policy: CompiledPolicy; subjects: SubjectsView; summary: AccessSummary }> {
    const partnerId = this.partnerOf(caller);
    const inForce = await this.inForce(caller, partnerId);
    const { policy } = await this.policies.accessFor(partnerId, caller.purpose, inForce);
    const summary = merge(
      summaryOf({ purpose: caller.purpose, policyVersion: policy.version }),
      summaryOf({ actions: ['read'], subjects: ['Policy'], resourceIds: [partnerId] }),
    );
    return { partnerId, inForce, policy, subjects: subjectsView(policy, this.db.dialect), summary };
  }

  /** The very compiled policy enforcement uses (PolicyService caches it per partner, version and purpose). */
  private async compiled(partnerId: string, purpose: string | null, inForce: PolicyInForce): Promise<CompiledPolicy> {
    if (purpose === null) return compilePolicy(inForce.document, inForce.version, null, Date.now(), inForce.agreements);
    return (await this.policies.accessFor(partnerId, purpose, inForce)).policy;
  }

  private partnerOf(caller: Caller): string {
    const partnerId = caller.principal.partnerId;
    if (!partnerId || !caller.principal.roles.includes('partner')) {
      throw new GatewayError(403, 'FORBIDDEN_ROLE', 'Forbidden', { detail: 'Your own view is for partner tokens.' });
    }
    return partnerId;
  }

  private async inForce(caller: Caller, partnerId: string): Promise<PolicyInForce> {
    if (caller.policyInForce?.partnerId === partnerId) return caller.policyInForce;
    return (caller.policyInForce = await this.policies.inForce(partnerId));
  }
}

function disabled(which: 'accessLog' | 'dataAccess', partnerId: string): GatewayError {
  return new GatewayError(403, 'TRANSPARENCY_DISABLED', 'Forbidden', {
    detail: `Governance has switched off ${which === 'accessLog' ? 'the access log' : 'the data-access report'} for partner '${partnerId}' (transparency.${which} in its policy).`,
    extra: { transparency: which },
  });
}

/** from/to as ISO instants: default the last 30 days, at most 92 days apart. */
export function parseRange(fromRaw: unknown, toRaw: unknown, now = Date.now()): { from: string; to: string } {
  const errors: string[] = [];
  const parse = (value: unknown, name: string): number | null => {
    if (value === undefined) return null;
    const t = typeof value === 'string' && /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(t)) errors.push(`${name} must be an ISO 8601 date or date-time, given once`);
    return t;
  };
  const fromT = parse(fromRaw, 'from');
  const toT = parse(toRaw, 'to');
  if (errors.length > 0) throw GatewayError.validation(errors);
  const to = toT ?? (fromT !== null ? Math.min(now, fromT + DATA_ACCESS_DEFAULT_DAYS * DAY_MS) : now);
  const from = fromT ?? to - DATA_ACCESS_DEFAULT_DAYS * DAY_MS;
  if (from >= to) throw GatewayError.validation(['from must be before to']);
  if (to - from > DATA_ACCESS_MAX_DAYS * DAY_MS) throw GatewayError.validation([`from and to may be at most ${DATA_ACCESS_MAX_DAYS} days apart`]);
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}
