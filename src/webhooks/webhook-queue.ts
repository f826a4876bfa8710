import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { RecordChanges } from '../access/record-changes';
import { DatabaseService } from '../database/database.service';
import { cancelPendingDeliveries, claimDueDeliveries, enabledEndpoints, insertDelivery, settleDelivery } from './webhooks.table';

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
  /** The partner of the delivery's endpoint. */
  partnerId: string;
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
        const wanted = (await enabledEndpoints(m)).filter((e) => e.events.includes(type));
        for (const recordId of recordIds) {
          for (const e of wanted) await insertDelivery(m, { id: randomUUID(), endpointId: e.id, eventType: type, subject, recordId, at: now });
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
  async claim(limit: number, leaseMs: number, skipPartners: readonly string[] = []): Promise<ClaimedDelivery[]> {
    const now = new Date();
    const nowText = now.toISOString();
    const until = new Date(now.getTime() + leaseMs).toISOString();
    const work = (m: EntityManager) => claimDueDeliveries(m, limit, nowText, until, skipPartners);
    const rows = await this.db.transaction(work);
    return rows.map((r) => ({ ...r, eventType: r.eventType as WebhookEventType }));
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
      settleDelivery(m, id, {
        status: outcome.status,
        attempted: outcome.attempted,
        lastStatus: outcome.lastStatus ?? null,
        lastError: cut(outcome.lastError ?? null),
        nextAttemptAt: outcome.nextAttemptAt ?? now,
        settledAt,
        at: now,
      }),
    );
  }

  /** Pending deliveries of an endpoint that is disabled or deleted are cancelled with it. */
  async cancelPending(endpointId: string, reason: string): Promise<void> {
    const now = new Date().toISOString();
    await this.db.transaction((m) => cancelPendingDeliveries(m, endpointId, reason.slice(0, 2000), now));
  }
}

function cut(text: string | null): string | null {
  return text === null ? null : text.slice(0, 2000);
}
