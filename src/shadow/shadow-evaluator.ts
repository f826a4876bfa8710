import { randomUUID } from 'node:crypto';
import { subject as asSubject } from '@casl/ability';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AccessObserver, ObservedRead, ObservedWrite } from '../access/access-observer';
import { Caller } from '../access/caller';
import { decodeCursor } from '../access/cursor';
import { scopedWhere } from '../access/scoped-where';
import { selectPage } from '../access/subject-rows.table';
import { decidingRuleId, permittedFields, planFor, Scope, SubjectPlan, withholdingReason } from '../access/subject-plans';
import { readShapeOf } from '../access/read-shape';
import { normalize, RowJudge } from '../access/row-judge';
import { AuditRecord } from '../audit/audit-record';
import { AppConfig } from '../config/app-config';
import { fieldsOf, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { MetricsService } from '../observability/metrics.service';
import { uncountableConditionFieldsOf } from '../policy/countable-fields';
import { compilePolicy, compareCodePoints, CompiledPolicy, NO_AGREEMENTS } from '../policy/policy-compiler';
import { PolicyDocument } from '../policy/policy-document';
import { PolicyService } from '../policy/policy.service';
import { partnerPseudonymKey, pseudonymSecret } from '../policy/pseudonym-key';
import { addToTally, compareReads, Difference, differs, emptyTally, OperationTally, REQUESTS, RowView } from './shadow-comparison';
import { findShadowOf, insertTallies, NewTally, shadowIds } from './shadows.table';

/** A candidate policy in shadow, as this replica knows it. */
export interface ActiveShadow {
  partnerId: string;
  shadowId: string;
  document: PolicyDocument;
}

/** How long a replica trusts what it last read of a partner's shadow (started or stopped on another replica). */
const REFRESH_MS = 1000;
/** How often a replica writes what it counted (a report flushes first). */
const FLUSH_MS = 2000;
/** The page size of a read that names none, as governed reads use. */
const DEFAULT_PAGE = 100;
const COMPILED_KEPT = 1000;
/** Evaluations under way at once on a replica; more are skipped (counted in gateway_shadow_evaluations_total). */
const MAX_INFLIGHT = 32;

interface RequestMark {
  sampled: boolean;
  counted: Set<string>;
  differed: Set<string>;
}

interface Pending {
  partnerId: string;
  shadowId: string;
  evaluated: number;
  differing: number;
  errors: number;
  operations: Map<string, OperationTally>;
}

interface Outcome {
  operation: string;
  difference: Difference;
  ruleIds: string[];
}

/**
 * Shadow mode's evaluation: after a partner's governed read or write has made its answer, a sampled
 * share of them (SHADOW_SAMPLE_RATE) is judged again by the candidate policy, in the background, and
 * the differences counted. The answer is never waited for nor changed; a failure here is logged and
 * counted. Counts are kept in memory and added to the database every FLUSH_MS (and before a report),
 * so no answer waits for a tally.
 */
@Injectable()
export class ShadowEvaluator extends AccessObserver implements OnModuleDestroy {
  private readonly logger = new Logger('ShadowMode');
  /** Which partners have a shadow (partner → shadow id), read in one query for all partners at most every REFRESH_MS. */
  private index = { at: 0, shadows: new Map<string, string>() };
  private indexLookup: Promise<void> | null = null;
  /** Shadows started or stopped on this replica, newer than an index read asked before them. */
  private readonly localChanges = new Map<string, { shadowId: string | null; at: number }>();
  /** The candidate documents read, per partner. */
  private readonly known = new Map<string, ActiveShadow>();
  private readonly lookups = new Map<string, Promise<ActiveShadow | null>>();
  private readonly compiled = new Map<string, CompiledPolicy>();
  private readonly requests = new WeakMap<AuditRecord, RequestMark>();
  private readonly inflight = new Set<Promise<void>>();
  private pending = new Map<string, Pending>();
  private flushing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly rate: number;

  constructor(
    private readonly db: DatabaseService,
    private readonly policies: PolicyService,
    private readonly metrics: MetricsService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {
    super();
    this.rate = config.SHADOW_SAMPLE_RATE;
    this.timer = setInterval(() => void this.flush(), FLUSH_MS);
    this.timer.unref();
  }

  afterRead(read: ObservedRead): void {
    try {
      const partnerId = this.target(read.caller);
      if (!partnerId) return;
      // What was answered, taken now: the transport may shape the rows further once it has them.
      const live: RowView[] = read.page.map((raw, i) => ({ id: String(raw.id), fields: Object.keys(read.rows[i].values) }));
      this.schedule(partnerId, read.caller.audit, (shadow) => this.compareRead(shadow, read, live));
    } catch (error) {
      this.logger.warn(`shadow evaluation not started: ${(error as Error).message}`);
    }
  }

  afterWrite(write: ObservedWrite): void {
    try {
      const partnerId = this.target(write.caller);
      if (!partnerId) return;
      const row = { ...write.row };
      const answered = [...write.answered];
      this.schedule(partnerId, write.caller.audit, (shadow) => Promise.resolve(this.compareWrite(shadow, write, row, answered)));
    } catch (error) {
      this.logger.warn(`shadow evaluation not started: ${(error as Error).message}`);
    }
  }

  /** This replica started a shadow: judged from the next request on. */
  started(shadow: ActiveShadow): void {
    this.known.set(shadow.partnerId, shadow);
    this.changedHere(shadow.partnerId, shadow.shadowId);
  }

  /** This replica stopped a partner's shadow: what it still holds uncounted is dropped. */
  stopped(partnerId: string): void {
    this.known.delete(partnerId);
    this.changedHere(partnerId, null);
    for (const [id, p] of this.pending) if (p.partnerId === partnerId) this.pending.delete(id);
  }

  private changedHere(partnerId: string, shadowId: string | null): void {
    this.localChanges.set(partnerId, { shadowId, at: Date.now() });
    if (shadowId) this.index.shadows.set(partnerId, shadowId);
    else this.index.shadows.delete(partnerId);
  }

  /** Waits for the evaluations under way on this replica and writes their tallies (a report sees its own replica's requests). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.inflight]);
    await this.flush();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.settle().catch(() => undefined);
  }

  /** The partner whose request is to be evaluated, or null: not a partner, not sampled, or known to have no shadow. */
  private target(caller: Caller): string | null {
    const { principal } = caller;
    const partnerId = principal.partnerId;
    if (!partnerId || !principal.roles.includes('partner') || this.rate <= 0) return null;
    if (fresh(this.index.at) && !this.index.shadows.has(partnerId)) return null;
    let mark = this.requests.get(caller.audit);
    if (!mark) {
      mark = { sampled: this.rate >= 1 || Math.random() < this.rate, counted: new Set(), differed: new Set() };
      this.requests.set(caller.audit, mark);
    }
    return mark.sampled ? partnerId : null;
  }

  /** Runs after the answer (next turn of the event loop), tracked so a report can wait for it. */
  private schedule(partnerId: string, request: AuditRecord, work: (shadow: ActiveShadow) => Promise<Outcome | null>): void {
    if (this.inflight.size >= MAX_INFLIGHT) {
      // A burst or a slow database: live requests keep the connections; this one goes unevaluated.
      this.metrics.shadowEvaluations.inc({ partner: partnerId, outcome: 'skipped' });
      return;
    }
    const mark = this.requests.get(request)!;
    const run: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.active(partnerId))
      .then(async (shadow) => {
        if (!shadow) return;
        try {
          const outcome = await work(shadow);
          if (outcome) this.count(shadow, mark, outcome);
        } catch (error) {
          this.failed(shadow, mark, error);
        }
      })
      .catch((error: unknown) => this.logger.warn(`shadow lookup failed for ${partnerId}: ${(error as Error).message}`))
      .finally(() => this.inflight.delete(run));
    this.inflight.add(run);
  }

  /** A partner's shadow, after the index of shadows is fresh; its document read once per shadow (one lookup at a time per partner). */
  private async active(partnerId: string): Promise<ActiveShadow | null> {
    if (!fresh(this.index.at)) await this.refreshIndex();
    const shadowId = this.index.shadows.get(partnerId);
    if (!shadowId) return null;
    const known = this.known.get(partnerId);
    if (known?.shadowId === shadowId) return known;
    let lookup = this.lookups.get(partnerId);
    if (!lookup) {
      lookup = this.load(partnerId).finally(() => this.lookups.delete(partnerId));
      this.lookups.set(partnerId, lookup);
    }
    return lookup;
  }

  /** One query for every partner's shadow id: a replica with no shadow running asks nothing per partner. */
  private refreshIndex(): Promise<void> {
    if (!this.indexLookup) {
      const asked = Date.now();
      this.indexLookup = this.db
        .read((m) => shadowIds(m))
        .then((shadows) => {
          // This replica's own starts and stops since the question was asked are newer than the answer.
          for (const [partnerId, change] of this.localChanges) {
            if (change.at < asked) this.localChanges.delete(partnerId);
            else if (change.shadowId) shadows.set(partnerId, change.shadowId);
            else shadows.delete(partnerId);
          }
          this.index = { at: Date.now(), shadows };
        })
        .finally(() => (this.indexLookup = null));
    }
    return this.indexLookup;
  }

  private async load(partnerId: string): Promise<ActiveShadow | null> {
    const row = await this.db.read((m) => findShadowOf(m, partnerId));
    if (!row || row.shadowId !== this.index.shadows.get(partnerId)) return null;
    const shadow = { partnerId, shadowId: row.shadowId, document: JSON.parse(row.document) as PolicyDocument };
    this.known.set(partnerId, shadow);
    return shadow;
  }

  /** The candidate compiled for a purpose, cached per (partner, shadow, purpose, agreements revision) like the policy in force. */
  private candidateFor(shadow: ActiveShadow, purpose: string | null, live: CompiledPolicy): CompiledPolicy {
    const agreements = this.policies.lastSeen(shadow.partnerId)?.agreements ?? NO_AGREEMENTS;
    const key = `${shadow.partnerId}\u0000${shadow.shadowId}\u0000${purpose}\u0000${agreements.revision}`;
    let candidate = this.compiled.get(key);
    if (!candidate || candidate.expiresAt <= Date.now()) {
      candidate = compilePolicy(shadow.document, null, purpose, Date.now(), agreements);
      if (candidate.transforms) {
        candidate.pseudonymKey = live.pseudonymKey ?? partnerPseudonymKey(pseudonymSecret(this.config.DATA_DIR, this.config.PSEUDONYM_KEY), shadow.partnerId);
      }
      if (this.compiled.size >= COMPILED_KEPT) this.compiled.clear();
      this.compiled.set(key, candidate);
    }
    return candidate;
  }

  /**
   * The page the candidate would have answered, read with the candidate's row scope and the same
   * filters, id, cursor and page size, and compared with the page answered over the ids both cover.
   * A read the candidate would refuse (no rows granted, a field or filter it does not grant) loses
   * every row answered.
   */
  private async compareRead(shadow: ActiveShadow, read: ObservedRead, live: RowView[]): Promise<Outcome | null> {
    const { subject } = read;
    const operation = `read ${subject}`;
    const candidate = this.candidateFor(shadow, read.caller.purpose, read.policy);
    if (uncountableConditionFieldsOf(['read'], subject, read.policy, candidate).length > 0) return null;
    const plan = planFor(candidate, 'read', subject, this.db.dialect);
    const shape = plan.rowScope ? readShapeOf(plan, subject, read.fields) : null;
    const refused =
      !plan.rowScope ||
      !shape ||
      (read.ungranted === 'refuse' && shape.ungranted.length > 0) ||
      read.filters.some(([f]) => !plan.grantable.includes(f) || plan.transformed.has(f));
    if (refused) return { operation, difference: compareReads(live, [], null), ruleIds: [] };

    const limit = read.id !== null ? 1 : Math.min(read.requestedLimit ?? DEFAULT_PAGE, candidate.limits.maxPageSize);
    if (this.sameRows(read, plan, limit)) {
      // The candidate's query would be the live one: its rows are the rows answered, judged afresh in memory.
      const judge = new RowJudge(candidate, subject, shape.requested, shape.selectable, plan.conditionFields);
      const views = read.page.map((r) => ({ id: String(r.id), fields: Object.keys(judge.judge(r).values) }));
      const difference = compareReads(live, views, null);
      return { operation, difference, ruleIds: this.rulesBehind(candidate, subject, difference, read.page) };
    }

    // The live page stopped at its last row when cut by its limit: ids after it were not looked at.
    const liveUpTo = read.hasMore && live.length > 0 ? live[live.length - 1].id : null;
    const after = read.cursor ? decodeCursor(subject, read.cursor) : null;
    const { where, params } = scopedWhere(plan, subject, this.db.dialect, { filters: read.filters, id: read.id, after, upTo: liveUpTo });
    const raw = await this.db.read((m) => selectPage(m, subject, shape.columns, where.join(' AND '), params, limit));
    const judge = new RowJudge(candidate, subject, shape.requested, shape.selectable, plan.conditionFields);
    const views = raw.map((r) => ({ id: String(r.id), fields: Object.keys(judge.judge(r).values) }));
    const candidateUpTo = raw.length >= limit && views.length > 0 ? views[views.length - 1].id : null;
    const difference = compareReads(live, views, lowerOf(liveUpTo, candidateUpTo));
    return { operation, difference, ruleIds: this.rulesBehind(candidate, subject, difference, raw) };
  }

  /**
   * Whether the candidate selects exactly the rows answered: the same row scope and page size, the
   * same scopes on the filtered fields, and every field its conditions read in the rows at hand (a
   * candidate that changes fields only, the common case, costs no query).
   */
  private sameRows(read: ObservedRead, plan: SubjectPlan, limit: number): boolean {
    const livePlan = planFor(read.policy, 'read', read.subject, this.db.dialect);
    const liveLimit = read.id !== null ? 1 : Math.min(read.requestedLimit ?? DEFAULT_PAGE, read.policy.limits.maxPageSize);
    if (limit !== liveLimit || !sameScope(plan.rowScope, livePlan.rowScope)) return false;
    if (!read.filters.every(([f]) => sameScope(plan.fieldScopes.get(f) ?? null, livePlan.fieldScopes.get(f) ?? null))) return false;
    const first = read.page[0];
    return !first || plan.conditionFields.every((f) => f in first);
  }

  /** The candidate's rules behind rows gained, and behind fields gained or lost on a row. */
  private rulesBehind(candidate: CompiledPolicy, subject: SubjectName, d: Difference, raw: ReadonlyArray<Record<string, unknown>>): string[] {
    if (!differs(d)) return [];
    const ids = new Set<string>();
    const byId = new Map(raw.map((r) => [String(r.id), r]));
    for (const id of [...d.gainedIds, ...d.changedIds]) {
      const r = byId.get(id);
      if (!r) continue;
      const row = normalize(subject, r);
      const granted = decidingRuleId(candidate.ability, 'read', subject, row);
      if (granted) ids.add(granted);
      for (const f of d.fieldsLost) {
        const withheld = withholdingReason(candidate.ability, 'read', subject, row, f).ruleId;
        if (withheld) ids.add(withheld);
      }
    }
    return [...ids];
  }

  /** Whether the candidate lets the write happen, and which fields its answer would then return. */
  private compareWrite(shadow: ActiveShadow, write: ObservedWrite, row: Record<string, unknown>, answered: string[]): Outcome | null {
    const { subject, action } = write;
    const operation = `${action} ${subject}`;
    const candidate = this.candidateFor(shadow, write.caller.purpose, write.policy);
    if (uncountableConditionFieldsOf(['read', action], subject, write.policy, candidate).length > 0) return null;
    const id = String(row.id);
    const live = [{ id, fields: answered }];
    if (!candidate.ability.can(action, asSubject(subject, { ...row }))) return { operation, difference: compareReads(live, [], null), ruleIds: [] };
    const readable = permittedFields(candidate.ability, 'read', subject, row);
    const fields = ['id', ...fieldsOf(subject).filter((f) => f !== 'id' && readable.includes(f))];
    const difference = compareReads(live, [{ id, fields }], null);
    const ruleId = differs(difference) ? decidingRuleId(candidate.ability, action, subject, row) : null;
    return { operation, difference, ruleIds: ruleId ? [ruleId] : [] };
  }

  private pendingFor(shadow: ActiveShadow): Pending {
    let p = this.pending.get(shadow.shadowId);
    if (!p) {
      p = { partnerId: shadow.partnerId, shadowId: shadow.shadowId, evaluated: 0, differing: 0, errors: 0, operations: new Map() };
      this.pending.set(shadow.shadowId, p);
    }
    return p;
  }

  private count(shadow: ActiveShadow, mark: RequestMark, outcome: Outcome): void {
    if (this.index.shadows.get(shadow.partnerId) !== shadow.shadowId) return;
    const p = this.pendingFor(shadow);
    if (!mark.counted.has(shadow.shadowId)) {
      mark.counted.add(shadow.shadowId);
      p.evaluated += 1;
    }
    const differing = differs(outcome.difference);
    if (differing && !mark.differed.has(shadow.shadowId)) {
      mark.differed.add(shadow.shadowId);
      p.differing += 1;
    }
    let tally = p.operations.get(outcome.operation);
    if (!tally) p.operations.set(outcome.operation, (tally = emptyTally()));
    addToTally(tally, outcome.difference, outcome.ruleIds);
    this.metrics.shadowEvaluations.inc({ partner: shadow.partnerId, outcome: differing ? 'differing' : 'same' });
  }

  private failed(shadow: ActiveShadow, mark: RequestMark, error: unknown): void {
    this.logger.warn(`shadow evaluation failed for ${shadow.partnerId}: ${(error as Error).message}`);
    this.metrics.shadowEvaluations.inc({ partner: shadow.partnerId, outcome: 'error' });
    if (this.index.shadows.get(shadow.partnerId) !== shadow.shadowId) return;
    const p = this.pendingFor(shadow);
    p.errors += 1;
    mark.counted.add(shadow.shadowId);
  }

  /** Adds what this replica counted to the database, one flush at a time; kept for the next one if it fails. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const at = new Date().toISOString();
    const rows: NewTally[] = [];
    for (const p of batch.values()) {
      // A shadow stopped or replaced since (here or on another replica): its counts would never be reported.
      if (this.index.shadows.get(p.partnerId) !== p.shadowId) continue;
      const base = { shadowId: p.shadowId, partnerId: p.partnerId, flushedAt: at };
      rows.push({
        ...base,
        id: randomUUID(),
        operation: REQUESTS,
        evaluated: p.evaluated,
        differing: p.differing,
        errors: p.errors,
        rowsGained: 0,
        rowsLost: 0,
        fieldsGained: [],
        fieldsLost: [],
        ruleIds: [],
      });
      for (const [operation, t] of p.operations) {
        rows.push({
          ...base,
          id: randomUUID(),
          operation,
          evaluated: t.evaluated,
          differing: t.differing,
          errors: 0,
          rowsGained: t.rowsGained,
          rowsLost: t.rowsLost,
          fieldsGained: [...t.fieldsGained].sort(),
          fieldsLost: [...t.fieldsLost].sort(),
          ruleIds: [...t.ruleIds].sort(),
        });
      }
    }
    if (rows.length === 0) return;
    try {
      await this.db.transaction((m) => insertTallies(m, rows));
    } catch (error) {
      this.logger.warn(`shadow tallies not written (kept for the next flush): ${(error as Error).message}`);
      for (const p of batch.values()) this.mergeBack(p);
    }
  }

  private mergeBack(p: Pending): void {
    if (this.index.shadows.get(p.partnerId) !== p.shadowId) return;
    const into = this.pendingFor({ partnerId: p.partnerId, shadowId: p.shadowId, document: this.known.get(p.partnerId)?.document as PolicyDocument });
    into.evaluated += p.evaluated;
    into.differing += p.differing;
    into.errors += p.errors;
    for (const [operation, t] of p.operations) {
      let tally = into.operations.get(operation);
      if (!tally) into.operations.set(operation, (tally = emptyTally()));
      tally.evaluated += t.evaluated;
      tally.differing += t.differing;
      tally.rowsGained += t.rowsGained;
      tally.rowsLost += t.rowsLost;
      for (const f of t.fieldsGained) tally.fieldsGained.add(f);
      for (const f of t.fieldsLost) tally.fieldsLost.add(f);
      for (const r of t.ruleIds) tally.ruleIds.add(r);
    }
  }
}

function fresh(at: number): boolean {
  return Date.now() - at < REFRESH_MS;
}

/** Two SQL scopes alike in text and parameters select the same rows. */
function sameScope(a: Scope | null, b: Scope | null): boolean {
  if (a === null || b === null) return a === b;
  return a.sql === b.sql && JSON.stringify(a.params) === JSON.stringify(b.params);
}

/** The lower of two ids (null: no bound). */
function lowerOf(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  if (b === null) return a;
  return compareCodePoints(a, b) <= 0 ? a : b;
}
