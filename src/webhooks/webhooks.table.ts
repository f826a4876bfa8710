/**
 * The webhook tables: partners' endpoints, and the delivery queue every replica shares (claimed with
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL), which once settled is each endpoint's delivery history.
 */
import { EntityManager } from 'typeorm';
import { isPostgres, positional } from '../database/positional-sql';
import { ClaimedRow, claimedOf, DeliveryRow, EndpointChanges, endpointOf, EndpointRow, NewDelivery, NewEndpoint, Settlement } from './webhook-rows';

export const TABLES = ['webhook_endpoints', 'webhook_deliveries'] as const;

// ---- endpoints

export async function countEndpointsOf(m: EntityManager, partnerId: string): Promise<number> {
  const rows: Array<{ n: number | string }> = await m.query(positional(m, 'SELECT COUNT(*) AS n FROM webhook_endpoints WHERE partner_id = ?'), [partnerId]);
  return Number(rows[0].n);
}

/** Registers an endpoint, enabled. */
export async function insertEndpoint(m: EntityManager, e: NewEndpoint): Promise<void> {
  await m.query(
    positional(
      m,
      `INSERT INTO webhook_endpoints (id, partner_id, url, events, description, purpose, secret, enabled, disabled_reason, disabled_at, created_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 1, NULL, NULL, ?, ?, ?)`,
    ),
    [e.id, e.partnerId, e.url, JSON.stringify(e.events), e.description, e.purpose, e.secret, e.createdBy, e.createdAt, e.createdAt],
  );
}

/** A partner's endpoints, oldest first. */
export async function endpointsOf(m: EntityManager, partnerId: string): Promise<EndpointRow[]> {
  const rows: Array<Record<string, unknown>> = await m.query(positional(m, 'SELECT * FROM webhook_endpoints WHERE partner_id = ? ORDER BY created_at, id'), [
    partnerId,
  ]);
  return rows.map(endpointOf);
}

/** The partner's endpoint `id`, or null (another partner's endpoint is not found either). */
export async function findEndpointOf(m: EntityManager, partnerId: string, id: string): Promise<EndpointRow | null> {
  const rows: Array<Record<string, unknown>> = await m.query(positional(m, 'SELECT * FROM webhook_endpoints WHERE id = ? AND partner_id = ?'), [id, partnerId]);
  return rows.length === 0 ? null : endpointOf(rows[0]);
}

/** An endpoint by id, whoever's (the worker delivering to it). */
export async function findEndpoint(m: EntityManager, id: string): Promise<EndpointRow | null> {
  const rows: Array<Record<string, unknown>> = await m.query(positional(m, 'SELECT * FROM webhook_endpoints WHERE id = ?'), [id]);
  return rows.length === 0 ? null : endpointOf(rows[0]);
}

/** The enabled endpoints with the event types each is subscribed to. */
export async function enabledEndpoints(m: EntityManager): Promise<Array<{ id: string; events: string[] }>> {
  const rows: Array<{ id: string; events: string }> = await m.query('SELECT id, events FROM webhook_endpoints WHERE enabled = 1');
  return rows.map((r) => ({ id: String(r.id), events: JSON.parse(r.events) as string[] }));
}

export async function updateEndpoint(m: EntityManager, partnerId: string, id: string, c: EndpointChanges): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [];
  const set = (column: string, value: unknown) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (c.url !== undefined) set('url', c.url);
  if (c.events !== undefined) set('events', JSON.stringify(c.events));
  if (c.description !== undefined) set('description', c.description);
  if (c.purpose !== undefined) set('purpose', c.purpose);
  if (c.enabled !== undefined) {
    set('enabled', c.enabled.enabled ? 1 : 0);
    set('disabled_reason', c.enabled.reason);
    set('disabled_at', c.enabled.at);
  }
  set('updated_at', c.updatedAt);
  await m.query(positional(m, `UPDATE webhook_endpoints SET ${sets.join(', ')} WHERE id = ? AND partner_id = ?`), [...params, id, partnerId]);
}

export async function setEndpointSecret(m: EntityManager, partnerId: string, id: string, secret: string, at: string): Promise<void> {
  await m.query(positional(m, 'UPDATE webhook_endpoints SET secret = ?, updated_at = ? WHERE id = ? AND partner_id = ?'), [secret, at, id, partnerId]);
}

/** Disables an endpoint that is still enabled, with the reason. */
export async function disableEndpoint(m: EntityManager, id: string, reason: string, at: string): Promise<void> {
  await m.query(positional(m, 'UPDATE webhook_endpoints SET enabled = 0, disabled_reason = ?, disabled_at = ?, updated_at = ? WHERE id = ? AND enabled = 1'), [
    reason,
    at,
    at,
    id,
  ]);
}

/** Deletes the partner's endpoint with its deliveries, pending ones included. */
export async function deleteEndpointWithDeliveries(m: EntityManager, partnerId: string, id: string): Promise<void> {
  await m.query(positional(m, 'DELETE FROM webhook_deliveries WHERE endpoint_id = ?'), [id]);
  await m.query(positional(m, 'DELETE FROM webhook_endpoints WHERE id = ? AND partner_id = ?'), [id, partnerId]);
}

// ---- deliveries

/** Queues a delivery, pending and due at once. */
export async function insertDelivery(m: EntityManager, d: NewDelivery): Promise<void> {
  await m.query(
    positional(
      m,
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_type, subject, record_id, status, attempts, next_attempt_at, occurred_at, created_at)
       VALUES (?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    ),
    [d.id, d.endpointId, d.eventType, d.subject, d.recordId, d.at, d.at, d.at],
  );
}

/**
 * An endpoint's deliveries its partner may see, newest first: those attempted at least once. A
 * delivery is queued for every endpoint subscribed to the event type, before anyone judges whether
 * the endpoint's partner may read the record; one never attempted (still pending, or skipped because
 * the record is outside the partner's scope) would name a record, and a write, the partner may not see.
 */
export async function deliveriesOf(m: EntityManager, endpointId: string, limit: number): Promise<DeliveryRow[]> {
  const rows: Array<Record<string, unknown>> = await m.query(
    positional(m, 'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? AND attempts > 0 ORDER BY created_at DESC, id DESC LIMIT ?'),
    [endpointId, limit],
  );
  return rows.map((r) => ({
    ...claimedOf(r),
    status: String(r.status),
    nextAttemptAt: String(r.next_attempt_at),
    lastAttemptAt: (r.last_attempt_at as string | null) ?? null,
    lastStatus: r.last_status === null || r.last_status === undefined ? null : Number(r.last_status),
    lastError: (r.last_error as string | null) ?? null,
    createdAt: String(r.created_at),
    settledAt: (r.settled_at as string | null) ?? null,
  }));
}

/**
 * Claims up to `limit` deliveries due at `now` until `until`, with the partner each is for, leaving
 * out the endpoints of the partners in `skipPartners` (those already at their share of the worker).
 * On PostgreSQL one statement with `FOR UPDATE SKIP LOCKED` (two replicas never claim the same
 * one); on SQLite a read then an update per row, which the caller runs in one transaction (the
 * single connection serialises claims).
 */
export async function claimDueDeliveries(
  m: EntityManager,
  limit: number,
  now: string,
  until: string,
  skipPartners: readonly string[] = [],
): Promise<Array<ClaimedRow & { partnerId: string }>> {
  const columns = 'id, endpoint_id, event_type, subject, record_id, attempts, occurred_at';
  const partnerOf = '(SELECT e.partner_id FROM webhook_endpoints e WHERE e.id = webhook_deliveries.endpoint_id)';
  // An endpoint deleted since (no partner) is never skipped: its delivery is claimed and cancelled.
  const skipped = skipPartners.length > 0 ? ` AND COALESCE(${partnerOf}, '') NOT IN (${skipPartners.map(() => '?').join(', ')})` : '';
  const due = `status = 'pending' AND next_attempt_at <= ? AND (claimed_until IS NULL OR claimed_until <= ?)${skipped}`;
  const withPartner = (r: Record<string, unknown>) => ({ ...claimedOf(r), partnerId: typeof r.partner_id === 'string' ? r.partner_id : '' });
  if (isPostgres(m)) {
    const [rows] = await m.query<[Array<Record<string, unknown>>, number]>(
      positional(
        m,
        `UPDATE webhook_deliveries SET claimed_until = ? WHERE id IN (
           SELECT id FROM webhook_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ? FOR UPDATE SKIP LOCKED)
         RETURNING ${columns}, ${partnerOf} AS partner_id`,
      ),
      [until, now, now, ...skipPartners, limit],
    );
    return rows.map(withPartner);
  }
  const found: Array<Record<string, unknown>> = await m.query(
    `SELECT ${columns}, ${partnerOf} AS partner_id FROM webhook_deliveries WHERE ${due} ORDER BY next_attempt_at LIMIT ?`,
    [now, now, ...skipPartners, limit],
  );
  for (const r of found) await m.query('UPDATE webhook_deliveries SET claimed_until = ? WHERE id = ?', [until, r.id]);
  return found.map(withPartner);
}

/** Records how a claimed delivery ended (or that it waits again) and releases its claim. */
export async function settleDelivery(m: EntityManager, id: string, s: Settlement): Promise<void> {
  const attempted = s.attempted ? 1 : 0;
  await m.query(
    positional(
      m,
      `UPDATE webhook_deliveries SET status = ?, attempts = attempts + ?, claimed_until = NULL, next_attempt_at = ?,
         last_attempt_at = CASE WHEN ? = 1 THEN ? ELSE last_attempt_at END,
         last_status = CASE WHEN ? = 1 THEN ? ELSE last_status END,
         last_error = ?, settled_at = ?
       WHERE id = ?`,
    ),
    [s.status, attempted, s.nextAttemptAt, attempted, s.at, attempted, s.lastStatus, s.lastError, s.settledAt, id],
  );
}

/** Cancels an endpoint's pending deliveries (it was disabled). */
export async function cancelPendingDeliveries(m: EntityManager, endpointId: string, reason: string, at: string): Promise<void> {
  await m.query(
    positional(
      m,
      `UPDATE webhook_deliveries SET status = 'cancelled', claimed_until = NULL, last_error = ?, settled_at = ? WHERE endpoint_id = ? AND status = 'pending'`,
    ),
    [reason, at, endpointId],
  );
}
