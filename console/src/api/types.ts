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
