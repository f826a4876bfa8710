import { AuditEventInput } from './audit-record';

/** An audit event as the auditor API shows it (docs/audit.md): what was recorded, plus its place in the chain. */
export type AuditEventView = AuditEventInput & { seq: number; prevHash: string; hash: string };

/** Raw database row (snake_case, as `SELECT *` gives it on both dialects) → API view. */
export function toView(r: Record<string, unknown>): AuditEventView {
  const c = toChained(r);
  return {
    id: c.eventId,
    seq: Number(c.seq),
    at: c.at,
    requestId: c.requestId,
    actor: { sub: c.actorSub, partnerId: c.actorPartnerId, roles: JSON.parse(c.actorRoles) as string[] },
    transport: c.transport as AuditEventView['transport'],
    operation: c.operation,
    action: c.action,
    subject: c.subject,
    resourceIds: JSON.parse(c.resourceIds) as string[],
    purpose: c.purpose,
    decision: c.decision as AuditEventView['decision'],
    status: c.status,
    code: c.code,
    reason: c.reason,
    fieldsReturned: JSON.parse(c.fieldsReturned) as string[],
    fieldsDenied: JSON.parse(c.fieldsDenied) as string[],
    rowCount: c.rowCount,
    policyVersion: c.policyVersion,
    ruleIds: JSON.parse(c.ruleIds) as string[],
    agreementIds: c.agreementIds === null ? [] : (JSON.parse(c.agreementIds) as string[]),
    latencyMs: c.latencyMs,
    prevHash: c.prevHash,
    hash: String(r.hash),
  };
}

/** Back to the chained form the hash covers. */
export function toChained(r: Record<string, unknown>) {
  return {
    seq: String(r.seq),
    eventId: String(r.event_id),
    at: String(r.at),
    requestId: String(r.request_id),
    actorSub: (r.actor_sub as string | null) ?? null,
    actorPartnerId: (r.actor_partner_id as string | null) ?? null,
    actorRoles: String(r.actor_roles),
    transport: String(r.transport),
    operation: String(r.operation),
    action: (r.action as string | null) ?? null,
    subject: (r.subject as string | null) ?? null,
    resourceIds: String(r.resource_ids),
    purpose: (r.purpose as string | null) ?? null,
    decision: String(r.decision),
    status: Number(r.status),
    code: (r.code as string | null) ?? null,
    reason: (r.reason as string | null) ?? null,
    fieldsReturned: String(r.fields_returned),
    fieldsDenied: String(r.fields_denied),
    rowCount: Number(r.row_count),
    policyVersion: r.policy_version === null || r.policy_version === undefined ? null : Number(r.policy_version),
    ruleIds: String(r.rule_ids),
    latencyMs: Number(r.latency_ms),
    prevHash: String(r.prev_hash),
    agreementIds: typeof r.agreement_ids === 'string' ? r.agreement_ids : null,
  };
}

export const CSV_COLUMNS = [
  'seq',
  'id',
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
  'hash',
] as const;

export function toCsvLine(v: AuditEventView): string {
  const cells: unknown[] = [
    v.seq,
    v.id,
    v.at,
    v.requestId,
    v.actor.sub,
    v.actor.partnerId,
    v.actor.roles.join(' '),
    v.transport,
    v.operation,
    v.action,
    v.subject,
    v.resourceIds.join(' '),
    v.purpose,
    v.decision,
    v.status,
    v.code,
    v.reason,
    v.fieldsReturned.join(' '),
    v.fieldsDenied.join(' '),
    v.rowCount,
    v.policyVersion,
    v.ruleIds.join(' '),
    v.latencyMs,
    v.prevHash,
    v.hash,
  ];
  return cells.map(csvCell).join(',');
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  // Cells a spreadsheet would run as a formula are quoted with a leading apostrophe.
  const s = /^[=+\-@\t\r]/.test(text) && typeof value === 'string' ? `'${text}` : text;
  return /[",\n\r]/.test(s) || s !== text ? `"${s.replace(/"/g, '""')}"` : s;
}
