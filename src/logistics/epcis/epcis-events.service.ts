import { Injectable } from '@nestjs/common';
import { Caller } from '../../access/caller';
import { GovernedDataService } from '../../access/governed-data.service';
import { planFor } from '../../access/subject-plans';
import { AccessSummary, deciding, merge, summaryOf, touched } from '../../audit/access-summary';
import { GatewayError } from '../../common/gateway-error';
import { CompiledPolicy } from '../../policy/policy-compiler';
import { DatabaseService } from '../../database/database.service';
import { EpcisQuery } from './epcis-query-params';
import { concernsShipmentWhere, hasTermWhere, selectEvents } from './epcis-events.table';
import { StoredEpcisDocument } from './epcis-store';

/** One event of an answer: as captured, with the repository's recordTime (and its id when it was sent without one). */
export interface EpcisAnswer {
  events: Array<Record<string, unknown>>;
  /** JSON-LD context entries the capturing documents declared (prefixes of extensions), without duplicates. */
  contexts: unknown[];
  nextPageToken: string | null;
  policyVersion: number | null;
}

const TOKEN_KIND = 'EpcisEvent';

/**
 * EPCIS standard queries over the events kept as captured. The events a caller sees are scoped in
 * SQL: an event appears only when it concerns at least one shipment in the caller's Shipment read
 * scope (joined through epcis_event_shipments), the caller may read ShipmentEvent at all, and the
 * caller recorded it (an admin sees every recorder's). Events outside that scope are not counted,
 * paged over or named in the audit.
 */
@Injectable()
export class EpcisEventsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly data: GovernedDataService,
  ) {}

  async query(caller: Caller, q: EpcisQuery): Promise<EpcisAnswer & { summary: AccessSummary }> {
    const action = touched('read', 'ShipmentEvent');
    const { policy, summary } = await deciding(action, () => this.data.policyOf(caller));
    return deciding(merge(action, summary), () => this.queryBy(caller, policy, merge(action, summary), q));
  }

  private async queryBy(caller: Caller, policy: CompiledPolicy, decided: AccessSummary, q: EpcisQuery): Promise<EpcisAnswer & { summary: AccessSummary }> {
    const shipments = planFor(policy, 'read', 'Shipment', this.db.dialect).rowScope;
    const events = planFor(policy, 'read', 'ShipmentEvent', this.db.dialect).rowScope;
    if (!shipments || !events) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', {
        detail: `Your policy grants no read of shipment events${caller.purpose ? ` for purpose '${caller.purpose}'` : ''}.`,
      });
    }
    const where: string[] = [];
    const params: Record<string, unknown> = { ...shipments.params };
    const isAdmin = !caller.principal.partnerId && caller.principal.roles.includes('admin');
    if (!isAdmin) {
      where.push('e.recorded_by = :ep_recorder');
      params.ep_recorder = caller.principal.partnerId ?? caller.principal.sub;
    }
    const link = [`(${shipments.sql})`];
    if (q.shipmentId !== null) {
      link.push('l.shipment_id = :ep_shipment');
      params.ep_shipment = q.shipmentId;
    }
    where.push(concernsShipmentWhere(link));
    const anyOf = (column: string, values: string[], name: string) => {
      if (values.length === 0) return;
      where.push(`${column} IN (:...${name})`);
      params[name] = [...new Set(values)];
    };
    anyOf('e.event_type', q.eventTypes, 'ep_types');
    anyOf('e.biz_step', q.bizSteps, 'ep_steps');
    anyOf('e.disposition', q.dispositions, 'ep_disps');
    anyOf('e.read_point', q.readPoints, 'ep_reads');
    anyOf('e.biz_location', q.bizLocations, 'ep_locs');
    anyOf('e.event_id', q.eventIds, 'ep_ids');
    q.times.forEach(({ column, op, value }, i) => {
      where.push(`e.${column} ${op} :ep_t${i}`);
      params[`ep_t${i}`] = value;
    });
    q.terms.forEach((alternatives, i) => {
      const ors = alternatives.map(([kind, value], j) => {
        params[`ep_k${i}_${j}`] = kind;
        params[`ep_v${i}_${j}`] = value;
        return `(m.kind = :ep_k${i}_${j} AND m.value = :ep_v${i}_${j})`;
      });
      where.push(hasTermWhere(ors.join(' OR ')));
    });
    if (q.nextPageToken !== null) {
      const after = decodeToken(q.nextPageToken);
      where.push('(e.event_time > :ep_after_t OR (e.event_time = :ep_after_t AND e.id > :ep_after_id))');
      params.ep_after_t = after.t;
      params.ep_after_id = after.i;
    }
    const limit = Math.min(q.perPage, policy.limits.maxPageSize);
    const rows = await this.db.read((m) => selectEvents(m, where.join(' AND '), params, limit + 1));
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const contexts = new Map<string, unknown>();
    const out = page.map((r) => {
      const stored = JSON.parse(r.document) as StoredEpcisDocument;
      for (const c of stored.context) contexts.set(JSON.stringify(c), c);
      return asAnswered(stored.event, r.event_id, r.record_time);
    });
    const last = page[page.length - 1];
    return {
      summary: merge(decided, summaryOf({ rowCount: page.length, resourceIds: page.map((r) => r.event_id) })),
      events: out,
      contexts: [...contexts.values()],
      nextPageToken: hasMore ? encodeToken(last.event_time, last.id) : null,
      policyVersion: policy.version,
    };
  }
}

/** The event as captured, with its id (the CBV 2.0 hash it was kept under, when it came without one) and the repository's recordTime. */
function asAnswered(event: Record<string, unknown>, eventId: string, recordTime: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(event)) {
    if (k === 'recordTime') continue;
    out[k] = v;
    if (k === 'type' && event.eventID === undefined) out.eventID = eventId;
  }
  if (out.eventID === undefined) out.eventID = eventId;
  out.recordTime = recordTime;
  return out;
}

function encodeToken(t: string, i: string): string {
  return Buffer.from(JSON.stringify({ s: TOKEN_KIND, t, i }), 'utf8').toString('base64url');
}

function decodeToken(token: string): { t: string; i: string } {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { s?: unknown; t?: unknown; i?: unknown };
    if (
      parsed.s === TOKEN_KIND &&
      typeof parsed.t === 'string' &&
      typeof parsed.i === 'string' &&
      parsed.t.length <= 30 &&
      parsed.i.length <= 64 &&
      !parsed.t.includes('\u0000') &&
      !parsed.i.includes('\u0000')
    )
      return { t: parsed.t, i: parsed.i };
  } catch {
    // fall through
  }
  throw new GatewayError(400, 'INVALID_CURSOR', 'Invalid cursor', { detail: 'The nextPageToken is not one this gateway gave.' });
}
