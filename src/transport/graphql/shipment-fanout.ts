import { randomUUID } from 'node:crypto';
import type { ThrottlerStorage } from '@nestjs/throttler';
import { Caller } from '../../access/caller';
import { GovernedDataService, GovernedRow } from '../../access/governed-data.service';
import { AccessSummary, merge, summaryOf } from '../../audit/access-summary';
import { AuditRecord } from '../../audit/audit-record';
import { AuditService } from '../../audit/audit.service';
import { Principal } from '../../auth/principal';
import { GatewayError } from '../../common/gateway-error';
import { AppConfig } from '../../config/app-config';
import { ShipmentChange, ShipmentChanges } from '../../logistics/shipment-changes.service';
import { PolicyService } from '../../policy/policy.service';

export interface ShipmentWanted {
  shipmentId?: string;
  status?: string;
}

interface Subscriber {
  principal: Principal;
  purpose: string | null;
  fields: string[];
  wanted: ShipmentWanted;
  deliver(row: GovernedRow): void;
  end(error?: GatewayError): void;
}

const BUDGET_WINDOW_MS = 60_000;

/**
 * Fans shipment changes out to live subscribers. Subscribers are grouped by what judges them: the
 * partner and purpose (so the compiled policy in force, one per partner, version and purpose), or
 * admin. For each change, each group with a subscriber interested in that shipment costs ONE
 * governed read of the row, scoped in SQL by the group's policy and asking for the union of the
 * group's fields; a change outside the group's scope costs that read and nothing per subscriber.
 * Each subscriber then gets its own fields of the judged row, each delivery audited and counted
 * against the partner's delivery budget (SUBSCRIPTIONS_DELIVERIES_PER_MINUTE).
 */
export class ShipmentFanout {
  private readonly groups = new Map<string, Set<Subscriber>>();
  private size = 0;
  private stop: AbortController | null = null;

  constructor(
    private readonly data: GovernedDataService,
    private readonly policies: PolicyService,
    private readonly audit: AuditService,
    private readonly changes: ShipmentChanges,
    private readonly budget: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /** Deliveries for one subscriber, until it stops iterating or is ended. */
  subscribe(caller: Caller, fields: string[], wanted: ShipmentWanted): AsyncIterableIterator<GovernedRow> {
    const queue: GovernedRow[] = [];
    let waiting: { resolve(r: IteratorResult<GovernedRow>): void; reject(e: unknown): void } | null = null;
    let ended: { error?: GatewayError } | null = null;
    const key = groupKey(caller);
    const subscriber: Subscriber = {
      principal: caller.principal,
      purpose: caller.purpose,
      fields,
      wanted,
      deliver: (row) => {
        if (ended) return;
        if (waiting) {
          const w = waiting;
          waiting = null;
          w.resolve({ value: row, done: false });
        } else queue.push(row);
      },
      end: (error) => {
        if (ended) return;
        ended = { error };
        this.leave(key, subscriber);
        if (waiting) {
          const w = waiting;
          waiting = null;
          if (error) w.reject(error);
          else w.resolve({ value: undefined, done: true });
        }
      },
    };
    this.join(key, subscriber);
    const iterator: AsyncIterableIterator<GovernedRow> = {
      next: () => {
        if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false });
        if (ended) {
          const error = ended.error;
          ended = {};
          return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          waiting = { resolve, reject };
        });
      },
      return: () => {
        subscriber.end();
        queue.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  private join(key: string, subscriber: Subscriber): void {
    let group = this.groups.get(key);
    if (!group) this.groups.set(key, (group = new Set()));
    group.add(subscriber);
    this.size++;
    if (!this.stop) this.listen();
  }

  private leave(key: string, subscriber: Subscriber): void {
    const group = this.groups.get(key);
    if (!group?.delete(subscriber)) return;
    if (group.size === 0) this.groups.delete(key);
    if (--this.size === 0 && this.stop) {
      this.stop.abort();
      this.stop = null;
    }
  }

  /** One change at a time, in the order published, so each subscriber sees changes in order. */
  private listen(): void {
    const stop = new AbortController();
    this.stop = stop;
    void (async () => {
      for await (const change of this.changes.changes(stop.signal)) {
        await Promise.all(
          [...this.groups.values()].map((group) =>
            this.judge(change, [...group])
              // Whatever fails unexpectedly ends that group's subscriptions, never the fan-out of the others.
              .catch(() => {
                for (const s of group) s.end(GatewayError.unavailable());
              }),
          ),
        );
      }
    })();
  }

  private async judge(change: ShipmentChange, group: Subscriber[]): Promise<void> {
    const interested = group.filter((s) => !s.wanted.shipmentId || s.wanted.shipmentId === change.shipmentId);
    const live = interested.filter((s) => {
      // Nothing is delivered on an expired token (the socket is also closed when it expires).
      if (s.principal.expiresAt !== undefined && s.principal.expiresAt * 1000 <= Date.now()) {
        s.end();
        return false;
      }
      return true;
    });
    if (live.length === 0) return;
    const fields = new Set<string>();
    for (const s of live) {
      for (const f of s.fields) fields.add(f);
      if (s.wanted.status) fields.add('status');
    }
    const first = live[0];
    const partnerId = first.principal.roles.includes('partner') ? first.principal.partnerId : undefined;
    const record = new AuditRecord(randomUUID(), 'graphql', 'graphql subscription shipmentUpdated judgement');
    record.principal = first.principal;
    const caller: Caller = {
      principal: first.principal,
      purpose: first.purpose,
      audit: record,
      // Judged by the version last seen in force, which the read checks in its own statement.
      policyLastSeen: partnerId ? this.policies.lastSeen(partnerId) : undefined,
    };
    let judged: { row: GovernedRow; meta: { policyVersion: number | null }; summary: AccessSummary };
    try {
      judged = await this.data.get(caller, 'Shipment', change.shipmentId, { fields: [...fields], ungranted: 'redact' });
    } catch (e) {
      // Not in the group's scope (404), or the group may no longer read shipments at all (403).
      if (e instanceof GatewayError && e.status < 500) return;
      for (const s of live) s.end(e instanceof GatewayError ? e : GatewayError.unavailable());
      return;
    }
    await Promise.all(live.map((s) => this.deliver(s, judged.row, judged.meta.policyVersion, judged.summary, change.shipmentId)));
  }

  private async deliver(s: Subscriber, row: GovernedRow, policyVersion: number | null, judgement: AccessSummary, id: string): Promise<void> {
    const values: Record<string, unknown> = {};
    for (const f of s.fields) if (f in row.values) values[f] = row.values[f];
    const redactions = row.redactions.filter((r) => s.fields.includes(r.field));
    if (s.wanted.status && row.values.status !== s.wanted.status) return;

    const record = new AuditRecord(randomUUID(), 'graphql', 'graphql subscription shipmentUpdated delivery');
    record.principal = s.principal;
    const addressed = summaryOf({ purpose: s.purpose, policyVersion, actions: ['read'], subjects: ['Shipment'], resourceIds: [id] });
    const refusal = await this.spend(s);
    if (refusal) {
      record.add(addressed);
      record.fail(refusal.status, refusal.code, refusal.detail);
      await this.audit.commit(record, refusal.status).catch(() => undefined);
      s.end(refusal);
      return;
    }
    const delivered = summaryOf({
      rowCount: 1,
      fieldsReturned: Object.keys(values),
      fieldsDenied: redactions.map((r) => r.field),
      ruleIds: judgement.ruleIds,
      ruleAgreements: judgement.ruleAgreements ?? new Map(),
    });
    record.add(merge(addressed, delivered));
    try {
      await this.audit.commit(record, 200);
    } catch (e) {
      s.end(e instanceof GatewayError ? e : GatewayError.unavailable());
      return;
    }
    s.deliver({ values, redactions });
  }

  /** Counts one delivery against the partner's budget; the refusal when it is spent. */
  private async spend(s: Subscriber): Promise<GatewayError | null> {
    const partnerId = s.principal.partnerId;
    if (!partnerId || !s.principal.roles.includes('partner')) return null;
    const limit = this.config.SUBSCRIPTIONS_DELIVERIES_PER_MINUTE;
    let hits: { totalHits: number; isBlocked: boolean };
    try {
      hits = await this.budget.increment(`${this.config.REDIS_KEY_PREFIX}deliveries:${partnerId}`, BUDGET_WINDOW_MS, limit, BUDGET_WINDOW_MS, 'deliveries');
    } catch {
      return GatewayError.unavailable('Delivery budgets cannot be checked right now; subscribe again shortly.');
    }
    if (!hits.isBlocked && hits.totalHits <= limit) return null;
    return new GatewayError(429, 'SUBSCRIPTION_BUDGET_EXCEEDED', 'Delivery budget exceeded', {
      detail: `Partner '${partnerId}' may receive ${limit} subscription deliveries per minute; this subscription is ended. Subscribe again later.`,
      extra: { limit },
    });
  }
}

function groupKey(caller: Caller): string {
  const p = caller.principal;
  if (p.roles.includes('partner') && p.partnerId) return `partner\u0000${p.partnerId}\u0000${caller.purpose ?? ''}`;
  if (p.roles.includes('admin')) return 'admin';
  return `sub\u0000${p.sub}`;
}
