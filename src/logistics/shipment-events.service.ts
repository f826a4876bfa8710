import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Caller } from '../access/caller';
import { ObservedWrite } from '../access/access-observer';
import { GovernedDataService, GovernedRow, ReadMeta, ReadOptions } from '../access/governed-data.service';
import { GovernedWriteService } from '../access/governed-write.service';
import { decidingRuleId, permittedFields } from '../access/subject-plans';
import { RecordChanges } from '../access/record-changes';
import { eventTemperatures } from '../access/subject-rows.table';
import { newId, normalizeTimestamps, nullRow } from '../access/row-values';
import { WriteResult, WriteTransactions } from '../access/write-transactions';
import { AccessSummary, carry, deciding, merge, summaryOf, touched } from '../audit/access-summary';
import { GatewayError } from '../common/gateway-error';
import { DatabaseService } from '../database/database.service';
import { CompiledPolicy } from '../policy/policy-compiler';
import { DataQualityService, PushTally } from './data-quality.service';
import { keepEpcisEvent } from './epcis/epcis-store';
import { ShipmentChanges } from './shipment-changes.service';
import { batchDecision, EventJudge, JudgedShipmentEvent, PushItem, runEventBatch } from './shipment-event-batch';
import { ShipmentEventStore } from './shipment-event-store';

/**
 * Tracking events of shipments: one event (POST /shipments/:id/events, GraphQL recordShipmentEvent)
 * or a push of many (an event batch, an EPCIS capture), each judged by the same rules, and the
 * governed reads of a shipment's events. Built on the governed reads and writes of src/access.
 */
@Injectable()
export class ShipmentEventsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly reads: GovernedDataService,
    private readonly writes: GovernedWriteService,
    private readonly transactions: WriteTransactions,
    private readonly store: ShipmentEventStore,
    private readonly quality: DataQualityService,
    private readonly changes: ShipmentChanges,
    private readonly recordChanges: RecordChanges,
  ) {}

  /** Records a tracking event on a shipment in the caller's update scope and applies it to the shipment. */
  async recordShipmentEvent(caller: Caller, shipmentId: string, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    const action = touched('create', 'ShipmentEvent');
    const { body, policy, decided } = await deciding(action, async () => {
      const body = normalizeTimestamps('ShipmentEvent', input);
      const { policy, summary } = await this.reads.policyOf(caller);
      return { body, policy, decided: merge(action, summary) };
    });
    const recorder = recorderOf(caller);
    const receivedAt = new Date();
    const tally = new PushTally();
    let refusal: GatewayError | null = null;
    let observed: ObservedWrite | undefined;
    try {
      const result = await this.transactions.run(
        caller,
        route,
        body,
        { policy, action: 'create', subject: 'ShipmentEvent', answerIsRow: true },
        decided,
        async (m) => {
          const judged = await this.judgeShipmentEvent(m, caller, policy, shipmentId, body).catch((e) => {
            if (e instanceof GatewayError) refusal = e;
            throw e;
          });
          const stored = await this.store.store(m, judged, receivedAt);
          if (!stored.stored) {
            refusal = new GatewayError(409, 'CONFLICT', 'Conflict', {
              detail: `Event '${judged.clientEventId}' was already recorded.`,
              extra: { eventId: stored.existingId },
            });
            throw refusal;
          }
          tally.accept(stored);
          await this.quality.record(m, recorder, 'event', tally, receivedAt);
          const answer = this.writes.writeAnswer(caller, policy, 'ShipmentEvent', judged.event);
          observed = { caller, action: 'create', subject: 'ShipmentEvent', policy, row: judged.event, answered: Object.keys(answer.body.data) };
          return { status: 201, body: answer.body, summary: merge(summaryOf({ resourceIds: [shipmentId, String(judged.event.id)] }), answer.summary) };
        },
      );
      this.writes.observeCommitted(result, observed);
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
    const action = touched('create', 'ShipmentEvent');
    const { policy, summary } = await deciding(action, () => this.reads.policyOf(caller));
    const decided = merge(action, summary);
    let items: PushItem[];
    try {
      items = toItems(body);
    } catch (error) {
      throw carry(error, decided);
    }
    const recorder = recorderOf(caller);
    const receivedAt = new Date();
    const judge: EventJudge = {
      locate: (m, locator) => this.store.locate(m, policy, locator),
      judge: (m, shipmentId, input) => this.judgeShipmentEvent(m, caller, policy, shipmentId, input),
      store: (m, judged) => this.store.store(m, judged, receivedAt),
      keep: (m, captured, shipmentIds) => keepEpcisEvent(m, recorder, captured, shipmentIds, receivedAt),
      keptOnly: (captured) => ({
        stored: true,
        late: this.quality.isLate(captured.eventTime, receivedAt),
        outOfOrder: false,
        lagSeconds: (receivedAt.getTime() - Date.parse(captured.eventTime)) / 1000,
      }),
    };
    let tally: PushTally | null = null;
    const changed = new Set<string>();
    const result = await this.transactions.run(
      caller,
      route,
      body as Record<string, unknown>,
      { policy, action: 'create', subject: 'ShipmentEvent', answerIsRow: false },
      decided,
      async (m) => {
        const run = await runEventBatch(m, judge, items);
        tally = run.tally;
        for (const { event } of run.accepted) changed.add(String(event.shipmentId));
        await this.quality.record(m, recorder, source, run.tally, receivedAt);
        const { decision, reason } = batchDecision(run.tally);
        const summary = summaryOf({
          resourceIds: [...run.accepted.flatMap(({ event }) => [String(event.id), String(event.shipmentId)]), ...run.addressed],
          ruleIds: run.accepted.flatMap(({ event }) => decidingRuleId(policy.ability, 'create', 'ShipmentEvent', event) ?? []),
          rowCount: run.tally.accepted,
          decisionOverride: decision,
          reason,
          replacesReason: true,
        });
        const t = run.tally;
        return {
          summary,
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
    const shipment = await this.writes.loadForWrite(m, policy, 'Shipment', shipmentId);
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
    this.writes.assertWritable(policy, 'create', 'ShipmentEvent', event, Object.keys(eventFields));
    if (temperatureC !== undefined && !permittedFields(policy.ability, 'update', 'Shipment', shipment).includes('temperatureC')) {
      throw GatewayError.forbiddenFields(['temperatureC'], 'update', 'Shipment');
    }
    // Applying the event to the shipment changes only the shipment fields the caller may update.
    const applicable = permittedFields(policy.ability, 'update', 'Shipment', shipment).filter((f) => !statusless || f !== 'status');
    return { event, shipment, temperatureC, clientEventId: eventId ?? null, applicable };
  }

  /** Events of one shipment the caller may read (the shipment must be in their read scope). */
  async listShipmentEvents(caller: Caller, shipmentId: string, options: ReadOptions): Promise<{ rows: GovernedRow[]; meta: ReadMeta; summary: AccessSummary }> {
    const check = await this.reads.get(caller, 'Shipment', shipmentId, { fields: ['id'], ungranted: 'refuse' });
    // The shipment check is not part of what the caller read: its fields and its row are not counted.
    const checked = summaryOf({ ...check.summary, fieldsReturned: [], rowCount: 0 });
    const { rows, meta, summary } = await deciding(checked, () =>
      this.reads.list(caller, 'ShipmentEvent', { ...options, filters: { ...(options.filters ?? {}), shipmentId } }),
    );
    return { rows, meta, summary: merge(checked, summary) };
  }

  /**
   * Events of one shipment for an EPCIS query: the governed event rows, the shipment's identifying
   * fields the caller may read (sscc, reference), and the temperature recorded with each event,
   * released only where the caller may read the shipment's temperatureC.
   */
  async shipmentEventsWithContext(caller: Caller, shipmentId: string, options: ReadOptions) {
    const { row: shipment, summary: check } = await this.reads.get(caller, 'Shipment', shipmentId, {
      fields: ['id', 'reference', 'sscc', 'temperatureC'],
      ungranted: 'redact',
    });
    // The shipment check is not part of what the caller read: its event lists the events only.
    const checked = summaryOf({ ...check, rowCount: 0, fieldsReturned: [], fieldsDenied: [] });
    const read = await deciding(checked, () => this.reads.list(caller, 'ShipmentEvent', { ...options, filters: { ...(options.filters ?? {}), shipmentId } }));
    const { rows, meta } = read;
    const summary = merge(checked, read.summary);
    const ids = rows.map((r) => r.values.id).filter((id): id is string => typeof id === 'string');
    const readings =
      'temperatureC' in shipment.values && ids.length > 0 ? await this.db.read((m) => eventTemperatures(m, shipmentId, ids)) : new Map<string, number>();
    return { shipment: shipment.values, rows, meta, readings, summary };
  }
}

/** Who records an event: the partner, or an admin's subject. */
function recorderOf(caller: Caller): string {
  return caller.principal.partnerId ?? caller.principal.sub;
}
