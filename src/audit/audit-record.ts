import { v7 as timeOrderedUuid } from 'uuid';
import { Principal } from '../auth/principal';
import { AccessSummary, Decision, joinReasons, merge, mergeAll, NOTHING, summaryOf, SummarySink } from './access-summary';

export type Transport = 'rest' | 'graphql';
export type { Decision };

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
 * What one request's audit event will say. Steps add what they decided as AccessSummary values
 * (`add`, `place`: the only way in); the transport names the operation and the principal, records
 * a refusal (`fail`), closes it with the status and writes it.
 */
export class AuditRecord implements SummarySink {
  readonly startedAt = process.hrtime.bigint();
  readonly at = new Date().toISOString();
  principal: Principal | null = null;
  operation: string;
  /** Each step's summary, in the order the steps began (a place is empty until its step ends). */
  private readonly steps: (AccessSummary | undefined)[] = [];
  /** Reasons in the order they were recorded: a refusal's detail replaces what came before it. */
  private reason: string | null = null;
  private code: string | null = null;
  private failureDenied: readonly string[] = [];
  private failedWith: number | null = null;
  private isCommitted = false;
  private commitHasFailed = false;
  /** Set when the client's connection closed before the answer was sent. */
  clientAborted = false;

  constructor(
    readonly requestId: string,
    readonly transport: Transport,
    operation: string,
  ) {
    this.operation = operation;
  }

  add(summary: AccessSummary): void {
    this.place()(summary);
  }

  place(): (summary: AccessSummary) => void {
    const at = this.steps.push(undefined) - 1;
    return (summary) => {
      this.steps[at] = summary;
      this.reason = joinReasons(this.reason, summary);
    };
  }

  /** Records a refusal; fields it names (FORBIDDEN_FIELDS) count as denied. */
  fail(status: number, code: string, reason?: string, fields?: unknown): void {
    if (Array.isArray(fields)) this.failureDenied = [...this.failureDenied, ...fields.filter((f): f is string => typeof f === 'string')];
    if (this.failedWith === null || status > this.failedWith) {
      this.failedWith = status;
      this.code = code;
      this.reason = reason ?? null;
    }
  }

  /** The status of the worst refusal recorded, if any. */
  get failureStatus(): number | null {
    return this.failedWith;
  }

  get failureCode(): string | null {
    return this.code;
  }

  /** Set once the event is in the database (a write commits its event in its own transaction). */
  get committed(): boolean {
    return this.isCommitted;
  }

  markCommitted(): void {
    this.isCommitted = true;
  }

  /** Set when writing the event failed: the answer is then a 503 without data, and no step tries again. */
  get commitFailed(): boolean {
    return this.commitHasFailed;
  }

  markCommitFailed(): void {
    this.commitHasFailed = true;
  }

  /** What the steps recorded so far decided, as one summary. */
  summary(): AccessSummary {
    const all = mergeAll(this.steps.filter((s): s is AccessSummary => s !== undefined));
    return this.failureDenied.length > 0 ? merge(all, summaryOf({ fieldsDenied: this.failureDenied })) : all;
  }

  get purpose(): string | null {
    return this.summary().purpose ?? null;
  }

  /** Fields returned as a transformed value so far. */
  transformedFields(): string[] {
    return this.summary().fieldsTransformed.map(([f]) => f);
  }

  decide(status: number, s: AccessSummary = this.summary()): Decision {
    if (status >= 500 || status === CLIENT_CLOSED_REQUEST) return 'error';
    if (status >= 400) return 'deny';
    if (s.decisionOverride) return s.decisionOverride;
    if (this.failedWith !== null) return this.failedWith >= 500 ? 'error' : s.fieldsReturned.length > 0 ? 'partial' : 'deny';
    // Withheld fields and nothing returned (e.g. a query for forbidden fields only): nothing was allowed.
    if (s.fieldsDenied.length > 0) return s.fieldsReturned.length > 0 ? 'partial' : 'deny';
    return 'allow';
  }

  private reasonWithTransforms(s: AccessSummary, pending: AccessSummary): string | null {
    const reason = joinReasons(this.reason, pending);
    if (s.fieldsTransformed.length === 0) return reason;
    const transformed = `transformed: ${[...s.fieldsTransformed]
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([f, how]) => `${f} (${how})`)
      .join(', ')}`;
    return reason ? `${reason}; ${transformed}` : transformed;
  }

  /** The event, with `pending` (a step not added yet: a write's, whose event commits with it) after what was added. */
  toEvent(status: number, pending: AccessSummary = NOTHING): AuditEventInput {
    const p = this.principal;
    const s = merge(this.summary(), pending);
    const ruleAgreements = s.ruleAgreements ?? new Map<string, string>();
    return {
      // Time-ordered (UUIDv7): a new id lands at the end of the unique index instead of on a random page.
      id: timeOrderedUuid(),
      at: this.at,
      requestId: this.requestId,
      actor: { sub: fit(p?.sub ?? null, 200), partnerId: fit(p?.partnerId ?? null, 64), roles: p ? [...p.roles] : [] },
      transport: this.transport,
      operation: fit(this.operation, 200)!,
      action: fit(joinOrNull(s.actions), 32),
      subject: fit(joinOrNull(s.subjects), 128),
      resourceIds: s.resourceIds.map((id) => fit(id, 200)!),
      purpose: fit(s.purpose ?? null, 64),
      decision: this.decide(status, s),
      status,
      code: fit(this.code, 64),
      reason: fit(this.reasonWithTransforms(s, pending), 2000),
      fieldsReturned: [...s.fieldsReturned].sort(),
      fieldsDenied: [...s.fieldsDenied].sort(),
      rowCount: s.rowCount,
      policyVersion: s.policyVersion ?? null,
      ruleIds: [...s.ruleIds].sort(),
      agreementIds: [...new Set([...s.agreementIds, ...s.ruleIds.flatMap((id) => ruleAgreements.get(id) ?? [])])].sort(),
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

function joinOrNull(values: readonly string[]): string | null {
  return values.length === 0 ? null : values.join(',');
}
