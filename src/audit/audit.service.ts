import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { GatewayError } from '../common/gateway-error';
import { MetricsService } from '../observability/metrics.service';
import { activeLink, inSpan } from '../observability/spans';
import { AccessSummary, carry } from './access-summary';
import { ChainedAuditEvent } from './audit-chain';
import { AuditStore } from './audit-events.table';
import { AuditEventInput, AuditRecord, CLIENT_CLOSED_REQUEST } from './audit-record';

/** What a change made in `changeWithEvent`: its result, and the status and complete summary its event holds. */
export interface ChangeOutcome<T> {
  result: T;
  status: number;
  summary: AccessSummary;
  /** More work in the same transaction once the summary is known (a failure there carries it), e.g. storing the answer for an Idempotency-Key. */
  alongside?: (manager: EntityManager) => Promise<void>;
}

interface Pending {
  event: AuditEventInput;
  resolve: () => void;
  /** The request's span, linked from the group commit's span when tracing is on. */
  link?: ReturnType<typeof activeLink>;
  reject: (error: Error) => void;
}

/**
 * Appends events to the hash-chained audit log. Events of reads that arrive while a flush runs share
 * the next transaction (group commit); a write appends its event inside its own transaction.
 * Either way no caller is answered before its event is committed.
 */
@Injectable()
export class AuditService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private lastFailureAt = 0;
  private closed = false;
  private readonly store: AuditStore;

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    this.store = new AuditStore(db);
  }

  /** Closes a request's record and makes it durable before returning. */
  async commit(record: AuditRecord, status: number): Promise<void> {
    if (record.committed) return;
    // The client left before its answer: nothing reaches it, and the event says so.
    if (record.clientAborted && status < 500) {
      record.fail(CLIENT_CLOSED_REQUEST, 'CLIENT_ABORTED', 'The client closed the connection before the answer was sent.');
      status = CLIENT_CLOSED_REQUEST;
    }
    const event = record.toEvent(status);
    try {
      await inSpan('audit commit', { 'audit.decision': event.decision }, () => this.record(event));
    } catch (error) {
      record.markCommitFailed();
      throw error;
    }
    record.markCommitted();
  }

  /** Queues an event for the next group commit; resolves once it is committed. */
  record(event: AuditEventInput): Promise<void> {
    if (this.closed) return Promise.reject(GatewayError.unavailable());
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject, link: activeLink() });
      if (this.pending.length >= this.config.AUDIT_MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(this.config.AUDIT_FLUSH_MS);
    });
  }

  /**
   * A change and its request's audit event in one transaction: neither is kept without the other.
   * A failure carries the summary decided so far: `opened` until the change is made, then the
   * change's own (its event's). On success the record is committed, so the answer's seal writes no
   * second event for it.
   */
  async changeWithEvent<T>(
    record: AuditRecord,
    opened: AccessSummary,
    change: (manager: EntityManager) => Promise<ChangeOutcome<T>>,
  ): Promise<{ result: T; summary: AccessSummary }> {
    let decided = opened;
    try {
      const result = await this.db.transaction(async (m) => {
        const outcome = await change(m);
        decided = outcome.summary;
        await outcome.alongside?.(m);
        await this.appendWithin(m, [record.toEvent(outcome.status, decided)]);
        return outcome.result;
      });
      record.markCommitted();
      return { result, summary: decided };
    } catch (error) {
      throw carry(error, decided);
    }
  }

  /** Appends events inside a transaction the caller owns (a write and its event commit together). */
  async appendWithin(manager: EntityManager, events: AuditEventInput[]): Promise<ChainedAuditEvent[]> {
    const chained = await inSpan('audit append', { 'audit.events': events.length, 'audit.transaction': 'caller' }, () =>
      this.store.appendWithin(manager, events),
    );
    for (const e of events) this.metrics.auditEvents.inc({ decision: e.decision });
    return chained;
  }

  /** True unless the last flush failed recently (readiness uses it). */
  get healthy(): boolean {
    return Date.now() - this.lastFailureAt > 2000;
  }

  /**
   * Commits the pending events, then refuses new ones (their requests are answered 503). The
   * shutdown calls it once no HTTP request is in flight, before the database connections close.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.flushQueued = false;
    await this.flush();
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.close();
  }

  /**
   * Events that arrive while a flush is running wait for the next one, so batches form by
   * themselves under load; AUDIT_FLUSH_MS > 0 adds a short wait to gather more per transaction.
   */
  private flushSoon(delayMs: number): void {
    if (this.immediate) return;
    if (delayMs === 0) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = null;
      this.immediate = setImmediate(() => {
        this.immediate = null;
        void this.flush();
      });
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
  }

  /** A group commit in a transaction of its own. */
  private async append(events: AuditEventInput[]): Promise<void> {
    await this.store.appendGroup(events);
    for (const e of events) this.metrics.auditEvents.inc({ decision: e.decision });
  }

  private flush(): Promise<void> {
    if (this.flushQueued) return this.flushing;
    this.flushQueued = true;
    this.flushing = this.flushing.then(async () => {
      this.flushQueued = false;
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.config.AUDIT_MAX_BATCH);
        try {
          const links = batch.flatMap((p) => (p.link ? [p.link] : []));
          await inSpan('audit append', { 'audit.events': batch.length, 'audit.transaction': 'group' }, () => this.append(batch.map((p) => p.event)), links);
          this.metrics.auditBatchSize.observe(batch.length);
          this.lastFailureAt = 0;
          for (const p of batch) p.resolve();
        } catch (error) {
          this.lastFailureAt = Date.now();
          this.logger.error(`audit flush of ${batch.length} event(s) failed: ${(error as Error).message}`);
          for (const p of batch) p.reject(GatewayError.unavailable());
        }
      }
    });
    return this.flushing;
  }
}
