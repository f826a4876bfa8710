import { EntityManager } from 'typeorm';
import { Decision } from '../audit/audit-record';
import { GatewayError } from '../common/gateway-error';
import { PushTally } from './data-quality.service';
import type { CapturedEpcisEvent } from './epcis/captured-event';

/**
 * Logistics pushes of many tracking events at once (POST /shipment-events:batch and
 * POST /epcis/capture). Each event is judged alone by the same per-event judgement as
 * POST /shipments/:id/events (ShipmentEventsService supplies it as an EventJudge); the accepted ones
 * commit together, with one audit event for the request, in one transaction.
 */

/** At most this many events per push; more is 413 PAYLOAD_TOO_LARGE. */
export const MAX_PUSH_EVENTS = 1000;

export type PushOutcome = 'accepted' | 'refused' | 'duplicate';

/** One entry of the answer, in the order of the request. */
export interface PushResult {
  index: number;
  eventId: string | null;
  outcome: PushOutcome;
  /** null when accepted; DUPLICATE for a resent event; else the refusal's code (as the single-event route would answer). */
  code: string | null;
  message: string;
}

/** How an EPCIS event names its shipment: SSCCs (18 digits) from epcList, references from bizTransactionList. */
export interface ShipmentLocator {
  ssccs: string[];
  /** Candidate shipment references (a bizTransaction value, and its last `:` or `/` segment). */
  references: string[];
  /** How the event named them, for messages. */
  label: string;
}

/** One event of a push, before its judgement. */
export interface PushItem {
  index: number;
  eventId: string | null;
  /** The event's fields as a batch item or the EPCIS mapping gives them. */
  raw: unknown;
  /**
   * The fields once the transport has validated `raw` by the rules of a single event (its DTO), with
   * `shipmentId` for a batch item; an item that fails them carries a VALIDATION_FAILED refusal instead.
   */
  input?: Record<string, unknown>;
  /** EPCIS: the shipment is found by these identifiers (among those the caller may read) rather than by raw.shipmentId. */
  locate?: ShipmentLocator;
  /** Refused before judgement (e.g. an EPCIS event the gateway cannot map). */
  refusal?: { code: string; message: string };
  /** EPCIS: the event as captured, kept linked to every shipment it names (epcis-store.ts). */
  epcis?: CapturedEpcisEvent;
}

/** What keeping a captured EPCIS event did: stored anew, an earlier event declared erroneous, or already kept. */
export type KeptEpcisEvent = { kept: 'stored' | 'declared'; rowId: string } | { kept: 'duplicate'; rowId: string };

/** A tracking event the caller's policy allows: the row to insert and the shipment as it stood. */
export interface JudgedShipmentEvent {
  event: Record<string, unknown>;
  shipment: Record<string, unknown>;
  temperatureC?: number;
  clientEventId: string | null;
  /** Shipment fields the caller may update: the only ones the event changes. */
  applicable: string[];
}

export type StoredShipmentEvent = { stored: true; late: boolean; outOfOrder: boolean; lagSeconds: number } | { stored: false; existingId: string };

/** The per-event judgement, as ShipmentEventsService performs it for single events too. */
export interface EventJudge {
  /** Ids of the shipments the locator names, among those the caller may read. */
  locate(m: EntityManager, locator: ShipmentLocator): Promise<string[]>;
  /** Scope, field rights and conditions; throws a GatewayError when the caller may not record it. */
  judge(m: EntityManager, shipmentId: string, input: Record<string, unknown>): Promise<JudgedShipmentEvent>;
  /** Inserts it unless its eventId was recorded already by this partner, and applies it to the shipment monotonically. */
  store(m: EntityManager, judged: JudgedShipmentEvent): Promise<StoredShipmentEvent>;
  /** Keeps an EPCIS event as captured, linked to these shipments (the caller may update each). */
  keep(m: EntityManager, captured: CapturedEpcisEvent, shipmentIds: string[]): Promise<KeptEpcisEvent>;
  /** The tally entry of an event that was kept but changed no shipment. */
  keptOnly(captured: CapturedEpcisEvent): StoredShipmentEvent & { stored: true };
}

export interface BatchRun {
  results: PushResult[];
  tally: PushTally;
  accepted: JudgedShipmentEvent[];
  /** Shipments the events named (by id, or located by EPCIS identifiers), refused ones included: the audit names them. */
  addressed: string[];
}

/** Judges and stores the items one by one, inside the caller's transaction; refused items change nothing. Items come validated (`input`) or refused. */
export async function runEventBatch(m: EntityManager, judge: EventJudge, items: PushItem[]): Promise<BatchRun> {
  const results: PushResult[] = [];
  const tally = new PushTally();
  const accepted: JudgedShipmentEvent[] = [];
  const addressed = new Set<string>();
  const refuse = (item: PushItem, code: string, message: string) => {
    tally.refuse(code);
    results.push({ index: item.index, eventId: item.eventId, outcome: 'refused', code, message });
  };
  for (const item of items) {
    if (item.refusal) {
      refuse(item, item.refusal.code, item.refusal.message);
      continue;
    }
    if (!item.input) throw new Error(`push item ${item.index} reached the batch without being validated`);
    const { shipmentId: named, ...input } = item.input;
    let shipmentId = named as string | undefined;
    if (shipmentId !== undefined) addressed.add(shipmentId);
    if (item.locate) {
      const ids = await judge.locate(m, item.locate);
      if (ids.length === 0) {
        refuse(item, 'NOT_FOUND', `No shipment you may track has ${describe(item.locate)}.`);
        continue;
      }
      if (ids.length > 1 && !item.epcis) {
        refuse(item, 'AMBIGUOUS_SHIPMENT', `${describe(item.locate)} names ${ids.length} shipments; an event must name one.`);
        continue;
      }
      for (const id of ids) addressed.add(id);
      if (item.epcis) {
        await runEpcisItem(m, judge, item, item.epcis, ids, input, { results, tally, accepted, refuse });
        continue;
      }
      shipmentId = ids[0];
    }
    let judged: JudgedShipmentEvent;
    try {
      judged = await judge.judge(m, shipmentId!, input);
    } catch (error) {
      if (!(error instanceof GatewayError) || error.status >= 500) throw error;
      refuse(item, error.code, error.detail);
      continue;
    }
    const stored = await judge.store(m, judged);
    if (!stored.stored) {
      tally.duplicate();
      results.push({
        index: item.index,
        eventId: item.eventId,
        outcome: 'duplicate',
        code: 'DUPLICATE',
        message: `Event '${item.eventId}' was already recorded (as ${stored.existingId}); nothing written.`,
      });
      continue;
    }
    tally.accept(stored);
    accepted.push(judged);
    const note = stored.outOfOrder ? " It is older than the shipment's last event, so the shipment's state was kept." : '';
    results.push({
      index: item.index,
      eventId: item.eventId,
      outcome: 'accepted',
      code: null,
      message: `Recorded as ${String(judged.event.id)} on shipment ${String(judged.event.shipmentId)}.${note}`,
    });
  }
  return { results, tally, accepted, addressed: [...addressed] };
}

interface BatchSink {
  results: PushResult[];
  tally: PushTally;
  accepted: JudgedShipmentEvent[];
  refuse: (item: PushItem, code: string, message: string) => void;
}

/**
 * An EPCIS event: judged on every shipment it names (all must be the caller's to update, or it is
 * refused whole), kept as captured, then applied to each shipment unless it changes none (an error
 * declaration, or neither a status nor a temperature). A statusless event with a temperature is
 * recorded on the shipment's history with the shipment's status as it stands.
 */
async function runEpcisItem(
  m: EntityManager,
  judge: EventJudge,
  item: PushItem,
  captured: CapturedEpcisEvent,
  shipmentIds: string[],
  input: Record<string, unknown>,
  sink: BatchSink,
): Promise<void> {
  const judgedAll: JudgedShipmentEvent[] = [];
  const fields = { ...input };
  if (captured.statusless) delete fields.status;
  for (const id of shipmentIds) {
    try {
      judgedAll.push(await judge.judge(m, id, fields));
    } catch (error) {
      if (!(error instanceof GatewayError) || error.status >= 500) throw error;
      sink.refuse(item, error.code, error.detail);
      return;
    }
  }
  const kept = await judge.keep(m, captured, shipmentIds);
  const duplicate = (existing: string) => {
    sink.tally.duplicate();
    sink.results.push({
      index: item.index,
      eventId: item.eventId,
      outcome: 'duplicate',
      code: 'DUPLICATE',
      message: `Event '${item.eventId}' was already recorded (as ${existing}); nothing written.`,
    });
  };
  if (kept.kept === 'duplicate') return duplicate(kept.rowId);
  const on = shipmentIds.join(', ');
  if (captured.keepOnly) {
    sink.tally.accept(judge.keptOnly(captured));
    const what = kept.kept === 'declared' ? `Declared erroneous (${kept.rowId})` : `Kept as ${kept.rowId}`;
    sink.results.push({
      index: item.index,
      eventId: item.eventId,
      outcome: 'accepted',
      code: null,
      message: `${what} on shipment ${on}; no shipment state changed.`,
    });
    return;
  }
  let first: StoredShipmentEvent | null = null;
  for (const [i, judged] of judgedAll.entries()) {
    // One event on several shipments: the first history entry carries the event's id, which finds a resent event.
    const stored = await judge.store(m, i === 0 ? judged : { ...judged, clientEventId: null });
    if (i === 0) first = stored;
    if (!stored.stored) return duplicate(stored.existingId);
    sink.accepted.push(judged);
  }
  sink.tally.accept(first as StoredShipmentEvent & { stored: true });
  const ids = judgedAll.map((j) => `${String(j.event.id)} on shipment ${String(j.event.shipmentId)}`).join(', ');
  const note = first && first.stored && first.outOfOrder ? " It is older than the shipment's last event, so the shipment's state was kept." : '';
  sink.results.push({ index: item.index, eventId: item.eventId, outcome: 'accepted', code: null, message: `Recorded as ${ids}.${note}` });
}

/** The request-level reading of a batch's outcomes, for its one audit event. */
export function batchDecision(tally: PushTally): { decision: Decision; reason: string } {
  const codes = Object.entries(tally.refusedByCode)
    .map(([c, n]) => `${c}: ${n}`)
    .join(', ');
  const reason = `${tally.accepted} accepted, ${tally.refused} refused${codes ? ` (${codes})` : ''}, ${tally.duplicates} duplicate`;
  if (tally.refused === 0) return { decision: 'allow', reason };
  return { decision: tally.accepted + tally.duplicates === 0 ? 'deny' : 'partial', reason };
}

/** The body of POST /shipment-events:batch: `{ "events": [ ... ] }`, 1 to 1,000 items. */
export function batchItems(body: unknown): PushItem[] {
  if (!isPlainObject(body)) throw GatewayError.validation(['the body must be a JSON object { "events": [ ... ] }']);
  const unknown = Object.keys(body).filter((k) => k !== 'events');
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `property ${k} should not exist`));
  const events = body.events;
  if (!Array.isArray(events)) throw GatewayError.validation(['events must be an array of events']);
  assertPushSize(events.length);
  if (events.length === 0) throw GatewayError.validation(['events must hold at least one event']);
  return events.map((raw: unknown, index) => ({ index, eventId: isPlainObject(raw) && typeof raw.eventId === 'string' ? raw.eventId : null, raw }));
}

export function assertPushSize(count: number): void {
  if (count > MAX_PUSH_EVENTS) {
    throw new GatewayError(413, 'PAYLOAD_TOO_LARGE', 'Payload too large', {
      detail: `A push holds at most ${MAX_PUSH_EVENTS} events; this one holds ${count}. Split it into several requests.`,
      extra: { maxEvents: MAX_PUSH_EVENTS, events: count },
    });
  }
}

function describe(locator: ShipmentLocator): string {
  return locator.label;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
