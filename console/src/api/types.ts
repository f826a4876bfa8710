export interface PolicyDocument {
  partner: { id: string; name: string; kind: string; attributes?: Record<string, unknown> };
  approval?: 'required' | 'none';
  rules: { id: string; action: string | string[]; subject: string; fields?: string[]; purposes?: string[]; inverted?: boolean; reason?: string }[];
  [key: string]: unknown;
}

export interface PolicyView {
  partnerId: string;
  version: number;
  author: string | null;
  createdAt: string;
  note: string | null;
  document: PolicyDocument;
}

export interface VersionSummary {
  version: number;
  author: string | null;
  createdAt: string;
  note: string | null;
  state: string;
  approvedBy: string | null;
  baseVersion: number | null;
  decidedBy: string | null;
  decidedAt: string | null;
  decisionReason: string | null;
  inForce: boolean;
}

export interface AuditEvent {
  id: string;
  seq: number;
  at: string;
  requestId: string;
  actor: { sub: string | null; partnerId: string | null; roles: string[] };
  transport: string;
  operation: string;
  action: string | null;
  subject: string | null;
  resourceIds: string[];
  purpose: string | null;
  decision: string;
  status: number;
  fieldsReturned: string[];
  fieldsDenied: string[];
  rowCount: number | null;
  policyVersion: number | null;
  ruleIds: string[];
  latencyMs: number | null;
  prevHash: string;
  hash: string;
}

export interface Page<T> {
  data: T[];
  meta: { nextCursor: string | null; count: number };
}

export const SUBJECTS = ['DemandSignal', 'CapacitySignal', 'Shipment', 'ShipmentEvent'] as const;
export const ACTIONS = ['read', 'create', 'update'] as const;

export type AgreementStatus = 'offered' | 'accepted' | 'active' | 'declined' | 'expired' | 'terminated';

export interface AgreementHistoryEntry {
  at: string;
  by: string;
  role: 'governance' | 'partner';
  action: 'offered' | 'accepted' | 'declined' | 'terminated' | 'revised';
  revision: number;
  note?: string | null;
}

/** `GET /api/v1/agreements/:id` and `/api/v1/me/agreements` (contract section 14). */
export interface Agreement {
  id: string;
  partnerId: string;
  title: string;
  terms: string;
  purposes: string[];
  subjects: string[];
  validFrom: string;
  validUntil: string;
  status: AgreementStatus;
  revision: number;
  createdBy: string;
  createdAt: string;
  updatedAt: string;
  history: AgreementHistoryEntry[];
  /** On GET /api/v1/agreements/:id: the partners and rules (of the policies in force) that rest on it. */
  dependents?: { partnerId: string; ruleIds: string[] }[];
}

export const WEBHOOK_EVENTS = ['shipment.updated', 'demand.updated', 'capacity.updated'] as const;

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  purpose: string;
  enabled: boolean;
  status: 'active' | 'disabled';
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  eventType: string;
  subject: string;
  recordId: string;
  status: 'pending' | 'delivered' | 'failed' | 'skipped' | 'cancelled';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  occurredAt: string;
  settledAt: string | null;
}
