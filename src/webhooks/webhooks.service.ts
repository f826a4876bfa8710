import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { Caller } from '../access/caller';
import { AccessSummary, deciding, merge, NOTHING, summaryOf } from '../audit/access-summary';
import { AuditService } from '../audit/audit.service';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { purposesOf } from '../policy/policy-document';
import { PolicyInForce, PolicyService } from '../policy/policy.service';
import { WebhookQueue, WEBHOOK_EVENT_TYPES, WebhookEventType } from './webhook-queue';
import { DeliveryRow, EndpointChanges, EndpointRow } from './webhook-rows';
import { newWebhookSecret } from './webhook-signer';
import { RefusedWebhookUrl, resolveWebhookUrl } from './webhook-url-guard';
import {
  countEndpointsOf,
  deleteEndpointWithDeliveries,
  deliveriesOf,
  endpointsOf,
  findEndpointOf,
  insertEndpoint,
  setEndpointSecret,
  updateEndpoint,
} from './webhooks.table';

export interface WebhookEndpointView {
  id: string;
  url: string;
  events: WebhookEventType[];
  description: string | null;
  purpose: string;
  enabled: boolean;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A delivery as its endpoint's history shows it: when the next attempt is due only while it is pending. */
export type WebhookDeliveryView = Omit<DeliveryRow, 'endpointId' | 'nextAttemptAt'> & { nextAttemptAt: string | null };

/** Endpoints per partner: enough for separate systems per event type, few enough to bound the fan-out of one change. */
export const MAX_ENDPOINTS_PER_PARTNER = 20;
const CREATE_KEYS = ['url', 'events', 'description', 'purpose'];
const PATCH_KEYS = ['url', 'events', 'description', 'purpose', 'enabled'];
const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/**
 * A partner's webhook endpoints (contract section 11): registered, listed, changed, deleted and
 * re-keyed by the partner itself, never another partner's (someone else's endpoint is 404). Each
 * call returns its summary for the request's audit event (subject `WebhookEndpoint`).
 */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly db: DatabaseService,
    private readonly policies: PolicyService,
    private readonly queue: WebhookQueue,
    private readonly audit: AuditService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async create(caller: Caller, body: unknown): Promise<Step<WebhookEndpointView & { secret: string }>> {
    return this.step(caller, opened(caller, 'create'), async (partnerId, begun) => {
      const input = objectBody(body, CREATE_KEYS);
      const problems: string[] = [];
      if (input.url === undefined) problems.push("'url' is required");
      if (input.events === undefined) problems.push("'events' is required");
      const events = input.events === undefined ? [] : checkEvents(input.events, problems);
      const description = checkDescription(input.description, problems);
      const askedPurpose = checkPurpose(input.purpose, problems);
      if (typeof input.url !== 'string' && input.url !== undefined) problems.push("'url' must be a string");
      if (problems.length > 0) throw GatewayError.validation(problems);
      const url = await this.checkUrl(input.url as string);
      const { purpose, judged } = await this.purposeFor(caller, partnerId, askedPurpose);
      return deciding(judged, async () => {
        const count = await this.db.read((m) => countEndpointsOf(m, partnerId));
        if (count >= MAX_ENDPOINTS_PER_PARTNER) {
          throw new GatewayError(409, 'CONFLICT', 'Conflict', { detail: `A partner may register at most ${MAX_ENDPOINTS_PER_PARTNER} webhook endpoints.` });
        }
        const now = new Date().toISOString();
        const id = randomUUID();
        const secret = newWebhookSecret();
        const summary = merge(judged, summaryOf({ resourceIds: [id], rowCount: 1 }));
        await this.writeWithEvent(caller, 201, merge(begun, summary), (m) =>
          insertEndpoint(m, {
            id,
            partnerId,
            url,
            events,
            description: description ?? null,
            purpose,
            secret,
            createdBy: caller.principal.sub.slice(0, 200),
            createdAt: now,
          }),
        );
        return { data: { ...(await this.load(partnerId, id)), secret }, summary };
      });
    });
  }

  async list(caller: Caller): Promise<Step<WebhookEndpointView[]>> {
    return this.step(caller, opened(caller, 'read'), async (partnerId) => {
      const rows = await this.db.read((m) => endpointsOf(m, partnerId));
      return { data: rows.map(viewOf), summary: summaryOf({ rowCount: rows.length, resourceIds: rows.map((r) => r.id) }) };
    });
  }

  async get(caller: Caller, id: string): Promise<Step<WebhookEndpointView>> {
    return this.step(caller, opened(caller, 'read', id), async (partnerId) => ({ data: await this.load(partnerId, id), summary: ONE_ROW }));
  }

  /** Changes url, events, description, purpose or enabled; enabling again clears the reason it was disabled. */
  async update(caller: Caller, id: string, body: unknown): Promise<Step<WebhookEndpointView>> {
    return this.step(caller, opened(caller, 'update', id), async (partnerId, begun) => {
      const input = objectBody(body, PATCH_KEYS);
      const problems: string[] = [];
      if (Object.keys(input).length === 0) problems.push(`give at least one of ${PATCH_KEYS.join(', ')}`);
      const events = input.events === undefined ? undefined : checkEvents(input.events, problems);
      const description = checkDescription(input.description, problems);
      const askedPurpose = checkPurpose(input.purpose, problems);
      if (input.url !== undefined && typeof input.url !== 'string') problems.push("'url' must be a string");
      if (input.enabled !== undefined && typeof input.enabled !== 'boolean') problems.push("'enabled' must be true or false");
      if (problems.length > 0) throw GatewayError.validation(problems);
      await this.load(partnerId, id);
      const url = input.url === undefined ? undefined : await this.checkUrl(input.url as string);
      const asked = askedPurpose === undefined ? undefined : await this.purposeFor(caller, partnerId, askedPurpose);
      const purpose = asked?.purpose;
      return deciding(asked?.judged ?? NOTHING, async () => {
        const now = new Date().toISOString();
        const changes: EndpointChanges = { url, events, purpose, updatedAt: now };
        if (input.description !== undefined) changes.description = description ?? null;
        if (input.enabled === true) changes.enabled = { enabled: true, reason: null, at: null };
        if (input.enabled === false) changes.enabled = { enabled: false, reason: 'disabled by the partner', at: now };
        const summary = merge(asked?.judged ?? NOTHING, ONE_ROW);
        await this.writeWithEvent(caller, 200, merge(begun, summary), (m) => updateEndpoint(m, partnerId, id, changes));
        if (input.enabled === false) await this.queue.cancelPending(id, 'endpoint disabled by the partner');
        return { data: await this.load(partnerId, id), summary };
      });
    });
  }

  /** Deletes the endpoint with its delivery history; pending deliveries are dropped. */
  async remove(caller: Caller, id: string): Promise<Step<null>> {
    return this.step(caller, opened(caller, 'delete', id), async (partnerId, begun) => {
      await this.load(partnerId, id);
      await this.writeWithEvent(caller, 204, merge(begun, ONE_ROW), (m) => deleteEndpointWithDeliveries(m, partnerId, id));
      return { data: null, summary: ONE_ROW };
    });
  }

  /** A new secret, shown once; the old one no longer signs from the next attempt on. */
  async rotateSecret(caller: Caller, id: string): Promise<Step<WebhookEndpointView & { secret: string }>> {
    return this.step(caller, opened(caller, 'update', id), async (partnerId, begun) => {
      await this.load(partnerId, id);
      const secret = newWebhookSecret();
      await this.writeWithEvent(caller, 200, merge(begun, ONE_ROW), (m) => setEndpointSecret(m, partnerId, id, secret, new Date().toISOString()));
      return { data: { ...(await this.load(partnerId, id)), secret }, summary: ONE_ROW };
    });
  }

  /** The endpoint's deliveries, newest first. */
  async deliveries(caller: Caller, id: string, limit: number): Promise<Step<WebhookDeliveryView[]>> {
    return this.step(caller, opened(caller, 'read', id, 'WebhookDelivery'), async (partnerId) => {
      await this.load(partnerId, id);
      const rows = await this.db.read((m) => deliveriesOf(m, id, limit));
      const data = rows.map(({ endpointId: _endpoint, ...r }) => ({ ...r, nextAttemptAt: r.status === 'pending' ? r.nextAttemptAt : null }));
      return { data, summary: summaryOf({ rowCount: rows.length }) };
    });
  }

  /**
   * One step on the partner's own endpoints: refused for other tokens; `opened` (the action, the
   * purpose, the endpoint addressed) is in its summary, and on the error of a refusal. `work` gets
   * the partner and `opened`, which a change's event holds.
   */
  private async step<T>(caller: Caller, opened: AccessSummary, work: (partnerId: string, opened: AccessSummary) => Promise<Step<T>>): Promise<Step<T>> {
    return deciding(opened, async () => {
      const partnerId = caller.principal.partnerId;
      if (!partnerId || !caller.principal.roles.includes('partner')) {
        throw new GatewayError(403, 'FORBIDDEN_ROLE', 'Forbidden', { detail: 'Webhooks are registered by partner tokens only.' });
      }
      const done = await work(partnerId, opened);
      return { data: done.data, summary: merge(opened, done.summary) };
    });
  }

  /**
   * A change of the partner's endpoints and its audit event, committed together: a change is never
   * kept without its event (the answer then finds the record committed). `summary` is the step's,
   * complete before the append, as for every governed write. A change that fails carries nothing of
   * it (the step's own refusal carries what was decided before the change).
   */
  private async writeWithEvent(caller: Caller, status: number, summary: AccessSummary, change: (m: EntityManager) => Promise<unknown>): Promise<void> {
    await this.audit.changeWithEvent(caller.audit, NOTHING, async (m) => ({ result: await change(m), status, summary }));
  }

  private async load(partnerId: string, id: string): Promise<WebhookEndpointView> {
    const row = await this.db.read((m) => findEndpointOf(m, partnerId, id));
    if (!row) throw GatewayError.notFound('Webhook endpoint', id);
    return viewOf(row);
  }

  private async checkUrl(raw: string): Promise<string> {
    if (raw.length > 2048) throw GatewayError.validation(["'url' must be at most 2048 characters"]);
    try {
      const target = await resolveWebhookUrl(raw, { allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE, production: this.config.isProduction });
      return target.url.toString();
    } catch (e) {
      if (e instanceof RefusedWebhookUrl) throw GatewayError.validation([e.message]);
      throw e;
    }
  }

  /**
   * Deliveries are judged under one purpose: the one given in the body, else the request's (X-Purpose
   * or the token's claim), else the policy's only purpose; a policy with several needs one named.
   */
  private async purposeFor(caller: Caller, partnerId: string, asked: string | undefined): Promise<{ purpose: string; judged: AccessSummary }> {
    const inForce = caller.policyInForce?.partnerId === partnerId ? caller.policyInForce : await this.policies.inForce(partnerId);
    const judged = summaryOf({ policyVersion: inForce.version });
    return { purpose: await deciding(judged, () => Promise.resolve(this.purposeAmong(inForce, caller, asked))), judged };
  }

  private purposeAmong(inForce: PolicyInForce, caller: Caller, asked: string | undefined): string {
    const known = purposesOf(inForce.document);
    const purpose = asked ?? caller.purpose ?? (known.length === 1 ? known[0] : null);
    if (purpose === null) {
      throw new GatewayError(400, 'PURPOSE_REQUIRED', 'Purpose required', {
        detail: `Name the purpose deliveries are for ('purpose' in the body, the X-Purpose header or the token's purpose claim). Your policy knows: ${known.join(', ') || '(none)'}.`,
        extra: { purposes: known },
      });
    }
    if (known.length > 0 && !known.includes(purpose))
      throw GatewayError.validation([`purpose '${purpose}' is not one your policy names (${known.join(', ')})`]);
    return purpose;
  }
}

/** What a step on webhook endpoints answers, with its summary for the audit event. */
export interface Step<T> {
  data: T;
  summary: AccessSummary;
}

const ONE_ROW = summaryOf({ rowCount: 1 });

/** The action on the subject, the caller's purpose and the endpoint addressed. */
function opened(caller: Caller, action: string, id?: string, subject = 'WebhookEndpoint'): AccessSummary {
  return summaryOf({ actions: [action], subjects: [subject], purpose: caller.purpose, resourceIds: id === undefined ? [] : [id] });
}

function viewOf(r: EndpointRow): WebhookEndpointView {
  return {
    id: r.id,
    url: r.url,
    events: r.events as WebhookEventType[],
    description: r.description,
    purpose: r.purpose,
    enabled: r.enabled,
    status: r.enabled ? 'active' : 'disabled',
    disabledReason: r.disabledReason,
    disabledAt: r.disabledAt,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

function objectBody(body: unknown, allowed: string[]): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw GatewayError.validation(['the body must be a JSON object']);
  const unknown = Object.keys(body).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) throw GatewayError.validation(unknown.map((k) => `unknown field '${k}'`));
  return body as Record<string, unknown>;
}

function checkEvents(value: unknown, problems: string[]): WebhookEventType[] {
  if (!Array.isArray(value) || value.length === 0) {
    problems.push(`'events' must be a non-empty array of ${WEBHOOK_EVENT_TYPES.join(', ')}`);
    return [];
  }
  const bad = value.filter((v) => !WEBHOOK_EVENT_TYPES.includes(v as WebhookEventType));
  if (bad.length > 0)
    problems.push(`'events' holds unknown event types (${bad.map((b) => JSON.stringify(b)).join(', ')}); known: ${WEBHOOK_EVENT_TYPES.join(', ')}`);
  return [...new Set(value as WebhookEventType[])].filter((v) => WEBHOOK_EVENT_TYPES.includes(v));
}

function checkDescription(value: unknown, problems: string[]): string | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'string' || value.length > 500) {
    problems.push("'description' must be a string of at most 500 characters");
    return undefined;
  }
  return value;
}

function checkPurpose(value: unknown, problems: string[]): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !PURPOSE.test(value)) {
    problems.push("'purpose' must be lower-case letters, digits, '.', '_' or '-' (at most 64)");
    return undefined;
  }
  return value;
}
