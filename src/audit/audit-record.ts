import { v7 as timeOrderedUuid } from 'uuid';
import { Principal } from '../auth/principal';

export type Transport = 'rest' | 'graphql';
export type Decision = 'allow' | 'partial' | 'deny' | 'error';

/** The status an event records for a request whose client closed the connection before its answer (no HTTP answer is sent). */
export const CLIENT_CLOSED_REQUEST = 499;

/** What one audit event holds before it is chained (seq, prevHash and hash are added on append). */
export interface AuditEventInput {
  id: string;
  at: string;
  requestId: string;
  actor: { sub: string | null; partnerId: string | null; roles: string[] };
  transport: Transport;
  operation: string;
  action: string | null;
  subject: string | null;
  resourceIds: string[];
  purpose: string | null;
  decision: Decision;
  status: number;
  code: string | null;
  reason: string | null;
  fieldsReturned: string[];
  fieldsDenied: string[];
  rowCount: number;
  policyVersion: number | null;
  ruleIds: string[];
  /** The agreements whose rules granted access (the agreements behind `ruleIds`). */
  agreementIds?: string[];
  latencyMs: number;
}

/**
 * Collects, during one request, what its audit event will say. The governed data service
 * fills in what was decided; the transport closes it with the status and writes it.
 */
export class AuditRecord {
  readonly startedAt = process.hrtime.bigint();
  readonly at = new Date().toISOString();
  principal: Principal | null = null;
  operation: string;
  private readonly actions = new Set<string>();
  private readonly subjects = new Set<string>();
  readonly resourceIds = new Set<string>();
  readonly fieldsReturned = new Set<string>();
  readonly fieldsDenied = new Set<string>();
  readonly ruleIds = new Set<string>();
  /** Granting rule id → agreement id, of the compiled policy that judged the request. */
  ruleAgreements: ReadonlyMap<string, string> = new Map();
  /** Agreements the request acted on itself (an agreement's own transitions). */
  readonly agreementIds = new Set<string>();
  /** Fields returned as a transformed value, with the transform (recorded in the event's reason). */
  readonly fieldsTransformed = new Map<string, string>();
  purpose: string | null = null;
  rowCount = 0;
  policyVersion: number | null = null;
  code: string | null = null;
  reason: string | null = null;
  failureStatus: number | null = null;
  /** A successful answer that judged many items alone (a logistics push) says allow, partial or deny by their outcomes. */
  decisionOverride: Decision | null = null;
  /** Set once the event is in the database (a write commits its event in its own transaction). */
  committed = false;
  /** Set when the client's connection closed before the answer was sent. */
  clientAborted = false;

  constructor(
    readonly requestId: string,
    readonly transport: Transport,
    operation: string,
  ) {
    this.operation = operation;
  }

  touch(action: string, subject: string): void {
    this.actions.add(action);
    this.subjects.add(subject);
  }

  /** Records a refusal; fields it names (FORBIDDEN_FIELDS) count as denied. */
  fail(status: number, code: string, reason?: string, fields?: unknown): void {
    if (Array.isArray(fields)) for (const f of fields) if (typeof f === 'string') this.fieldsDenied.add(f);
    if (this.failureStatus === null || status > this.failureStatus) {
      this.failureStatus = status;
      this.code = code;
      this.reason = reason ?? null;
    }
  }

  decide(status: number): Decision {
    if (status >= 500 || status === CLIENT_CLOSED_REQUEST) return 'error';
    if (status >= 400) return 'deny';
    if (this.decisionOverride) return this.decisionOverride;
    if (this.failureStatus !== null) return this.failureStatus >= 500 ? 'error' : this.fieldsReturned.size > 0 ? 'partial' : 'deny';
    // Withheld fields and nothing returned (e.g. a query for forbidden fields only): nothing was allowed.
    if (this.fieldsDenied.size > 0) return this.fieldsReturned.size > 0 ? 'partial' : 'deny';
    return 'allow';
  }

  private reasonWithTransforms(): string | null {
    if (this.fieldsTransformed.size === 0) return this.reason;
    const transformed = `transformed: ${[...this.fieldsTransformed]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([f, how]) => `${f} (${how})`)
      .join(', ')}`;
    return this.reason ? `${this.reason}; ${transformed}` : transformed;
  }

  toEvent(status: number): AuditEventInput {
    const p = this.principal;
    return {
      // Time-ordered (UUIDv7): a new id lands at the end of the unique index instead of on a random page.
      id: timeOrderedUuid(),
      at: this.at,
      requestId: this.requestId,
      actor: { sub: fit(p?.sub ?? null, 200), partnerId: fit(p?.partnerId ?? null, 64), roles: p ? [...p.roles] : [] },
      transport: this.transport,
      operation: fit(this.operation, 200)!,
      action: fit(joinOrNull(this.actions), 32),
      subject: fit(joinOrNull(this.subjects), 128),
      resourceIds: [...this.resourceIds].map((id) => fit(id, 200)!),
      purpose: fit(this.purpose, 64),
      decision: this.decide(status),
      status,
      code: fit(this.code, 64),
      reason: fit(this.reasonWithTransforms(), 2000),
      fieldsReturned: [...this.fieldsReturned].sort(),
      fieldsDenied: [...this.fieldsDenied].sort(),
      rowCount: this.rowCount,
      policyVersion: this.policyVersion,
      ruleIds: [...this.ruleIds].sort(),
      agreementIds: [...new Set([...this.agreementIds, ...[...this.ruleIds].flatMap((id) => this.ruleAgreements.get(id) ?? [])])].sort(),
      latencyMs: Number((process.hrtime.bigint() - this.startedAt) / 1000000n),
    };
  }
}

/**
 * Text the caller can influence (a GraphQL operation name, an unrouted path, an id in a message)
 * is made to fit its column: at most `max` characters, U+0000 (which PostgreSQL text cannot hold)
 * spelt out. An event that cannot be stored would fail its request, and the whole group commit
 * with it: other callers' requests too.
 */
function fit(value: string | null, max: number): string | null {
  if (value === null) return null;
  let clean = value.includes('\u0000') ? value.replace(/\u0000/g, '\\0') : value;
  // A lone surrogate is stored as U+FFFD by both drivers, so the hash would not verify: replace it first.
  if (LONE_SURROGATE.test(clean)) clean = clean.replace(LONE_SURROGATE_ALL, '\uFFFD');
  if (clean.length <= max) return clean;
  // Never cut between the two halves of a character outside the BMP.
  const end = isHighSurrogate(clean.charCodeAt(max - 2)) ? max - 2 : max - 1;
  return `${clean.slice(0, end)}\u2026`;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_SURROGATE_ALL = new RegExp(LONE_SURROGATE.source, 'g');

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function joinOrNull(values: Set<string>): string | null {
  return values.size === 0 ? null : [...values].join(',');
}
