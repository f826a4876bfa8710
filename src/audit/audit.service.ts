import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
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
  private columns: Array<[string, string, string]> | null = null;
  private sqliteStatements: { connection: BetterSqlite3.Database; head: BetterSqlite3.Statement; insert: BetterSqlite3.Statement; move: BetterSqlite3.Statement } | null = null;
  /** PostgreSQL: the chain head as this replica last wrote or read it (see appendIfHeadIs). */
  private knownHead: { seq: bigint; hash: string } | null = null;

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
    this.knownHead = null;
    const lock = this.db.dialect === 'postgres' ? ' FOR UPDATE' : '';
    const [head] = await manager.query(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
    if (!head) throw new Error('audit_head row is missing');
    let seq = BigInt(head.seq);
    let hash: string = head.hash;
    const chained = chainAll(events, seq, hash);
    seq += BigInt(chained.length);
    hash = chained[chained.length - 1]?.hash ?? hash;
    // One statement for the events and the new head on PostgreSQL (one round trip).
    if (this.db.dialect === 'postgres') {
      const params: unknown[] = [String(seq), hash];
      const { names, values } = this.valuesOf(manager, chained, params);
      await manager.query(`WITH appended AS (INSERT INTO audit_events (${names}) ${values}) UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, params);
    } else {
      const params: unknown[] = [];
      const { names, values } = this.valuesOf(manager, chained, params);
      await manager.query(`INSERT INTO audit_events (${names}) ${values}`, params);
      await manager.query('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [String(seq), hash]);
    }
    for (const e of events) this.metrics.auditEvents.inc({ decision: e.decision });
    return chained;
  }

  /**
   * PostgreSQL, group commits: one autocommit statement that moves the head and inserts the events
   * only if the head is still the one this replica last saw; false when another writer moved it.
   * Atomic without a transaction of its own, and one round trip instead of four.
   */
  private async appendIfHeadIs(events: AuditEventInput[]): Promise<boolean> {
    const m = this.db.dataSource.manager;
    if (!this.knownHead) {
      const [head] = await m.query('SELECT seq, hash FROM audit_head WHERE id = 1');
      if (!head) throw new Error('audit_head row is missing');
      this.knownHead = { seq: BigInt(head.seq), hash: head.hash };
    }
    const from = this.knownHead;
    const chained = chainAll(events, from.seq, from.hash);
    const last = chained[chained.length - 1];
    const params: unknown[] = [String(last.seq), last.hash, String(from.seq), from.hash];
    const { names, values } = this.valuesOf(m, chained, params);
    this.knownHead = null; // unknown until the answer says
    const inserted: unknown[] = await m.query(
      `WITH head AS (UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING 1)
       INSERT INTO audit_events (${names}) SELECT * FROM (${values}) AS v(${names}) WHERE EXISTS (SELECT 1 FROM head) RETURNING 1`,
      params,
    );
    if (inserted.length === 0) return false;
    this.knownHead = { seq: BigInt(last.seq), hash: last.hash };
    for (const e of events) this.metrics.auditEvents.inc({ decision: e.decision });
    return true;
  }

  /**
   * The column list and a `VALUES (…), (…)` list of the events, their values appended to `params`.
   * Written by hand: every request appends an event, and the generic query builder costs more than
   * the insert. PostgreSQL placeholders are numbered and typed (a VALUES list in a subquery needs
   * the casts), SQLite's are `?`.
   */
  private valuesOf(manager: EntityManager, events: ChainedAuditEvent[], params: unknown[]): { names: string; values: string } {
    const columns = this.columnsOf(manager);
    const postgres = this.db.dialect === 'postgres';
    const placeholder = (value: unknown, cast: string) => (postgres ? `$${params.push(value)}${cast}` : (params.push(value), '?'));
    const rows = events.map((e) => `(${columns.map(([property, , cast]) => placeholder(e[property as keyof ChainedAuditEvent], cast)).join(', ')})`);
    return { names: columns.map(([, column]) => column).join(', '), values: `VALUES ${rows.join(', ')}` };
  }

  /** The stored columns of an event: property, column and PostgreSQL cast, in the entity's order. */
  private columnsOf(manager: EntityManager): Array<[string, string, string]> {
    this.columns ??= manager.connection.getMetadata(AuditEventEntity).columns.map((c) => {
      const type = String(c.type);
      return [c.propertyName, c.databaseName, type === 'bigint' || type === 'integer' ? `::${type}` : ''];
    });
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

  /**
   * A group commit. PostgreSQL: optimistically in one statement (a few tries), else under the head's
   * lock. SQLite: one native transaction of prepared statements.
   */
  private async append(events: AuditEventInput[]): Promise<void> {
    if (this.db.dialect === 'sqlite') return this.db.native((connection) => this.appendNative(connection, events));
    for (let attempt = 0; attempt < 3; attempt++) if (await this.appendIfHeadIs(events)) return;
    await this.db.transaction((m) => this.appendWithin(m, events));
  }

  /** SQLite: the events and the new head in one transaction, on the native connection (see DatabaseService.native). */
  private appendNative(connection: BetterSqlite3.Database, events: AuditEventInput[]): void {
    const columns = this.columnsOf(this.db.dataSource.manager);
    if (this.sqliteStatements?.connection !== connection) this.sqliteStatements = {
      connection,
      head: connection.prepare('SELECT seq, hash FROM audit_head WHERE id = 1'),
      insert: connection.prepare(`INSERT INTO audit_events (${columns.map(([, column]) => column).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`),
      move: connection.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1'),
    };
    const { head, insert, move } = this.sqliteStatements;
    connection.transaction(() => {
      const at = head.get() as { seq: number | bigint | string; hash: string } | undefined;
      if (!at) throw new Error('audit_head row is missing');
      const chained = chainAll(events, BigInt(at.seq), at.hash);
      for (const e of chained) insert.run(columns.map(([property]) => e[property as keyof ChainedAuditEvent]));
      const last = chained[chained.length - 1];
      move.run(last.seq, last.hash);
    })();
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
          await this.append(batch.map((p) => p.event));
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

function chainAll(events: AuditEventInput[], seq: bigint, hash: string): ChainedAuditEvent[] {
  return events.map((e) => {
    const c = chainEvent(e, seq, hash);
    seq += 1n;
    hash = c.hash;
    return c;
  });
}
