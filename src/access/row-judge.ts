import { SUBJECTS, SubjectName } from '../data/subjects';
import { CompiledPolicy } from '../policy/policy-compiler';
import { applyTransform, describeTransform, FieldTransform } from '../policy/transforms';
import { decidingRuleId, permittedFields, transformFor, withholdingReason } from './subject-plans';

export interface Redaction {
  field: string;
  reason: string;
  ruleId: string | null;
}

export interface GovernedRow {
  values: Record<string, unknown>;
  redactions: Redaction[];
}

/** What CASL decides for a read of rows alike in every field the policy's conditions read. */
interface RowRights {
  permitted: ReadonlySet<string>;
  ruleId: string | null;
  /** Why a field is withheld on such rows, filled in as fields are asked about. */
  reasons: Map<string, { reason: string; ruleId: string | null }>;
  /** The permitted fields read as a coarser value on such rows. */
  transforms: Map<string, FieldTransform> | null;
}

/** One request's view of a RowRights: per requested field (same index), readable or not. */
interface Judgement {
  readable: boolean[];
  /** Per requested field, the transform it is read with (null: the stored value). */
  transforms: Array<FieldTransform | null> | null;
  /** Shared by the rows judged alike; never changed once made. */
  redactions: Redaction[];
}

/** Rights memo per compiled policy and subject (reads only): a tree keyed by the condition fields' values in order. */
type RightsTree = Map<unknown, unknown>;
interface SubjectMemo {
  tree: RightsTree;
  size: number;
}

/** Beyond this many distinct value combinations a policy's memo starts over, so memory stays bounded. */
const MEMO_LIMIT = 2048;
const memos = new WeakMap<CompiledPolicy, Map<SubjectName, SubjectMemo>>();

/**
 * Judges rows against one compiled policy: which requested fields each row lets the caller read,
 * why the others are withheld, and which rules decided. Rows alike in every field the rules'
 * conditions read are alike to CASL, so CASL judges each such combination once and the answer
 * is kept with the compiled policy (cached per partner, version and purpose; a rule's validity
 * window ends the compiled policy, and the memo with it).
 */
export class RowJudge {
  /** For the audit event: the rules that allowed or withheld on the rows judged. */
  readonly ruleIds = new Set<string>();
  /** Requested fields returned on at least one row judged, and withheld on at least one. */
  readonly fieldsReturned = new Set<string>();
  readonly fieldsWithheld = new Set<string>();
  /** Requested fields returned transformed on at least one row, with how (for the answer's meta and the audit). */
  readonly fieldsTransformed = new Map<string, string>();
  private readonly judgements = new Map<RowRights, Judgement>();
  private readonly numeric: boolean[];
  private readonly memo: SubjectMemo;

  constructor(
    private readonly policy: CompiledPolicy,
    private readonly subject: SubjectName,
    private readonly requested: readonly string[],
    /** Requested fields some row could allow (the rest are withheld on every row). */
    private readonly selectable: ReadonlySet<string>,
    private readonly conditionFields: readonly string[],
  ) {
    this.numeric = requested.map((f) => isNumeric(subject, f));
    // Rights that depend on the clock are judged afresh by every request.
    if (policy.clockDependent) {
      this.memo = { tree: new Map(), size: 0 };
      return;
    }
    let perSubject = memos.get(policy);
    if (!perSubject) memos.set(policy, (perSubject = new Map<SubjectName, SubjectMemo>()));
    let memo = perSubject.get(subject);
    if (!memo) perSubject.set(subject, (memo = { tree: new Map(), size: 0 }));
    this.memo = memo;
  }

  /** The caller's view of one stored row (as the driver gave it). */
  judge(raw: Record<string, unknown>): GovernedRow {
    const judgement = this.judgementFor(this.rightsFor(raw));
    const values: Record<string, unknown> = {};
    for (let i = 0; i < this.requested.length; i++) {
      if (!judgement.readable[i]) continue;
      const f = this.requested[i];
      const value = this.numeric[i] ? toNumber(raw[f]) : (raw[f] ?? null);
      const transform = judgement.transforms?.[i];
      values[f] = transform ? applyTransform(transform, value, this.policy.pseudonymKey) : value;
    }
    return { values, redactions: judgement.redactions };
  }

  private judgementFor(rights: RowRights): Judgement {
    let judgement = this.judgements.get(rights);
    if (judgement) return judgement;
    const readable = this.requested.map((f) => this.selectable.has(f) && rights.permitted.has(f));
    const redactions = this.requested.filter((_, i) => !readable[i]).map((field) => ({ field, ...rights.reasons.get(field)! }));
    if (rights.ruleId) this.ruleIds.add(rights.ruleId);
    this.requested.forEach((f, i) => (readable[i] ? this.fieldsReturned : this.fieldsWithheld).add(f));
    for (const r of redactions) if (r.ruleId) this.ruleIds.add(r.ruleId);
    const transforms = rights.transforms ? this.requested.map((f, i) => (readable[i] ? (rights.transforms!.get(f) ?? null) : null)) : null;
    transforms?.forEach((t, i) => {
      if (t) this.fieldsTransformed.set(this.requested[i], describeTransform(t));
    });
    judgement = { readable, redactions, transforms };
    this.judgements.set(rights, judgement);
    return judgement;
  }

  /** Looks the row's condition values up in the memo; asks CASL on a miss. */
  private rightsFor(raw: Record<string, unknown>): RowRights {
    const fields = this.conditionFields;
    let node = this.memo.tree;
    for (let i = 0; i < fields.length - 1; i++) {
      const key = keyOf(raw[fields[i]]);
      let next = node.get(key) as RightsTree | undefined;
      if (!next) node.set(key, (next = new Map()));
      node = next;
    }
    const leafKey = fields.length === 0 ? '' : keyOf(raw[fields[fields.length - 1]]);
    let rights = node.get(leafKey) as RowRights | undefined;
    if (rights) {
      this.fillReasons(rights, raw);
      return rights;
    }
    if (this.memo.size >= MEMO_LIMIT) {
      this.memo.tree.clear();
      this.memo.size = 0;
      return this.rightsFor(raw);
    }
    const row = normalize(this.subject, raw);
    const ability = this.policy.ability;
    const permitted = new Set(permittedFields(ability, 'read', this.subject, row));
    let transforms: Map<string, FieldTransform> | null = null;
    if (this.policy.transforms) {
      for (const f of permitted) {
        const t = transformFor(ability, this.subject, row, f);
        if (t) (transforms ??= new Map()).set(f, t);
      }
    }
    rights = { permitted, ruleId: decidingRuleId(ability, 'read', this.subject, row), reasons: new Map(), transforms };
    this.fillReasons(rights, raw);
    node.set(leafKey, rights);
    this.memo.size++;
    return rights;
  }

  /** The withholding reasons this request's fields need (most rows need none). */
  private fillReasons(rights: RowRights, raw: Record<string, unknown>): void {
    if (this.judgements.has(rights)) return;
    let row: Record<string, unknown> | null = null;
    for (const field of this.requested) {
      if (rights.permitted.has(field) && this.selectable.has(field)) continue;
      if (rights.reasons.has(field)) continue;
      row ??= normalize(this.subject, raw);
      rights.reasons.set(field, withholdingReason(this.policy.ability, 'read', this.subject, row, field));
    }
  }
}

/** Absent is not null to CASL (`{ f: null }` matches one, not the other), so it has its own key. */
const ABSENT = Symbol('absent');

/** The memo key of a stored value: a date by its instant (a driver may hand out Date objects). */
function keyOf(value: unknown): unknown {
  if (value === undefined) return ABSENT;
  return value instanceof Date ? value.getTime() : value;
}

/** The given fields of a stored row as the API gives them (numbers as numbers, absent as null). */
export function valuesOf(subject: SubjectName, fields: readonly string[], raw: Record<string, unknown>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of fields) values[f] = isNumeric(subject, f) ? toNumber(raw[f]) : (raw[f] ?? null);
  return values;
}

/** Drivers differ in how they hand numbers back; the API always gives numbers. */
export function normalize(subject: SubjectName, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of Object.keys(raw)) out[f] = isNumeric(subject, f) ? toNumber(raw[f]) : raw[f];
  return out;
}

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'number' ? value : Number(value);
}

function isNumeric(subject: SubjectName, field: string): boolean {
  const type = SUBJECTS[subject].fields[field]?.type;
  return type === 'number' || type === 'integer';
}
