import { Inject, Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { Caller } from '../access/caller';
import { GovernedDataService } from '../access/governed-data.service';
import { AccessSummary, carriedBy, summaryOf } from '../audit/access-summary';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { ClaimedDelivery, WebhookQueue } from './webhook-queue';
import { disableEndpoint, findEndpoint } from './webhooks.table';
import { sendWebhook, SendResult } from './webhook-sender';
import { signWebhook } from './webhook-signer';
import { RefusedWebhookUrl, resolveWebhookUrl } from './webhook-url-guard';

/** Deliveries one replica works on at once. */
const SLOTS = 8;
/**
 * Of those, the most the endpoints of one partner hold while other partners' deliveries are due, so
 * that one partner's slow receivers hold up only its own deliveries; with nothing else due a partner
 * may take more, up to all but RESERVED, which stay free for other partners' next deliveries.
 */
const PER_PARTNER = 2;
const RESERVED = 2;

interface Endpoint {
  id: string;
  partnerId: string;
  url: string;
  purpose: string;
  secret: string;
  enabled: boolean;
}

/**
 * Each replica's webhook worker: polls the shared queue (and looks at once when this replica queued
 * something), and for each claimed delivery judges the record by the endpoint's partner policy in
 * force now, through the same governed read as a GraphQL subscription delivery (rows out of scope
 * are not delivered; only the fields the policy grants on that row are sent), writes the attempt's
 * audit event, signs and POSTs it, then settles it or schedules the next attempt (exponential
 * backoff with jitter). After WEBHOOK_MAX_ATTEMPTS failed attempts the endpoint is disabled with a reason.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookWorker.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  /** Counts pokes, so that a round notices one that came while it was claiming. */
  private pokes = 0;
  /** Rounds waiting for a free slot, woken by the next poke. */
  private readonly waiting = new Set<() => void>();
  private stopped = true;
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly db: DatabaseService,
    private readonly queue: WebhookQueue,
    private readonly data: GovernedDataService,
    private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.stopped = false;
    this.unsubscribe = this.queue.onQueued(() => this.poke());
    this.schedule();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Look for due deliveries now (after the current round if one runs). */
  poke(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      this.pokes++;
      for (const wake of this.waiting) wake();
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.running = this.round().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.poke();
      } else this.schedule();
    });
  }

  private schedule(): void {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.poke();
    }, this.config.WEBHOOK_POLL_MS);
    this.timer.unref();
  }

  /**
   * Claims and works through due deliveries until none is due. Each delivery holds one of SLOTS from
   * its claim until it is settled, and a slot that frees claims the next due delivery at once (an
   * attempt may take WEBHOOK_TIMEOUT_MS); a partner whose endpoints hold PER_PARTNER slots is left
   * out of the claims until one of them frees, so other partners' deliveries keep flowing.
   */
  private async round(): Promise<void> {
    const lease = this.config.WEBHOOK_TIMEOUT_MS * 2 + 30_000;
    const inFlight = new Set<Promise<void>>();
    const held = new Map<string, number>();
    const release = (partnerId: string) => {
      const n = (held.get(partnerId) ?? 1) - 1;
      if (n > 0) held.set(partnerId, n);
      else held.delete(partnerId);
    };
    try {
      while (!this.stopped) {
        const seen = this.pokes;
        if (inFlight.size < SLOTS) {
          const busy = [...held].filter(([, n]) => n >= PER_PARTNER).map(([partnerId]) => partnerId);
          let [d] = await this.queue.claim(1, lease, busy);
          if (!d && busy.length > 0 && inFlight.size < SLOTS - RESERVED) [d] = await this.queue.claim(1, lease);
          if (d) {
            held.set(d.partnerId, (held.get(d.partnerId) ?? 0) + 1);
            const work: Promise<void> = this.deliver(d)
              .catch((e: Error) => this.logger.error(`webhook delivery ${d.id} failed: ${e.message}`))
              .finally(() => {
                inFlight.delete(work);
                release(d.partnerId);
              });
            inFlight.add(work);
            continue;
          }
        }
        if (inFlight.size === 0) return;
        // A slot frees, deliveries are queued here, or a poll interval passes (retries coming due, other replicas' changes).
        if (this.pokes === seen) await this.waitForAny(inFlight);
      }
    } catch (e) {
      this.logger.warn(`webhook queue not reachable: ${(e as Error).message}`);
    } finally {
      await Promise.allSettled(inFlight);
    }
  }

  private async waitForAny(inFlight: Set<Promise<void>>): Promise<void> {
    let wake!: () => void;
    let timer: NodeJS.Timeout | undefined;
    const woken = new Promise<void>((resolve) => {
      wake = resolve;
      timer = setTimeout(resolve, this.config.WEBHOOK_POLL_MS);
    });
    this.waiting.add(wake);
    try {
      await Promise.race([...inFlight, woken]);
    } finally {
      this.waiting.delete(wake);
      clearTimeout(timer);
      wake();
    }
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const endpoint = await this.endpoint(d.endpointId);
    if (!endpoint) {
      // Deleted after the delivery was queued: nothing to deliver to, ever.
      await this.queue.settle(d.id, { status: 'cancelled', attempted: false, lastError: 'endpoint deleted' });
      return;
    }
    if (!endpoint.enabled) {
      await this.queue.settle(d.id, { status: 'cancelled', attempted: false, lastError: 'endpoint disabled' });
      return;
    }
    const attempt = d.attempts + 1;
    const record = new AuditRecord(d.id, 'rest', `webhook POST ${d.eventType}`);
    record.principal = { sub: `webhook:${endpoint.id}`, partnerId: endpoint.partnerId, roles: ['partner'], purpose: endpoint.purpose };
    const caller: Caller = { principal: record.principal, purpose: endpoint.purpose, audit: record };

    let values: Record<string, unknown>;
    let read: AccessSummary;
    try {
      const { row, summary } = await this.data.get(caller, d.subject as SubjectName, d.recordId, { ungranted: 'redact' });
      values = row.values;
      read = summary;
    } catch (e) {
      if (e instanceof GatewayError && e.status < 500) {
        record.add(carriedBy(e));
        // Out of the partner's scope now (404), or its policy no longer lets it read the subject: not
        // delivered. The event is the partner's own (its access log shows it), so it does not name the
        // record, which would tell it of another partner's write; the delivery row does, for operators.
        record.fail(e.status, e.code, `Not delivered: the ${d.subject} is not one the partner may read now.`);
        if (await this.commit(record, e.status, d)) {
          await this.queue.settle(d.id, { status: 'skipped', attempted: false, lastError: `${e.code}: ${e.detail}` });
        }
        return;
      }
      await this.later(d, `the record could not be read: ${(e as Error).message}`);
      return;
    }

    let target;
    try {
      target = await resolveWebhookUrl(endpoint.url, { allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE, production: this.config.isProduction });
    } catch (e) {
      if (!(e instanceof RefusedWebhookUrl)) throw e;
      // Nothing was sent: the read's fields and row are not counted.
      record.add(summaryOf({ ...read, fieldsReturned: [], rowCount: 0 }));
      record.fail(400, 'WEBHOOK_URL_REFUSED', e.message);
      if (await this.commit(record, 400, d)) await this.failed(d, endpoint, attempt, { status: null, ok: false, timedOut: false, error: e.message });
      return;
    }

    const now = new Date();
    const timestamp = Math.floor(now.getTime() / 1000);
    const body = JSON.stringify({ type: d.eventType, timestamp: d.occurredAt, data: values });
    record.operation = `webhook POST ${d.eventType} attempt ${attempt}`;
    record.add(read);
    // The attempt's audit event is written before the data leaves, as for every other answer.
    if (!(await this.commit(record, 200, d))) return;
    const headers = { 'webhook-id': d.id, 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(endpoint.secret, d.id, timestamp, body) };
    const result = await sendWebhook(target, headers, body, this.config.WEBHOOK_TIMEOUT_MS);
    if (result.ok) await this.queue.settle(d.id, { status: 'delivered', attempted: true, lastStatus: result.status, lastError: null });
    else await this.failed(d, endpoint, attempt, result);
  }

  private async failed(d: ClaimedDelivery, endpoint: Endpoint, attempt: number, result: SendResult): Promise<void> {
    const max = this.config.WEBHOOK_MAX_ATTEMPTS;
    if (attempt < max) {
      await this.queue.settle(d.id, {
        status: 'pending',
        attempted: true,
        lastStatus: result.status,
        lastError: result.error,
        nextAttemptAt: new Date(Date.now() + this.backoff(attempt)).toISOString(),
      });
      return;
    }
    await this.queue.settle(d.id, { status: 'failed', attempted: true, lastStatus: result.status, lastError: result.error });
    const reason = `delivery ${d.id} failed ${max} attempt(s); last: ${result.error ?? 'unknown error'}`.slice(0, 2000);
    const now = new Date().toISOString();
    await this.db.transaction((m) => disableEndpoint(m, endpoint.id, reason, now));
    await this.queue.cancelPending(endpoint.id, 'endpoint disabled after failed deliveries');
    this.logger.warn(`webhook endpoint ${endpoint.id} of partner '${endpoint.partnerId}' disabled: ${reason}`);
  }

  /** Wait before attempt n+1: base·2^(n-1), capped, of which a random half (so failed receivers are not hit in lockstep). */
  backoff(attempt: number): number {
    const full = Math.min(this.config.WEBHOOK_BACKOFF_MAX_MS, this.config.WEBHOOK_BACKOFF_BASE_MS * 2 ** Math.min(attempt - 1, 40));
    return Math.round(full / 2 + Math.random() * (full / 2));
  }

  /** Writes the attempt's audit event; when it cannot be written nothing is sent and the delivery waits (no attempt counted). */
  private async commit(record: AuditRecord, status: number, d: ClaimedDelivery): Promise<boolean> {
    try {
      await this.audit.commit(record, status);
      return true;
    } catch (e) {
      await this.later(d, `the audit event could not be written: ${(e as Error).message}`);
      return false;
    }
  }

  /** A failure on the gateway's side: tried again later, without counting an attempt against the endpoint. */
  private async later(d: ClaimedDelivery, why: string): Promise<void> {
    this.logger.warn(`webhook delivery ${d.id} postponed: ${why}`);
    await this.queue
      .settle(d.id, { status: 'pending', attempted: false, lastError: null, nextAttemptAt: new Date(Date.now() + this.backoff(1)).toISOString() })
      .catch(() => undefined);
  }

  private async endpoint(id: string): Promise<Endpoint | null> {
    const r = await this.db.read((m) => findEndpoint(m, id));
    if (!r) return null;
    return { id: r.id, partnerId: r.partnerId, url: r.url, purpose: r.purpose, secret: r.secret, enabled: r.enabled };
  }
}
