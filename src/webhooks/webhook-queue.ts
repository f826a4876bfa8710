import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { RecordChanges } from '../access/record-changes';
import { DatabaseService } from '../database/database.service';

export const WEBHOOK_EVENT_TYPES = ['shipment.updated', 'demand.updated', 'capacity.updated'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

const EVENT_OF_SUBJECT: Record<string, WebhookEventType | undefined> = {
  Shipment: 'shipment.updated',
  DemandSignal: 'demand.updated',
  CapacitySignal: 'capacity.updated',
};
export const SUBJECT_OF_EVENT: Record<WebhookEventType, string> = {
  'shipment.updated': 'Shipment',
  'demand.updated': 'DemandSignal',
  'capacity.updated': 'CapacitySignal',
};

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  eventType: WebhookEventType;
  subject: string;
  recordId: string;
  attempts: number;
  occurredAt: string;
}

/**
 * The webhook work queue, a table every replica shares: a change becomes one pending delivery per
 * enabled endpoint subscribed to its type; a replica claims due deliveries (on PostgreSQL with
 * `FOR UPDATE SKIP LOCKED`, so two replicas never claim the same one; on SQLite the single
 * connection serialises claims) for a lease, and settles or reschedules each.
 */
@Injectable()
export class WebhookQueue implements RecordChanges {
  private readonly logger = new Logger(WebhookQueue.name);
  private readonly listeners = new Set<() => void>();

  constructor(private readonly db: DatabaseService) {}

  /**
   * A row of `subject` was created or changed (called after the write committed). Which partners
   * may see it is decided when delivering, by each endpoint's policy then, not here. A failure is
   * logged and does not fail the write that already committed.
   */
  async changed(subject: string, ...recordIds: string[]): Promise<void> {
    const type = EVENT_OF_SUBJECT[subject];
    if (!type || recordIds.length === 0) return;
    try {
      const now = new Date().toISOString();
      const created = await this.db.transaction(async (m) => {
        const endpoints: Array<{ id: string; events: string }> = await m.query(this.db.sql('SELECT id, events FROM webhook_endpoints WHERE enabled = 1'));
        const wanted = endpoints.filter((e) => (JSON.parse(e.events) as string[]).includes(type));
        for (const recordId of recordIds) {
          for (const e of wanted) {
            await m.query(
              this.db.sql(
                `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, subject, record_id, status, attempts, next_attempt_at, occurred_at, created_at)
               VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
              ),
              [randomUUID(), e.id, type, subject, recordId, now, now, now],
            );
          }
        }
        return wanted.length;
      });
      if (created > 0) for (const listener of this.listeners) listener();
    } catch (e) {
      this.logger.error(`webhook deliveries for ${subject} '${recordIds.join("', '")}' could not be queued: ${(e as Error).message}`);
    }
  }

  /** Called when deliveries were queued on this replica (the worker then looks at once instead of at its next poll). */
  onQueued(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Claims up to `limit` due deliveries for `leaseMs`; a claim that is never settled is due again after the lease. */
  async claim(limit: number, leaseMs: number): Promise<ClaimedDelivery[]> {
    const now = new Date();
    const nowText = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const due = `status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)`;
    const columns = 'id, endpoint_id, event_type, subject, record_id, attempts, occurred_at';
    let rows: Array<Record<string, unknown>>;
    if (this.db.dialect === 'postgres') {
      rows = await this.db
        .read((m) =>
          m.query<[Array<Record<string, unknown>>, number]>(
            `UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $2 AND (claimed_until IS NULL OR claimed_until <= $2)
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED)
         RETURNING ${columns}`,
            [until, nowText, limit],
          ),
        )
        .then((r) => r[0]);
    } else {
      rows = await this.db.transaction(async (m) => {
        const found: Array<Record<string, unknown>> = await m.query(`SELECT ${columns} FROM webhook_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ?`, [
          nowText,
          nowText,
          limit,
        ]);
        for (const r of found) await m.query('UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?', [until, r.id]);
        return found;
      });
    }
    return rows.map((r) => ({
      id: String(r.id),
      endpointId: String(r.endpoint_id),
      eventType: r.event_type as WebhookEventType,
      subject: String(r.subject),
      recordId: String(r.record_id),
      attempts: Number(r.attempts),
      occurredAt: String(r.occurred_at),
    }));
  }

  /** An attempt was made (or the delivery settled without one): records it and sets what comes next. */
  async settle(
    id: string,
    outcome: {
      status: 'pending' | 'delivered' | 'failed' | 'skipped' | 'cancelled';
      attempted: boolean;
      lastStatus?: number | null;
      lastError?: string | null;
      nextAttemptAt?: string;
    },
  ): Promise<void> {
    const now = new Date().toISOString();
    const settledAt = outcome.status === 'pending' ? null : now;
    await this.db.transaction((m) =>
      m.query(
        this.db.sql(
          `UPDATE webhook_deliveries SET status = ?, attempts = attempts + ?, claimed_until = NULL, next_attempt_at = ?,
         last_attempt_at = CASE WHEN ? = 1 THEN ? ELSE last_attempt_at END,
         last_status = CASE WHEN ? = 1 THEN ? ELSE last_status END,
         last_error = ?, settled_at = ?
       WHERE id = ?`,
        ),
        [
          outcome.status,
          outcome.attempted ? 1 : 0,
          outcome.nextAttemptAt ?? now,
          outcome.attempted ? 1 : 0,
          now,
          outcome.attempted ? 1 : 0,
          outcome.lastStatus ?? null,
          cut(outcome.lastError ?? null),
          settledAt,
          id,
        ],
      ),
    );
  }

  /** Pending deliveries of an endpoint that is disabled or deleted are cancelled with it. */
  async cancelPending(endpointId: string, reason: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction((m) =>
      m.query(
        this.db.sql(
          `UPDATE webhook_deliveries SET status = 'cancelled', claimed_until = NULL, last_error = ?, settled_at = ? WHERE endpoint_id = ? AND status = 'pending'`,
        ),
        [cut(reason), now, endpointId],
      ),
    );
  }
}

function cut(text: string | null): string | null {
  return text === null ? null : text.slice(0, 2000);
}
