import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { MetricsService } from '../observability/metrics.service';
import { lastCapacityUpdateOf, lastEventRecordedBy } from '../access/subject-rows.table';
import { insertPushTally, refusalsOf, SourceTotals, totalsBySource } from './push-tallies.table';

/** Where a push came in: a single event (REST or GraphQL), an event batch, or an EPCIS capture. */
export type PushSource = 'event' | 'batch' | 'epcis';

/** What one push did, event by event; written as one row of push_tallies. */
export class PushTally {
  events = 0;
  accepted = 0;
  refused = 0;
  duplicates = 0;
  late = 0;
  outOfOrder = 0;
  readonly refusedByCode: Record<string, number> = {};
  /** Seconds from occurredAt to receipt, per accepted event (for the lag histogram). */
  readonly lags: number[] = [];

  accept(flags: { late: boolean; outOfOrder: boolean; lagSeconds: number }): void {
    this.events += 1;
    this.accepted += 1;
    if (flags.late) this.late += 1;
    if (flags.outOfOrder) this.outOfOrder += 1;
    this.lags.push(Math.max(0, flags.lagSeconds));
  }

  refuse(code: string): void {
    this.events += 1;
    this.refused += 1;
    this.refusedByCode[code] = (this.refusedByCode[code] ?? 0) + 1;
  }

  duplicate(): void {
    this.events += 1;
    this.duplicates += 1;
  }
}

/** A source's counts over the window. */
type Counts = Omit<SourceTotals, 'source'>;

const SOURCES: PushSource[] = ['event', 'batch', 'epcis'];

/**
 * Data quality of what partners push: per push, how many events were accepted, refused (by code),
 * duplicates, late and out of order. Counts are written in the push's own transaction, so they
 * are exactly what was committed; Prometheus metrics follow once it has committed.
 */
@Injectable()
export class DataQualityService {
  private readonly logger = new Logger(DataQualityService.name);

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Late: the event occurred more than DATA_QUALITY_LATE_AFTER_HOURS before it was received. */
  isLate(occurredAt: string, receivedAt: Date): boolean {
    return receivedAt.getTime() - Date.parse(occurredAt) > this.config.DATA_QUALITY_LATE_AFTER_HOURS * 3600 * 1000;
  }

  /** Writes the tally inside the push's transaction. */
  async record(m: EntityManager, partnerId: string, source: PushSource, tally: PushTally, receivedAt: Date): Promise<void> {
    if (tally.events === 0) return;
    await insertPushTally(m, {
      partnerId,
      source,
      receivedAt,
      events: tally.events,
      accepted: tally.accepted,
      refused: tally.refused,
      duplicates: tally.duplicates,
      late: tally.late,
      outOfOrder: tally.outOfOrder,
      refusedByCode: tally.refusedByCode,
    });
  }

  /**
   * A refused single event writes nothing else, so its tally has a transaction of its own. Losing
   * it must not change the refusal the caller gets, so a failure here is only logged.
   */
  async recordAlone(partnerId: string, source: PushSource, tally: PushTally, receivedAt: Date): Promise<void> {
    try {
      await this.db.transaction((m) => this.record(m, partnerId, source, tally, receivedAt));
      this.observe(partnerId, source, tally);
    } catch (error) {
      this.logger.warn(`data-quality tally of a refused push by ${partnerId} not written: ${(error as Error).message}`);
    }
  }

  /** Prometheus metrics, once the push has committed. */
  observe(partnerId: string, source: PushSource, tally: PushTally): void {
    const m = this.metrics;
    if (tally.accepted) m.pushEvents.inc({ partner: partnerId, source, outcome: 'accepted' }, tally.accepted);
    if (tally.refused) m.pushEvents.inc({ partner: partnerId, source, outcome: 'refused' }, tally.refused);
    if (tally.duplicates) m.pushEvents.inc({ partner: partnerId, source, outcome: 'duplicate' }, tally.duplicates);
    for (const [code, n] of Object.entries(tally.refusedByCode)) m.pushRefusals.inc({ partner: partnerId, source, code }, n);
    if (tally.late) m.pushLate.inc({ partner: partnerId, source }, tally.late);
    if (tally.outOfOrder) m.pushOutOfOrder.inc({ partner: partnerId, source }, tally.outOfOrder);
    for (const lag of tally.lags) m.pushLag.observe({ partner: partnerId }, lag);
    if (tally.accepted) m.pushLastAccepted.set({ partner: partnerId }, Date.now() / 1000);
  }

  /** Rates over [since, until] and freshness per data set, for one partner. */
  async report(partnerId: string, since: Date, until: Date, duration: string | null) {
    const sinceIso = since.toISOString();
    const untilIso = until.toISOString();
    const { rows, codes, capacity, events } = await this.db.read(async (m) => ({
      rows: await totalsBySource(m, partnerId, sinceIso, untilIso),
      codes: await refusalsOf(m, partnerId, sinceIso, untilIso),
      capacity: await lastCapacityUpdateOf(m, partnerId),
      events: await lastEventRecordedBy(m, partnerId),
    }));

    const bySource = Object.fromEntries(SOURCES.map((s) => [s, emptyCounts()])) as Record<PushSource, Counts>;
    for (const { source, ...r } of rows) {
      const target = bySource[source as PushSource] ?? (bySource[source as PushSource] = emptyCounts());
      for (const k of Object.keys(target) as Array<keyof Counts>) target[k] += r[k];
    }
    const total = emptyCounts();
    for (const c of Object.values(bySource)) for (const k of Object.keys(total) as Array<keyof Counts>) total[k] += c[k];
    const refusedByCode: Record<string, number> = {};
    for (const refused of codes) {
      for (const [code, n] of Object.entries(refused)) refusedByCode[code] = (refusedByCode[code] ?? 0) + n;
    }
    const now = Date.now();
    const fresh = (last: unknown) => {
      const lastAt = typeof last === 'string' && last ? last : null;
      return { lastAt, ageSeconds: lastAt ? Math.max(0, Math.round((now - Date.parse(lastAt)) / 1000)) : null };
    };
    const { pushes, ...events_ } = total;
    return {
      partnerId,
      window: { since: sinceIso, until: untilIso, duration },
      pushes,
      events: events_,
      refusedByCode: Object.fromEntries(Object.entries(refusedByCode).sort(([a], [b]) => a.localeCompare(b))),
      rates: rates(total),
      bySource: Object.fromEntries(Object.entries(bySource).map(([s, c]) => [s, { ...c, rates: rates(c) }])),
      freshness: {
        CapacitySignal: { ...fresh(capacity), basis: 'last capacity signal of this supplier (updatedAt)' },
        ShipmentEvent: { ...fresh(events), basis: 'last shipment event recorded by this partner (recordedAt)' },
      },
    };
  }
}

function emptyCounts(): Counts {
  return { pushes: 0, received: 0, accepted: 0, refused: 0, duplicates: 0, late: 0, outOfOrder: 0 };
}

/** accepted, refused and duplicate per received event; late and out-of-order per accepted event; null with nothing to divide. */
function rates(c: Counts) {
  const per = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10000) / 10000);
  return {
    accepted: per(c.accepted, c.received),
    refused: per(c.refused, c.received),
    duplicate: per(c.duplicates, c.received),
    late: per(c.late, c.accepted),
    outOfOrder: per(c.outOfOrder, c.accepted),
  };
}
