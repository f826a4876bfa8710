import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { GatewayError } from '../common/gateway-error';
import { MetricsService } from '../health/metrics.service';
import { chainEvent, ChainedAuditEvent } from './audit-chain';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventInput, AuditRecord } from './audit-record';

interface Pending {
  event: AuditEventInput;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * Appends events to the hash-chained audit log. Events of reads that arrive while a flush runs share
 * the next transaction (group commit); a write appends its event inside its own transaction.
 * Either way no caller is answered before its event is committed.
 */
@Injectable()
export class AuditService implements OnApplicationShutdown {
  private readonly logger = new Logger(AuditService.name);
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private flushQueued = false;
  private lastFailureAt = 0;
  private columns: Array<[string, string]> | null = null;

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** Closes a request's record and makes it durable before returning. */
  async commit(record: AuditRecord, status: number): Promise<void> {
    if (record.committed) return;
    await this.record(record.toEvent(status));
    record.committed = true;
  }

  /** Queues an event for the next group commit; resolves once it is committed. */
  record(event: AuditEventInput): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ event, resolve, reject });
      if (this.pending.length >= this.config.AUDIT_MAX_BATCH) this.flushSoon(0);
      else this.flushSoon(this.config.AUDIT_FLUSH_MS);
    });
  }

  /** Appends events inside a transaction the caller owns (a write and its event commit together). */
  async appendWithin(manager: EntityManager, events: AuditEventInput[]): Promise<ChainedAuditEvent[]> {
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [head] = await manager.query(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
    if (!head) throw new Error('audit_head row is missing');
    let seq = BigInt(head.seq);
    let hash: string = head.hash;
    const chained = events.map((e) => {
      const c = chainEvent(e, seq, hash);
      seq += 1n;
      hash = c.hash;
      return c;
    });
    // One statement for the events and the new head (one round trip on PostgreSQL), written by
    // hand: this runs for every request, and the generic query builder costs more than the insert.
    const columns = this.columnsOf(manager);
    const params: unknown[] = [];
    const rows = chained.map((c) => `(${columns.map(([property]) => { params.push(c[property as keyof ChainedAuditEvent]); return '?'; }).join(', ')})`);
    const insert = `INSERT INTO audit_events (${columns.map(([, column]) => column).join(', ')}) VALUES ${rows.join(', ')}`;
    if (this.db.dialect === 'postgres') {
      await manager.query(this.db.sql(`WITH appended AS (${insert}) UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`), [...params, String(seq), hash]);
    } else {
      await manager.query(insert, params);
      await manager.query('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [String(seq), hash]);
    }
    for (const e of events) this.metrics.auditEvents.inc({ decision: e.decision });
    return chained;
  }

  private columnsOf(manager: EntityManager): Array<[string, string]> {
    this.columns ??= manager.connection.getMetadata(AuditEventEntity).columns.map((c) => [c.propertyName, c.databaseName]);
    return this.columns;
  }

  /** True unless the last flush failed recently (readiness uses it). */
  get healthy(): boolean {
    return Date.now() - this.lastFailureAt > 2000;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
    this.flushQueued = false;
    await this.flush();
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

  private flush(): Promise<void> {
    if (this.flushQueued) return this.flushing;
    this.flushQueued = true;
    this.flushing = this.flushing.then(async () => {
      this.flushQueued = false;
      while (this.pending.length > 0) {
        const batch = this.pending.splice(0, this.config.AUDIT_MAX_BATCH);
        try {
          await this.db.transaction((m) => this.appendWithin(m, batch.map((p) => p.event)));
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
