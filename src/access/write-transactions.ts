import { EntityManager } from 'typeorm';
import { SubjectName } from '../data/subjects';
import { CompiledPolicy } from '../policy/policy-compiler';
import { AccessSummary } from '../audit/access-summary';
import { Caller } from './caller';

export interface WriteResult {
  status: number;
  body: { data: Record<string, unknown>; meta: Record<string, unknown> };
  replayed: boolean;
  /** What the write decided, for the request's audit event (already in the event the write committed with). */
  summary: AccessSummary;
}

/** What a write is, for judging a replay of its answer again. */
export interface ReplayRights {
  policy: CompiledPolicy;
  action: 'create' | 'update';
  subject: SubjectName;
  /** Whether the answer's `data` is the written row (a single write), not a summary (a push). */
  answerIsRow: boolean;
}

/** The work of one write inside its transaction: the status and body it answers with, and what it decided. */
export type WriteWork = (m: EntityManager) => Promise<{ status: number; body: WriteResult['body']; summary: AccessSummary }>;

/**
 * Runs a governed write with its audit event in one transaction. With an Idempotency-Key, a replay
 * returns the first answer judged again under the policy in force, and writes nothing but its own
 * audit event. Implemented by src/idempotency (idempotent-transactions.ts), which sits above this
 * folder: the write services here and in src/logistics state what to write, it decides whether to.
 * `decided` is what the write decided before its transaction (its action, its policy); the event
 * appended in the transaction holds it and the work's summary, complete before the append.
 */
export abstract class WriteTransactions {
  abstract run(
    caller: Caller,
    route: string,
    body: Record<string, unknown>,
    rights: ReplayRights,
    decided: AccessSummary,
    work: WriteWork,
  ): Promise<WriteResult>;
}
