import { createHash } from 'node:crypto';
import { AuditEventInput } from './audit-record';

export const GENESIS_HASH = '0'.repeat(64);

/** The stored form of an event: what the chain hashes and what the database holds. */
export interface ChainedAuditEvent {
  seq: string;
  eventId: string;
  at: string;
  requestId: string;
  actorSub: string | null;
  actorPartnerId: string | null;
  actorRoles: string;
  transport: string;
  operation: string;
  action: string | null;
  subject: string | null;
  resourceIds: string;
  purpose: string | null;
  decision: string;
  status: number;
  code: string | null;
  reason: string | null;
  fieldsReturned: string;
  fieldsDenied: string;
  rowCount: number;
  policyVersion: number | null;
  ruleIds: string;
  latencyMs: number;
  prevHash: string;
  /** Stored JSON text; null on events written before the column existed. */
  agreementIds: string | null;
  hash: string;
}

/** The fixed order in which fields enter the hash. Changing it breaks every existing chain. */
export const CANONICAL_FIELDS = [
  'seq',
  'eventId',
  'at',
  'requestId',
  'actorSub',
  'actorPartnerId',
  'actorRoles',
  'transport',
  'operation',
  'action',
  'subject',
  'resourceIds',
  'purpose',
  'decision',
  'status',
  'code',
  'reason',
  'fieldsReturned',
  'fieldsDenied',
  'rowCount',
  'policyVersion',
  'ruleIds',
  'latencyMs',
  'prevHash',
] as const;

/**
 * Canonical serialisation: a JSON array of the canonical fields' values, in CANONICAL_FIELDS order,
 * with seq as a decimal string and absent values as null; then, on events that have it (every event
 * written since agreements exist), `agreementIds` as a 25th value. Events stored before keep their
 * 24-value form and their hashes; on a newer event, removing the value changes the form and breaks
 * its hash. hash = hex(SHA-256(canonical)).
 */
export function canonicalForm(event: Omit<ChainedAuditEvent, 'hash' | 'agreementIds'> & { agreementIds?: string | null }): string {
  const values = CANONICAL_FIELDS.map((k) => {
    const v = (event as unknown as Record<string, unknown>)[k];
    if (k === 'seq') return String(v);
    if (k === 'status' || k === 'rowCount' || k === 'latencyMs' || k === 'policyVersion') return v === null || v === undefined ? null : Number(v);
    return v ?? null;
  });
  if (event.agreementIds !== null && event.agreementIds !== undefined) values.push(event.agreementIds);
  return JSON.stringify(values);
}

export function hashEvent(event: Omit<ChainedAuditEvent, 'hash' | 'agreementIds'> & { agreementIds?: string | null }): string {
  return createHash('sha256').update(canonicalForm(event)).digest('hex');
}

/** Links one event after the given head. */
export function chainEvent(input: AuditEventInput, prevSeq: bigint, prevHash: string): ChainedAuditEvent {
  const unhashed = {
    seq: String(prevSeq + 1n),
    eventId: input.id,
    at: input.at,
    requestId: input.requestId,
    actorSub: input.actor.sub,
    actorPartnerId: input.actor.partnerId,
    actorRoles: JSON.stringify(input.actor.roles),
    transport: input.transport,
    operation: input.operation,
    action: input.action,
    subject: input.subject,
    resourceIds: JSON.stringify(input.resourceIds),
    purpose: input.purpose,
    decision: input.decision,
    status: input.status,
    code: input.code,
    reason: input.reason,
    fieldsReturned: JSON.stringify(input.fieldsReturned),
    fieldsDenied: JSON.stringify(input.fieldsDenied),
    rowCount: input.rowCount,
    policyVersion: input.policyVersion,
    ruleIds: JSON.stringify(input.ruleIds),
    latencyMs: input.latencyMs,
    prevHash,
    agreementIds: JSON.stringify(input.agreementIds ?? []),
  };
  return { ...unhashed, hash: hashEvent(unhashed) };
}

/** Links events one after another, the first after the given head. */
export function chainAll(events: AuditEventInput[], seq: bigint, hash: string): ChainedAuditEvent[] {
  return events.map((e) => {
    const c = chainEvent(e, seq, hash);
    seq += 1n;
    hash = c.hash;
    return c;
  });
}
