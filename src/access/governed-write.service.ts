import { subject as asSubject } from '@casl/ability';
import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AccessSummary, deciding, merge, summaryOf, touched } from '../audit/access-summary';
import { GatewayError } from '../common/gateway-error';
import { fieldsOf, SUBJECTS, SubjectName } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { CompiledPolicy } from '../policy/policy-compiler';
import { AccessObserver, ObservedWrite } from './access-observer';
import { Caller } from './caller';
import { assertChosenId } from './client-ids';
import { GovernedDataService } from './governed-data.service';
import { insertSubjectRows, selectRows, subjectRowExists, updateSubjectRow } from './subject-rows.table';
import { decidingRuleId, permittedFields, planFor } from './subject-plans';
import { PublishShipmentChanges, RecordChanges } from './record-changes';
import { normalize } from './row-judge';
import { allColumnsOf, assertConsistent, hasNul, newId, normalizeTimestamps, nullRow, pickFields } from './row-values';
import { applyTransforms } from './transformed-reads';
import { WriteResult, WriteTransactions } from './write-transactions';

/**
 * Governed writes of partner data, from REST and GraphQL alike: a body field must be writable on the
 * row as it is and as it would be, the row must stay inside the caller's conditions, and the answer
 * holds only the fields the caller may read on the written row. Each write runs in one transaction
 * with its audit event (WriteTransactions, idempotent with an Idempotency-Key).
 */
@Injectable()
export class GovernedWriteService {
  constructor(
    protected readonly db: DatabaseService,
    protected readonly reads: GovernedDataService,
    private readonly transactions: WriteTransactions,
    protected readonly changes: PublishShipmentChanges,
    private readonly recordChanges: RecordChanges,
    private readonly observer: AccessObserver,
  ) {}

  /** Creates a row as the caller; every body field must be writable and the row inside the caller's conditions. */
  async create(caller: Caller, subject: SubjectName, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    const action = touched('create', subject);
    const { body, policy, decided } = await deciding(action, async () => {
      const body = normalizeTimestamps(subject, input);
      assertChosenId(caller.principal, body.id);
      const { policy, summary } = await this.reads.policyOf(caller);
      return { body, policy, decided: merge(action, summary) };
    });
    let createdId = '';
    let observed: ObservedWrite | undefined;
    const result = await this.transactions.run(caller, route, body, { policy, action: 'create', subject, answerIsRow: true }, decided, async (m) => {
      const now = new Date().toISOString();
      const defaults = this.pinnedValues(policy, 'create', subject, body);
      const row: Record<string, unknown> = { ...nullRow(subject), ...SUBJECTS[subject].defaults, ...defaults, ...body, updatedAt: now };
      if (row.id === null || row.id === undefined) row.id = newId(subject);
      this.assertWritable(policy, 'create', subject, row, Object.keys(body));
      assertConsistent(subject, row, Object.keys(body));
      if (await subjectRowExists(m, subject, row.id as string))
        throw new GatewayError(409, 'CONFLICT', 'Conflict', { detail: `${subject} '${String(row.id)}' already exists.` });
      await insertSubjectRows(m, subject, [pickFields(subject, row)]);
      createdId = String(row.id);
      const answer = this.writeAnswer(caller, policy, subject, row);
      observed = { caller, action: 'create', subject, policy, row, answered: Object.keys(answer.body.data) };
      return { status: 201, body: answer.body, summary: merge(summaryOf({ resourceIds: [createdId] }), answer.summary) };
    });
    this.observeCommitted(result, observed);
    if (!result.replayed) await this.recordChanges.changed(subject, createdId);
    return result;
  }

  /** Updates a row in the caller's update scope (404 outside their read scope, 403 inside it). */
  async update(caller: Caller, subject: SubjectName, id: string, input: Record<string, unknown>, route: string): Promise<WriteResult> {
    const action = touched('update', subject);
    const { body, policy, decided } = await deciding(action, async () => {
      const body = normalizeTimestamps(subject, input);
      const { policy, summary } = await this.reads.policyOf(caller);
      return { body, policy, decided: merge(action, summary) };
    });
    let observed: ObservedWrite | undefined;
    const result = await this.transactions.run(caller, route, body, { policy, action: 'update', subject, answerIsRow: true }, decided, async (m) => {
      const existing = await this.loadForWrite(m, policy, subject, id);
      const row: Record<string, unknown> = { ...existing, ...body, updatedAt: new Date().toISOString() };
      this.assertWritable(policy, 'update', subject, row, Object.keys(body), existing);
      assertConsistent(subject, row, Object.keys(body));
      await updateSubjectRow(m, subject, id, pickFields(subject, { ...body, updatedAt: row.updatedAt }));
      const answer = this.writeAnswer(caller, policy, subject, row, 'update');
      observed = { caller, action: 'update', subject, policy, row, answered: Object.keys(answer.body.data) };
      return { status: 200, ...answer };
    });
    this.observeCommitted(result, observed);
    if (subject === 'Shipment' && !result.replayed) this.changes.publish(id);
    if (!result.replayed) await this.recordChanges.changed(subject, id);
    return result;
  }

  /** The row to write, read inside the write's transaction: in the caller's update scope, else 403 (readable) or 404. */
  async loadForWrite(m: EntityManager, policy: CompiledPolicy, subject: SubjectName, id: string): Promise<Record<string, unknown>> {
    // No stored id holds U+0000 (PostgreSQL cannot even compare one): not found, as for reads.
    if (hasNul(id)) throw GatewayError.notFound(subject, id.replace(/\u0000/g, '\\0'));
    const rows = await this.selectScoped(m, policy, 'update', subject, id);
    if (rows.length > 0) return rows[0];
    const readable = await this.selectScoped(m, policy, 'read', subject, id);
    if (readable.length > 0) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your policy does not let you update ${subject} '${id}'.` });
    }
    throw GatewayError.notFound(subject, id);
  }

  private async selectScoped(m: EntityManager, policy: CompiledPolicy, action: string, subject: SubjectName, id: string): Promise<Record<string, unknown>[]> {
    const scope = planFor(policy, action, subject, this.db.dialect).rowScope;
    if (!scope) return [];
    const raw = await selectRows(m, subject, allColumnsOf(subject), `${scope.sql} AND t.id = :id`, { ...scope.params, id });
    return raw.map((r) => normalize(subject, r));
  }

  /** The body fields must be writable on the row before (update) and after, and the row inside the caller's conditions. */
  assertWritable(
    policy: CompiledPolicy,
    action: string,
    subject: SubjectName,
    row: Record<string, unknown>,
    bodyFields: string[],
    before?: Record<string, unknown>,
  ): void {
    const plan = planFor(policy, action, subject, this.db.dialect);
    if (!plan.rowScope) {
      throw new GatewayError(403, 'FORBIDDEN', 'Forbidden', { detail: `Your policy does not let you ${action} ${subject}.` });
    }
    if (before) {
      const permitted = permittedFields(policy.ability, action, subject, before);
      const forbidden = bodyFields.filter((f) => !permitted.includes(f));
      if (forbidden.length > 0) throw GatewayError.forbiddenFields(forbidden, action, subject);
    }
    if (!policy.ability.can(action, asSubject(subject, { ...row }))) {
      throw new GatewayError(403, 'OUT_OF_SCOPE', 'Forbidden', {
        detail: `The ${subject} would fall outside what your policy lets you ${action}.`,
      });
    }
    const after = permittedFields(policy.ability, action, subject, row);
    const lost = bodyFields.filter((f) => !after.includes(f));
    if (lost.length > 0) throw GatewayError.forbiddenFields(lost, action, subject);
  }

  /** Values a caller's conditions pin to one value (e.g. supplierId = their id) fill fields they leave out. */
  private pinnedValues(policy: CompiledPolicy, action: string, subject: SubjectName, body: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const rules = policy.ability.rulesFor(action, subject).filter((r) => !r.inverted && r.conditions);
    if (rules.length !== 1) return out;
    for (const [field, cond] of Object.entries(rules[0].conditions as Record<string, unknown>)) {
      if (body[field] !== undefined) continue;
      if (cond === null || typeof cond !== 'object') out[field] = cond;
      else if ('$eq' in cond) out[field] = cond.$eq;
    }
    return out;
  }

  /**
   * Tells the observer (shadow mode) about a write once it and its audit event are committed; a replay
   * wrote nothing, and a write that rolled back never reaches here.
   */
  observeCommitted(result: WriteResult, observed: ObservedWrite | undefined): void {
    if (observed && !result.replayed) this.observer.afterWrite(observed);
  }

  /** The answer to a write: the fields the caller may read on the written row, and its summary for the audit. */
  writeAnswer(
    caller: Caller,
    policy: CompiledPolicy,
    subject: SubjectName,
    row: Record<string, unknown>,
    action: 'create' | 'update' = 'create',
  ): { body: WriteResult['body']; summary: AccessSummary } {
    const readable = permittedFields(policy.ability, 'read', subject, row);
    const data: Record<string, unknown> = { id: row.id };
    for (const f of fieldsOf(subject)) if (readable.includes(f)) data[f] = row[f] ?? null;
    if (policy.transforms) applyTransforms(policy, subject, row, data);
    const ruleId = decidingRuleId(policy.ability, action, subject, row);
    const summary = summaryOf({ fieldsReturned: Object.keys(data), rowCount: 1, resourceIds: [String(row.id)], ruleIds: ruleId ? [ruleId] : [] });
    return { body: { data, meta: { policyVersion: policy.version, purpose: caller.purpose } }, summary };
  }
}
