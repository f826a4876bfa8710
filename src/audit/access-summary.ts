/** What an audit event says of its request as a whole. */
export type Decision = 'allow' | 'partial' | 'deny' | 'error';

/**
 * What one step of a request decided, for its audit event: a value, never changed once built. A
 * governed service returns it with its result (or carries the part decided so far on the error it
 * throws: see `carry`), and the request's AuditRecord adds it (`AuditRecord.add`), the one way
 * anything reaches a record. Lists keep the order things were met in, without repeats.
 */
export interface AccessSummary {
  readonly actions: readonly string[];
  readonly subjects: readonly string[];
  readonly resourceIds: readonly string[];
  readonly fieldsReturned: readonly string[];
  readonly fieldsDenied: readonly string[];
  /** Fields returned as a transformed value, with the transform (recorded in the event's reason). */
  readonly fieldsTransformed: readonly (readonly [field: string, how: string])[];
  readonly ruleIds: readonly string[];
  /** Agreements the step acted on itself (an agreement's own transitions). */
  readonly agreementIds: readonly string[];
  readonly rowCount: number;
  /** Granting rule id → agreement id, of the compiled policy that judged the step. */
  readonly ruleAgreements?: ReadonlyMap<string, string>;
  /** Absent: the step decided nothing about it (a later step's value replaces an earlier one). */
  readonly policyVersion?: number | null;
  readonly purpose?: string | null;
  /** Joined with "; " to the reasons of other steps (aggregates asked side by side each name their grouping)... */
  readonly reason?: string;
  /** ...unless it stands for the whole request (an idempotent replay, a push's outcome), and so replaces them. */
  readonly replacesReason?: true;
  /** A successful answer that judged many items alone (a logistics push) says allow, partial or deny by their outcomes. */
  readonly decisionOverride?: Decision;
}

type SummaryParts = { -readonly [K in keyof AccessSummary]?: AccessSummary[K] };

const LISTS = ['actions', 'subjects', 'resourceIds', 'fieldsReturned', 'fieldsDenied', 'ruleIds', 'agreementIds'] as const;

/** The summary of a step that decided nothing. */
export const NOTHING: AccessSummary = summaryOf({});

/** A summary from its parts (lists without repeats, a missing count 0). */
export function summaryOf(parts: SummaryParts): AccessSummary {
  const out: SummaryParts = { rowCount: parts.rowCount ?? 0, fieldsTransformed: freezeTransforms(parts.fieldsTransformed ?? []) };
  for (const list of LISTS) out[list] = Object.freeze([...new Set(parts[list] ?? [])]);
  if (parts.ruleAgreements !== undefined) out.ruleAgreements = parts.ruleAgreements;
  if (parts.policyVersion !== undefined) out.policyVersion = parts.policyVersion;
  if (parts.purpose !== undefined) out.purpose = parts.purpose;
  if (parts.reason !== undefined) out.reason = parts.reason;
  if (parts.replacesReason) out.replacesReason = true;
  if (parts.decisionOverride !== undefined) out.decisionOverride = parts.decisionOverride;
  return Object.freeze(out) as AccessSummary;
}

/** An action on a subject, and nothing decided yet. */
export function touched(action: string, subject: string): AccessSummary {
  return summaryOf({ actions: [action], subjects: [subject] });
}

/** The policy that judges a step, for the caller's purpose. */
export function judgedBy(policy: { version: number | null; ruleAgreements: ReadonlyMap<string, string> }, purpose: string | null): AccessSummary {
  return summaryOf({ purpose, policyVersion: policy.version, ruleAgreements: policy.ruleAgreements });
}

/**
 * `a` then `b`: lists joined in order without repeats, counts added, reasons joined with "; " (or
 * replaced: `replacesReason`), and what `b` decided about the policy, the purpose or the decision
 * replacing what `a` did.
 */
export function merge(a: AccessSummary, b: AccessSummary): AccessSummary {
  if (b === NOTHING) return a;
  if (a === NOTHING) return b;
  const out: SummaryParts = { rowCount: a.rowCount + b.rowCount };
  for (const list of LISTS) out[list] = [...a[list], ...b[list]];
  const transforms = new Map(a.fieldsTransformed.map(([f, how]) => [f, how]));
  for (const [f, how] of b.fieldsTransformed) transforms.set(f, how);
  out.fieldsTransformed = [...transforms];
  const ruleAgreements = b.ruleAgreements ?? a.ruleAgreements;
  if (ruleAgreements !== undefined) out.ruleAgreements = ruleAgreements;
  const policyVersion = b.policyVersion !== undefined ? b.policyVersion : a.policyVersion;
  if (policyVersion !== undefined) out.policyVersion = policyVersion;
  const purpose = b.purpose !== undefined ? b.purpose : a.purpose;
  if (purpose !== undefined) out.purpose = purpose;
  const reason = joinReasons(a.reason, b);
  if (reason !== undefined) out.reason = reason;
  if (b.replacesReason ?? a.replacesReason) out.replacesReason = true;
  const decisionOverride = b.decisionOverride ?? a.decisionOverride;
  if (decisionOverride !== undefined) out.decisionOverride = decisionOverride;
  return summaryOf(out);
}

/** Every summary, in order, as one. */
export function mergeAll(summaries: readonly AccessSummary[]): AccessSummary {
  return summaries.reduce(merge, NOTHING);
}

/**
 * How a failure is recorded: a step that throws after deciding something (a write refused after
 * its policy version was looked up) throws its error carrying the summary decided so far, and the
 * one that records the step (`recorded`) adds it before passing the error on. A summary an inner
 * step put on the same error stays, after the outer step's.
 */
export function carry(error: unknown, decided: AccessSummary): unknown {
  if (typeof error !== 'object' || error === null || decided === NOTHING) return error;
  CARRIED.set(error, merge(decided, CARRIED.get(error) ?? NOTHING));
  return error;
}

/** The summary an error carries (NOTHING when none). */
export function carriedBy(error: unknown): AccessSummary {
  return (typeof error === 'object' && error !== null && CARRIED.get(error)) || NOTHING;
}

/** Runs a step's work; if it throws, its error carries `decided` (see `carry`). */
export async function deciding<T>(decided: AccessSummary, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw carry(error, decided);
  }
}

const CARRIED = new WeakMap<object, AccessSummary>();

/** Where steps' summaries go: a request's AuditRecord. */
export interface SummarySink {
  /** Keeps the place of a step that has begun (events list what steps touched in the order they began); the function fills it once. */
  place(): (summary: AccessSummary) => void;
}

/**
 * Records one step: the summary it returns with its result, or the one its error carries. The
 * step's place in the record is kept from when it was called, so resolvers of one GraphQL
 * operation running side by side are recorded in the order they began.
 */
export async function recorded<T extends { summary: AccessSummary }>(sink: SummarySink, step: Promise<T>): Promise<T> {
  const fill = sink.place();
  try {
    const result = await step;
    fill(result.summary);
    return result;
  } catch (error) {
    fill(carriedBy(error));
    throw error;
  }
}

/** `before`, then the reason of `step`: joined with "; ", or replaced by it (replacesReason). */
export function joinReasons<R extends string | null | undefined>(before: R, step: AccessSummary): string | R {
  if (step.reason === undefined) return before;
  if (step.replacesReason || before === undefined || before === null || before === '') return step.reason;
  return `${before}; ${step.reason}`;
}

function freezeTransforms(pairs: readonly (readonly [string, string])[]): readonly (readonly [string, string])[] {
  return Object.freeze([...new Map(pairs.map(([f, how]) => [f, how]))].map((p) => Object.freeze(p)));
}
