import { subject as asSubject } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { columnOf } from '../data/column-name';
import { ENTITY_OF } from '../data/entities';
import { fieldProblems, filterValue, parseDateTime, rowProblems } from '../data/field-values';
import { ShipmentEntity } from '../data/shipment.entity';
import { fieldsOf, SUBJECTS, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { MetricsService } from '../observability/metrics.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { idempotencyScope, judgeReplay, ReplayRights } from '../idempotency/replay-judge';
import { adminPolicy, CompiledPolicy } from '../policy/policy-compiler';
import { PolicyService } from '../policy/policy.service';
import { resolveRelativeTimes } from '../policy/relative-time';
import { Caller } from './caller';
import { assertChosenId } from './client-ids';
import { decodeCursor, encodeCursor } from './cursor';
import { valueColumn } from './conditions-to-sql';
import { decidingRuleId, permittedFields, planFor } from './policy-queries';
import { selectPage, selectRows } from './page-query';
import { readShapeOf } from './read-shape';
import { GovernedRow, normalize, RowJudge } from './row-judge';
import { applyTransforms, assertNoTransformedFilter, transformedMeta } from './transformed-reads';

export { GovernedRow, normalize, Redaction } from './row-judge';
import { DataQualityService, PushTally } from '../logistics/data-quality.service';
import { keepEpcisEvent } from '../logistics/epcis/epcis-store';
import { ShipmentChanges } from '../logistics/shipment-changes.service';
import { RecordChanges } from './record-changes';
import { AccessObserver } from './access-observer';
import {
  batchDecision,
  EventJudge,
  JudgedShipmentEvent,
  PushItem,
  runEventBatch,
  ShipmentLocator,
  StoredShipmentEvent,
} from '../logistics/shipment-event-batch';

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

export interface WriteResult {
  status: number;
  body: { data: Record<string, unknown>; meta: Record<string, unknown> };
  replayed: boolean;
}

const ADMIN = adminPolicy(null);
/** The partner's policy version in force, or null when the partner is not active (one scalar subquery). */
const IN_FORCE_VERSION = '__policyVersionInForce';
const IN_FORCE_AGREEMENTS = '__agreementsRevisionInForce';
const DEFAULT_PAGE = 100;

/**
 * The one enforcement path. Every read and write of partner data, from REST and GraphQL alike,
 * goes through here: the caller's policy scopes rows in the SQL WHERE clause, fields are
 * selected, withheld or refused by the same rules, and the audit record is filled in.
 */
@Injectable()
export class GovernedDataService {
  constructor(
    protected readonly db: DatabaseService,
    protected readonly policies: PolicyService,
    private readonly audit: AuditService,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    private readonly quality: DataQualityService,
    protected readonly changes: ShipmentChanges,
    protected readonly recordChanges: RecordChanges,
    private readonly observer: AccessObserver,
  ) {}

  async list(caller: Caller, subject: SubjectName, options: ReadOptions): Promise<{ rows: GovernedRow[]; meta: ReadMeta }> {
    return this.read(caller, subject, options, null);
  }

  async get(caller: Caller, subject: SubjectName, id: string, options: ReadOptions): Promise<{ row: GovernedRow; meta: ReadMeta }> {
    const { rows, meta } = await this.read(caller, subject, { ...options, limit: 1, cursor: undefined }, id);
    if (rows.length === 0) throw GatewayError.notFound(subject, id);
    return { row: rows[0], meta: { ...meta, nextCursor: null } };
  }

  /**
   * Whether a row with this id exists (GraphQL upsert: an existing id takes the update path, where a
   * row outside the caller's scope is 404). Asked only for ids the caller may choose (client-ids.ts).
   */
  async exists(subject: SubjectName, id: string): Promise<boolean> {
    const rows = await this.db.read((m) => m.query<unknown[]>(this.db.sql(`SELECT 1 AS one FROM ${SUBJECTS[subject].table} WHERE id = ?`), [id]));
    return rows.length > 0;
  }

  /**
   * The compiled policy that judges this caller (partners by their policy, admin by full access).
   * With `lastSeen`, a partner may be judged by the version this replica last saw in force, which
   * the caller must then check in its own query (reads do: see `read`).
   */
  async policyOf(caller: Caller, lastSeen: 'allow-last-seen' | 'in-force' = 'in-force'): Promise<CompiledPolicy> {
    const { principal, audit } = caller;
    audit.purpose = caller.purpose;
    if (principal.roles.includes('partner') && principal.partnerId) {
      const known =
        caller.policyInForce ??
        (lastSeen === 'allow-last-seen' && caller.policyLastSeen?.partnerId === principal.partnerId ? caller.policyLastSeen : undefined);
      const { policy } = await this.policies.accessFor(principal.partnerId, caller.purpose, known);
      audit.policyVersion = policy.version;
      audit.ruleAgreements = policy.ruleAgreements;
      return policy;
    }
    if (principal.roles.includes('admin')) return ADMIN;
    throw new GatewayError(403, 'FORBIDDEN_ROLE', 'Forbidden', { detail: 'Partner data is read and written by partner and admin tokens only.' });
  }

  /**
   * A partner's read may be judged by the version last seen in force on this replica (no round trip
   * to look it up): the data query reads the version in force in the same statement, and a page
   * read, or a refusal decided, under a version no longer in force is thrown away and judged again.
   */
  private async read(caller: Caller, subject: SubjectName, options: ReadOptions, id: string | null): Promise<{ rows: GovernedRow[]; meta: ReadMeta }> {
    caller.audit.touch('read', subject);
    const partnerId = caller.principal.partnerId;
    const lastSeen =
      !caller.policyInForce && partnerId && caller.principal.roles.includes('partner') && caller.policyLastSeen?.partnerId === partnerId
        ? caller.policyLastSeen
        : null;
    if (!lastSeen) return (await this.readJudged(caller, subject, options, id, null))!;
    let result: { rows: GovernedRow[]; meta: ReadMeta } | null;
    try {
      result = await this.readJudged(caller, subject, options, id, partnerId);
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      const inForce = await this.policies.inForce(partnerId!);
      if (inForce.version === lastSeen.version && inForce.agreements?.revision === lastSeen.agreements?.revision) throw error;
      caller.policyInForce = inForce;
      return this.read(caller, subject, options, id);
    }
    if (result) return result;
    caller.policyInForce = await this.policies.inForce(partnerId!);
    return this.read(caller, subject, options, id);
  }

  /** The read itself; with `checkFor`, null when that partner's version in force is not the one judged by. */
  private async readJudged(caller: Caller, subject: SubjectName, options: ReadOptions, id: string | null, checkFor: string | null) {
    const policy = await this.policyOf(caller, checkFor ? 'allow-last-seen' : 'in-force');
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

    const where: string[] = [plan.rowScope.sql];
    const params: Record<string, unknown> = { ...plan.rowScope.params };
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
    filters.forEach(([field, value], i) => {
      // A filter only matches rows on which the caller may see the filtered field.
      const fieldScope = plan.fieldScopes.get(field);
      if (fieldScope) {
        where.push(fieldScope.sql);
        Object.assign(params, fieldScope.params);
      }
      if (value === null) where.push(`t.${columnOf(field)} IS NULL`);
      else {
        where.push(`${valueColumn(subject, field, this.db.dialect, 't')} = :q${i}`);
        params[`q${i}`] = value;
      }
    });
    if (id !== null) {
      where.push('t.id = :id');
      params.id = id;
    }
    if (options.cursor) {
      where.push('t.id > :after');
      params.after = decodeCursor(subject, options.cursor);
      if (hasNul(params.after))
        throw new GatewayError(400, 'INVALID_CURSOR', 'Invalid cursor', { detail: 'The cursor is not one this gateway gave for this list.' });
    }
    const limit = Math.min(options.limit ?? DEFAULT_PAGE, policy.limits.maxPageSize);
    const columns = [...shape.columns];
    if (checkFor) {
      columns.push(`(SELECT policy_version FROM partners WHERE id = :partnerInForce AND status = 'active') AS "${IN_FORCE_VERSION}"`);
      columns.push(`(SELECT agreements_revision FROM partners WHERE id = :partnerInForce) AS "${IN_FORCE_AGREEMENTS}"`);
      params.partnerInForce = checkFor;
    }
    const seek = id === null && plan.seek ? { column: columnOf(plan.seek.field), values: plan.seek.values } : null;
    const raw = await this.db.read((m) => selectPage(m, SUBJECTS[subject].table, columns, where.join(' AND '), params, limit + 1, seek));
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
    this.recordRead(caller, subject, page, judge);
    const { fields, ungranted, cursor, limit: requestedLimit } = options;
    this.observer.afterRead({ caller, subject, id, policy, fields, ungranted, filters, cursor, requestedLimit, page, rows, hasMore });
    return {
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

  private recordRead(caller: Caller, subject: SubjectName, page: Record<string, unknown>[], judge: RowJudge): void {
    const a = caller.audit;
    a.rowCount += page.length;
    for (const raw of page) a.resourceIds.add(String(raw.id));
    for (const id of judge.ruleIds) a.ruleIds.add(id);
    for (const f of judge.fieldsReturned) a.fieldsReturned.add(f);
    for (const f of judge.fieldsWithheld) a.fieldsDenied.add(f);
    for (const [f, how] of judge.fieldsTransformed) a.fieldsTransformed.set(f, how);
    this.metrics.decisions.inc({ partner: caller.principal.partnerId ?? 'admin', subject, decision: judge.fieldsWithheld.size > 0 ? 'partial' : 'allow' });
  }

  // ---------------------------------------------------------------- writes

  /** Creates a row as the caller; every body field must be writable and the row inside the caller's conditions. */
  async create(caller: Caller, subject: SubjectName, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    caller.audit.touch('create', subject);
    const body = normalizeTimestamps(subject, input);
    assertChosenId(caller.principal, body.id);
    const policy = await this.policyOf(caller);
    let createdId = '';
    const result = await this.idempotent(caller, route, body, { policy, action: 'create', subject, answerIsRow: true }, async (m) => {
      const now = new Date().toISOString();
      const defaults = this.pinnedValues(policy, 'create', subject, body);
      const row: Record<string, unknown> = { ...nullRow(subject), ...SUBJECTS[subject].defaults, ...defaults, ...body, updatedAt: now };
      if (row.id === null || row.id === undefined) row.id = newId(subject);
      this.assertWritable(policy, 'create', subject, row, Object.keys(body));
      assertConsistent(subject, row, Object.keys(body));
      const exists = await m.query<unknown[]>(this.db.sql(`SELECT 1 AS one FROM ${SUBJECTS[subject].table} WHERE id = ?`), [row.id]);
      if (exists.length > 0) throw new GatewayError(409, 'CONFLICT', 'Conflict', { detail: `${subject} '${String(row.id)}' already exists.` });
      await m.createQueryBuilder().insert().into(ENTITY_OF[subject]).values(pickFields(subject, row)).execute();
      caller.audit.resourceIds.add(String(row.id));
      createdId = String(row.id);
      return { status: 201, body: this.writeAnswer(caller, policy, subject, row) };
    });
    if (!result.replayed) await this.recordChanges.changed(subject, createdId);
    return result;
  }

  /** Updates a row in the caller's update scope (404 outside their read scope, 403 inside it). */
  async update(caller: Caller, subject: SubjectName, id: string, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    caller.audit.touch('update', subject);
    const body = normalizeTimestamps(subject, input);
    const policy = await this.policyOf(caller);
    const result = await this.idempotent(caller, route, body, { policy, action: 'update', subject, answerIsRow: true }, async (m) => {
      const existing = await this.loadForWrite(m, caller, policy, subject, id);
      const row: Record<string, unknown> = { ...existing, ...body, updatedAt: new Date().toISOString() };
      this.assertWritable(policy, 'update', subject, row, Object.keys(body), existing);
      assertConsistent(subject, row, Object.keys(body));
      await m
        .createQueryBuilder()
        .update(ENTITY_OF[subject])
        .set(pickFields(subject, { ...body, updatedAt: row.updatedAt }))
        .where('id = :id', { id })
        .execute();
      return { status: 200, body: this.writeAnswer(caller, policy, subject, row, 'update') };
    });
    if (subject === 'Shipment' && !result.replayed) this.changes.publish(id);
    if (!result.replayed) await this.recordChanges.changed(subject, id);
    return result;
  }

  /** Records a tracking event on a shipment in the caller's update scope and applies it to the shipment. */
  async recordShipmentEvent(caller: Caller, shipmentId: string, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    caller.audit.touch('create', 'ShipmentEvent');
    const body = normalizeTimestamps('ShipmentEvent', input);
    const policy = await this.policyOf(caller);
    const recorder = recorderOf(caller);
    const receivedAt = new Date();
    const tally = new PushTally();
    let refusal: GatewayError | null = null;
    try {
      const result = await this.idempotent(caller, route, body, { policy, action: 'create', subject: 'ShipmentEvent', answerIsRow: true }, async (m) => {
        const judged = await this.judgeShipmentEvent(m, caller, policy, shipmentId, body).catch((e) => {
          if (e instanceof GatewayError) refusal = e;
          throw e;
        });
        const stored = await this.storeShipmentEvent(m, judged, receivedAt);
        if (!stored.stored) {
          refusal = new GatewayError(409, 'CONFLICT', 'Conflict', {
            detail: `Event '${judged.clientEventId}' was already recorded.`,
            extra: { eventId: stored.existingId },
          });
          throw refusal;
        }
        tally.accept(stored);
        await this.quality.record(m, recorder, 'event', tally, receivedAt);
        caller.audit.resourceIds.add(shipmentId);
        caller.audit.resourceIds.add(String(judged.event.id));
        return { status: 201, body: this.writeAnswer(caller, policy, 'ShipmentEvent', judged.event) };
      });
      if (!result.replayed) {
        this.quality.observe(recorder, 'event', tally);
        this.changes.publish(shipmentId);
        await this.recordChanges.changed('Shipment', shipmentId);
      }
      return result;
    } catch (error) {
      if (refusal !== null && error === refusal) {
        const refused = new PushTally();
        if ((refusal as GatewayError).status === 409) refused.duplicate();
        else refused.refuse((refusal as GatewayError).code);
        await this.quality.recordAlone(recorder, 'event', refused, receivedAt);
      }
      throw error;
    }
  }

  /**
   * Records many tracking events in one request (an event batch or an EPCIS capture). Each event
   * is judged alone, exactly as recordShipmentEvent judges one; the accepted ones, the data-quality
   * tally and ONE audit event for the request commit together. `toItems` turns the body into
   * events (and may refuse it whole: 400, 413).
   */
  async recordShipmentEvents(
    caller: Caller,
    source: 'batch' | 'epcis',
    body: unknown,
    toItems: (body: unknown) => PushItem[],
    route: string,
  ): Promise<WriteResult> {
    caller.audit.touch('create', 'ShipmentEvent');
    const policy = await this.policyOf(caller);
    const items = toItems(body);
    const recorder = recorderOf(caller);
    const receivedAt = new Date();
    const judge: EventJudge = {
      locate: (m, locator) => this.locateShipments(m, policy, locator),
      judge: (m, shipmentId, input) => this.judgeShipmentEvent(m, caller, policy, shipmentId, input),
      store: (m, judged) => this.storeShipmentEvent(m, judged, receivedAt),
      keep: (m, captured, shipmentIds) => keepEpcisEvent(m, (q) => this.db.sql(q), recorder, captured, shipmentIds, receivedAt),
      keptOnly: (captured) => ({
        stored: true,
        late: this.quality.isLate(captured.eventTime, receivedAt),
        outOfOrder: false,
        lagSeconds: (receivedAt.getTime() - Date.parse(captured.eventTime)) / 1000,
      }),
    };
    let tally: PushTally | null = null;
    const changed = new Set<string>();
    const result = await this.idempotent(
      caller,
      route,
      body as Record<string, unknown>,
      { policy, action: 'create', subject: 'ShipmentEvent', answerIsRow: false },
      async (m) => {
        const run = await runEventBatch(m, judge, items);
        tally = run.tally;
        for (const { event } of run.accepted) changed.add(String(event.shipmentId));
        await this.quality.record(m, recorder, source, run.tally, receivedAt);
        const a = caller.audit;
        for (const { event } of run.accepted) {
          a.resourceIds.add(String(event.id));
          a.resourceIds.add(String(event.shipmentId));
          const ruleId = decidingRuleId(policy.ability, 'create', 'ShipmentEvent', event);
          if (ruleId) a.ruleIds.add(ruleId);
        }
        for (const id of run.addressed) a.resourceIds.add(id);
        a.rowCount += run.tally.accepted;
        const { decision, reason } = batchDecision(run.tally);
        a.decisionOverride = decision;
        a.reason = reason;
        const t = run.tally;
        return {
          status: 200,
          body: {
            data: { results: run.results },
            meta: {
              total: t.events,
              accepted: t.accepted,
              refused: t.refused,
              duplicate: t.duplicates,
              policyVersion: policy.version,
              purpose: caller.purpose,
            },
          },
        };
      },
    );
    if (!result.replayed && tally) this.quality.observe(recorder, source, tally);
    if (!result.replayed) for (const id of changed) this.changes.publish(id);
    if (!result.replayed) await this.recordChanges.changed('Shipment', ...changed);
    return result;
  }

  /**
   * The per-event judgement, shared by single events and pushes: the shipment must be in the
   * caller's update scope (404 outside their read scope, 403 inside it), the event's fields
   * creatable by their ShipmentEvent rules, and a temperature needs update right on the
   * shipment's temperatureC. Throws the GatewayError the single-event route answers with.
   */
  private async judgeShipmentEvent(
    m: EntityManager,
    caller: Caller,
    policy: CompiledPolicy,
    shipmentId: string,
    body: Record<string, unknown>,
  ): Promise<JudgedShipmentEvent> {
    const shipment = await this.loadForWrite(m, caller, policy, 'Shipment', shipmentId);
    const { temperatureC, eventId, ...eventFields } = body as Record<string, unknown> & { temperatureC?: number; eventId?: string };
    // An event without a status (an EPCIS sensor reading) goes on the history with the shipment's status as it stands.
    const statusless = eventFields.status === undefined;
    const event: Record<string, unknown> = {
      ...nullRow('ShipmentEvent'),
      status: shipment.status,
      ...eventFields,
      id: newId('ShipmentEvent'),
      shipmentId,
      recordedBy: recorderOf(caller),
    };
    this.assertWritable(policy, 'create', 'ShipmentEvent', event, Object.keys(eventFields));
    if (temperatureC !== undefined && !permittedFields(policy.ability, 'update', 'Shipment', shipment).includes('temperatureC')) {
      throw GatewayError.forbiddenFields(['temperatureC'], 'update', 'Shipment');
    }
    // Applying the event to the shipment changes only the shipment fields the caller may update.
    const applicable = permittedFields(policy.ability, 'update', 'Shipment', shipment).filter((f) => !statusless || f !== 'status');
    return { event, shipment, temperatureC, clientEventId: eventId ?? null, applicable };
  }

  /**
   * Inserts a judged event unless the partner already recorded its eventId (then nothing is
   * written), and applies it to the shipment monotonically. The shipment is re-read, so events
   * of one push see each other's effect.
   */
  private async storeShipmentEvent(m: EntityManager, judged: JudgedShipmentEvent, receivedAt: Date): Promise<StoredShipmentEvent> {
    const { event, temperatureC, clientEventId } = judged;
    const existing = async () => {
      if (clientEventId === null) return [];
      return m.query<Array<{ id: string }>>(this.db.sql('SELECT id FROM shipment_events WHERE recorded_by = ? AND client_event_id = ?'), [
        event.recordedBy,
        clientEventId,
      ]);
    };
    const before = await existing();
    if (before.length > 0) return { stored: false, existingId: before[0].id };
    // ON CONFLICT: a concurrent push of the same eventId makes this one a duplicate, not an error.
    const inserted: unknown[] = await m.query(
      this.db.sql(`INSERT INTO shipment_events
        (id, shipment_id, status, occurred_at, location, note, recorded_by, recorded_at, client_event_id, temperature_c)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
      [
        event.id,
        event.shipmentId,
        event.status,
        event.occurredAt,
        event.location ?? null,
        event.note ?? null,
        event.recordedBy,
        receivedAt.toISOString(),
        clientEventId,
        temperatureC ?? null,
      ],
    );
    if (inserted.length === 0) {
      const after = await existing();
      return { stored: false, existingId: after[0]?.id ?? 'unknown' };
    }
    const last = judged.shipment.lastEventAt as string | null;
    const occurredAt = String(event.occurredAt);
    await this.applyEventToShipment(m, judged.shipment, event, judged.applicable, temperatureC);
    return {
      stored: true,
      late: this.quality.isLate(occurredAt, receivedAt),
      outOfOrder: last !== null && last !== undefined && occurredAt < last,
      lagSeconds: (receivedAt.getTime() - Date.parse(occurredAt)) / 1000,
    };
  }

  /**
   * The shipments an EPCIS event names, among those the caller may read: by SSCC first, else by
   * reference, each only where the caller may read that field. Out of scope is the same as absent.
   */
  private async locateShipments(m: EntityManager, policy: CompiledPolicy, locator: ShipmentLocator): Promise<string[]> {
    const plan = planFor(policy, 'read', 'Shipment', this.db.dialect);
    if (!plan.rowScope) return [];
    for (const [field, values] of [
      ['sscc', locator.ssccs],
      ['reference', locator.references],
    ] as const) {
      if (values.length === 0 || !plan.grantable.includes(field)) continue;
      const where = [plan.rowScope.sql, `t.${columnOf(field)} IN (:...located)`];
      const params: Record<string, unknown> = { ...plan.rowScope.params, located: [...new Set(values)] };
      const fieldScope = plan.fieldScopes.get(field);
      if (fieldScope) {
        where.push(fieldScope.sql);
        Object.assign(params, fieldScope.params);
      }
      const rows: Array<{ id: string }> = await m
        .createQueryBuilder()
        .select('t.id', 'id')
        .from(SUBJECTS.Shipment.table, 't')
        .where(where.join(' AND '), resolveRelativeTimes(params))
        .orderBy('t.id', 'ASC')
        .getRawMany();
      if (rows.length > 0) return [...new Set(rows.map((r) => String(r.id)))];
    }
    return [];
  }

  /** Events of one shipment the caller may read (the shipment must be in their read scope). */
  async listShipmentEvents(caller: Caller, shipmentId: string, options: ReadOptions): Promise<{ rows: GovernedRow[]; meta: ReadMeta }> {
    await this.get(caller, 'Shipment', shipmentId, { fields: ['id'], ungranted: 'refuse' });
    caller.audit.fieldsReturned.clear();
    caller.audit.rowCount = 0;
    return this.list(caller, 'ShipmentEvent', { ...options, filters: { ...(options.filters ?? {}), shipmentId } });
  }

  /**
   * Events of one shipment for an EPCIS query: the governed event rows, the shipment's identifying
   * fields the caller may read (sscc, reference), and the temperature recorded with each event,
   * released only where the caller may read the shipment's temperatureC.
   */
  async shipmentEventsWithContext(caller: Caller, shipmentId: string, options: ReadOptions) {
    const { row: shipment } = await this.get(caller, 'Shipment', shipmentId, { fields: ['id', 'reference', 'sscc', 'temperatureC'], ungranted: 'redact' });
    // The shipment check is not part of what the caller read: its event lists the events only.
    caller.audit.rowCount = 0;
    caller.audit.fieldsReturned.clear();
    caller.audit.fieldsDenied.clear();
    const { rows, meta } = await this.list(caller, 'ShipmentEvent', { ...options, filters: { ...(options.filters ?? {}), shipmentId } });
    const readings = new Map<string, number>();
    const ids = rows.map((r) => r.values.id).filter((id): id is string => typeof id === 'string');
    if ('temperatureC' in shipment.values && ids.length > 0) {
      const raw: Array<{ id: string; t: unknown }> = await this.db.read((m) =>
        m
          .createQueryBuilder()
          .select(['e.id AS id', 'e.temperature_c AS t'])
          .from(SUBJECTS.ShipmentEvent.table, 'e')
          .where('e.shipment_id = :shipmentId AND e.id IN (:...ids) AND e.temperature_c IS NOT NULL', { shipmentId, ids })
          .getRawMany(),
      );
      for (const r of raw) readings.set(String(r.id), Number(r.t));
    }
    return { shipment: shipment.values, rows, meta, readings };
  }

  private async applyEventToShipment(
    m: EntityManager,
    shipment: Record<string, unknown>,
    event: Record<string, unknown>,
    applicable: string[],
    temperatureC?: number,
  ): Promise<void> {
    const last = shipment.lastEventAt as string | null;
    const newer = !last || String(event.occurredAt) >= last;
    const set: Record<string, unknown> = { updatedAt: new Date().toISOString() };
    const apply = (field: string, value: unknown) => {
      if (applicable.includes(field)) set[field] = value;
    };
    if (newer) {
      apply('status', event.status);
      apply('lastEventAt', event.occurredAt);
      if (event.location !== null && event.location !== undefined) apply('lastLocation', event.location);
      if (temperatureC !== undefined) apply('temperatureC', temperatureC);
    }
    await m.createQueryBuilder().update(ShipmentEntity).set(set).where('id = :id', { id: shipment.id }).execute();
  }

  private async loadForWrite(m: EntityManager, caller: Caller, policy: CompiledPolicy, subject: SubjectName, id: string): Promise<Record<string, unknown>> {
    // No stored id holds U+0000 (PostgreSQL cannot even compare one): not found, as for reads.
    if (hasNul(id)) throw GatewayError.notFound(subject, id.replace(/\u0000/g, '\\0'));
    const rows = await this.selectScoped(m, policy, 'update', subject, id);
    if (rows.length > 0) return rows[0];
    const readable = await this.selectScoped(m, policy, 'read', subject, id);
    if (readable.length > 0) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your policy does not let you update ${subject} '${id}'.` });
    }
    throw GatewayError.notFound(subject, id);
  }

  private async selectScoped(m: EntityManager, policy: CompiledPolicy, action: string, subject: SubjectName, id: string): Promise<Record<string, unknown>[]> {
    const scope = planFor(policy, action, subject, this.db.dialect).rowScope;
    if (!scope) return [];
    const raw = await selectRows(m, SUBJECTS[subject].table, allColumnsOf(subject), `${scope.sql} AND t.id = :id`, { ...scope.params, id });
    return raw.map((r) => normalize(subject, r));
  }

  private assertWritable(
    policy: CompiledPolicy,
    action: string,
    subject: SubjectName,
    row: Record<string, unknown>,
    bodyFields: string[],
    before?: Record<string, unknown>,
  ): void {
    const plan = planFor(policy, action, subject, this.db.dialect);
    if (!plan.rowScope) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your policy does not let you ${action} ${subject}.` });
    }
    if (before) {
      const permitted = permittedFields(policy.ability, action, subject, before);
      const forbidden = bodyFields.filter((f) => !permitted.includes(f));
      if (forbidden.length > 0) throw GatewayError.forbiddenFields(forbidden, action, subject);
    }
    if (!policy.ability.can(action, asSubject(subject, { ...row }))) {
      throw new GatewayError(403, 'OUT_OF_SCOPE', 'Forbidden', {
        detail: `The ${subject} would fall outside what your policy lets you ${action}.`,
      });
    }
    const after = permittedFields(policy.ability, action, subject, row);
    const lost = bodyFields.filter((f) => !after.includes(f));
    if (lost.length > 0) throw GatewayError.forbiddenFields(lost, action, subject);
  }

  /** Values a caller's conditions pin to one value (e.g. supplierId = their id) fill fields they leave out. */
  private pinnedValues(policy: CompiledPolicy, action: string, subject: SubjectName, body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const rules = policy.ability.rulesFor(action, subject).filter((r) => !r.inverted && r.conditions);
    if (rules.length !== 1) return out;
    for (const [field, cond] of Object.entries(rules[0].conditions as Record<string, unknown>)) {
      if (body[field] !== undefined) continue;
      if (cond === null || typeof cond !== 'object') out[field] = cond;
      else if ('$eq' in cond) out[field] = cond.$eq;
    }
    return out;
  }

  private writeAnswer(caller: Caller, policy: CompiledPolicy, subject: SubjectName, row: Record<string, unknown>, action: 'create' | 'update' = 'create') {
    const readable = permittedFields(policy.ability, 'read', subject, row);
    const data: Record<string, unknown> = { id: row.id };
    for (const f of fieldsOf(subject)) if (readable.includes(f)) data[f] = row[f] ?? null;
    if (policy.transforms) applyTransforms(policy, subject, row, data);
    for (const f of Object.keys(data)) caller.audit.fieldsReturned.add(f);
    caller.audit.rowCount += 1;
    caller.audit.resourceIds.add(String(row.id));
    const ruleId = decidingRuleId(policy.ability, action, subject, row);
    if (ruleId) caller.audit.ruleIds.add(ruleId);
    this.observer.afterWrite({ caller, action, subject, policy, row, answered: Object.keys(data) });
    return { data, meta: { policyVersion: policy.version, purpose: caller.purpose } };
  }

  /**
   * Runs a write with its audit event in one transaction. With an Idempotency-Key, a replay
   * returns the first answer, judged again under the policy in force (replay-judge.ts), and
   * writes nothing but its own audit event.
   */
  private async idempotent(
    caller: Caller,
    route: string,
    body: Record<string, unknown>,
    rights: ReplayRights,
    work: (m: EntityManager) => Promise<{ status: number; body: WriteResult['body'] }>,
  ): Promise<WriteResult> {
    const key = caller.idempotencyKey;
    const scope = idempotencyScope(caller, route);
    const hash = this.idempotency.hashRequest(body);
    if (key) {
      const replay = await this.replay(caller, scope, key, hash, rights);
      if (replay) return replay;
    }
    try {
      const result = await this.db.transaction(async (m) => {
        const r = await work(m);
        if (key) await this.idempotency.save(m, scope, key, hash, r.status, r.body);
        await this.audit.appendWithin(m, [caller.audit.toEvent(r.status)]);
        return r;
      });
      caller.audit.committed = true;
      return { ...result, replayed: false };
    } catch (error) {
      // A concurrent duplicate with the same key may have committed meanwhile: its effect can make
      // this one fail (a unique violation, or a refusal such as 409 "already exists"). Answer it.
      if (key) {
        const replay = await this.replay(caller, scope, key, hash, rights);
        if (replay) return replay;
      }
      throw error;
    }
  }

  private async replay(caller: Caller, scope: string, key: string, hash: string, rights: ReplayRights): Promise<WriteResult | null> {
    const prior = await this.db.read((m) => this.idempotency.find(m, scope, key));
    if (!prior) return null;
    if (prior.requestHash !== hash) {
      throw new GatewayError(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', {
        detail: 'This Idempotency-Key was used for a different request; use a new key.',
      });
    }
    caller.audit.reason = 'idempotent replay: nothing written';
    const first = JSON.parse(prior.body) as WriteResult['body'];
    const id = first.data && typeof first.data.id === 'string' ? first.data.id : null;
    if (id) caller.audit.resourceIds.add(id);
    const current =
      rights.answerIsRow && id
        ? ((await this.db.read((m) => selectRows(m, SUBJECTS[rights.subject].table, allColumnsOf(rights.subject), 't.id = :id', { id })))[0] ?? null)
        : null;
    const body = judgeReplay(caller, rights, this.db.dialect, first, current && normalize(rights.subject, current));
    return { status: prior.status, body, replayed: true };
  }
}

/** Who records an event: the partner, or an admin's subject. */
function recorderOf(caller: Caller): string {
  return caller.principal.partnerId ?? caller.principal.sub;
}

function hasNul(value: unknown): boolean {
  return typeof value === 'string' && value.includes('\u0000');
}

/** Checks across the fields of the row as it would be stored (src/data/field-values.ts). */
function assertConsistent(subject: SubjectName, row: Record<string, unknown>, written: string[]): void {
  const problems = rowProblems(subject, row, written);
  if (problems.length > 0) throw GatewayError.validation(problems);
}

function nullRow(subject: SubjectName): Record<string, unknown> {
  return Object.fromEntries(fieldsOf(subject).map((f) => [f, null]));
}

let counter = 0;
function newId(subject: SubjectName): string {
  const prefix = { DemandSignal: 'ds', CapacitySignal: 'cap', Shipment: 'shp', ShipmentEvent: 'evt' }[subject];
  counter = (counter + 1) % 1296;
  return `${prefix}-${Date.now().toString(36)}${counter.toString(36).padStart(2, '0')}${Math.random().toString(36).slice(2, 8)}`;
}

const ALL_COLUMNS = new Map<SubjectName, string[]>();

/** `t.column AS "field"` for every field of a subject. */
function allColumnsOf(subject: SubjectName): string[] {
  let columns = ALL_COLUMNS.get(subject);
  if (!columns) ALL_COLUMNS.set(subject, (columns = fieldsOf(subject).map((f) => `t.${columnOf(f)} AS "${f}"`)));
  return columns;
}

/** A filter value as stored: timestamps as ISO 8601 UTC with milliseconds (the same on both transports). */
function typedFilter(subject: SubjectName, field: string, value: unknown): unknown {
  const typed = filterValue(subject, field, value);
  if ('problem' in typed) throw GatewayError.validation([typed.problem]);
  return typed.value;
}

/**
 * Timestamps are stored as ISO 8601 UTC with milliseconds, so they compare correctly as text.
 * A null is accepted only for a field that may be empty.
 */
export function normalizeTimestamps(subject: SubjectName, body: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const nulls = Object.entries(body)
    .filter(([k, v]) => v === null && SUBJECTS[subject].fields[k] && !SUBJECTS[subject].fields[k].nullable)
    .map(([k]) => k);
  if (nulls.length > 0) throw GatewayError.validation(nulls.map((k) => `${k} must not be null`));
  const problems = fieldProblems(subject, body);
  if (problems.length > 0) throw GatewayError.validation(problems);
  for (const [k, v] of Object.entries(body)) {
    if (v === undefined) continue;
    out[k] = SUBJECTS[subject].fields[k]?.type === 'timestamp' && typeof v === 'string' ? parseDateTime(v) : v;
  }
  return out;
}

export function pickFields(subject: SubjectName, row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fieldsOf(subject)) if (row[f] !== undefined) out[f] = row[f];
  return out;
}
