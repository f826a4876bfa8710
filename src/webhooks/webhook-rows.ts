/** Rows of the webhook tables as the gateway uses them (webhooks.table.ts reads and writes them), and their conversion from stored columns. */

/** A partner's webhook endpoint as stored (`events` parsed from its JSON text). */
export interface EndpointRow {
  id: string;
  partnerId: string;
  url: string;
  events: string[];
  description: string | null;
  purpose: string;
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewEndpoint {
  id: string;
  partnerId: string;
  url: string;
  events: readonly string[];
  description: string | null;
  purpose: string;
  secret: string;
  createdBy: string;
  createdAt: string;
}

/** What a partner changes on its endpoint; `enabled` comes with the reason and time it was disabled (null when enabled). */
export interface EndpointChanges {
  url?: string;
  events?: readonly string[];
  description?: string | null;
  purpose?: string;
  enabled?: { enabled: boolean; reason: string | null; at: string | null };
  updatedAt: string;
}

/** One delivery as stored: the queue entry and, once settled, the endpoint's history. */
export interface DeliveryRow {
  id: string;
  endpointId: string;
  eventType: string;
  subject: string;
  recordId: string;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  lastStatus: number | null;
  lastError: string | null;
  occurredAt: string;
  createdAt: string;
  settledAt: string | null;
}

export interface NewDelivery {
  id: string;
  endpointId: string;
  eventType: string;
  subject: string;
  recordId: string;
  /** When the change happened; also when the delivery is first due. */
  at: string;
}

/** What a claim hands the worker. */
export type ClaimedRow = Pick<DeliveryRow, 'id' | 'endpointId' | 'eventType' | 'subject' | 'recordId' | 'attempts' | 'occurredAt'>;

/** How an attempt (or a settlement without one) ends: the status and what comes next. */
export interface Settlement {
  status: string;
  /** An attempt was made: counted, and its time and HTTP status recorded. */
  attempted: boolean;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string;
  settledAt: string | null;
  at: string;
}

export function endpointOf(r: Record<string, unknown>): EndpointRow {
  return {
    id: String(r.id),
    partnerId: String(r.partner_id),
    url: String(r.url),
    events: JSON.parse(String(r.events)) as string[],
    description: (r.description as string | null) ?? null,
    purpose: String(r.purpose),
    secret: String(r.secret),
    enabled: Number(r.enabled) === 1,
    disabledReason: (r.disabled_reason as string | null) ?? null,
    disabledAt: (r.disabled_at as string | null) ?? null,
    createdAt: String(r.created_at),
    updatedAt: String(r.updated_at),
  };
}

export function claimedOf(r: Record<string, unknown>): ClaimedRow {
  return {
    id: String(r.id),
    endpointId: String(r.endpoint_id),
    eventType: String(r.event_type),
    subject: String(r.subject),
    recordId: String(r.record_id),
    attempts: Number(r.attempts),
    occurredAt: String(r.occurred_at),
  };
}
