import { SubjectName } from '../data/subjects';
import { CompiledPolicy } from '../policy/policy-compiler';
import { Caller } from './caller';
import { GovernedRow } from './row-judge';

/** One governed read as answered: what was asked and what the caller's policy let through. */
export interface ObservedRead {
  caller: Caller;
  subject: SubjectName;
  /** The row asked for by id, or null for a list. */
  id: string | null;
  /** The policy the answer was judged by. */
  policy: CompiledPolicy;
  fields: string[] | undefined;
  ungranted: 'refuse' | 'redact';
  /** Equality filters as typed for the query. */
  filters: ReadonlyArray<readonly [string, unknown]>;
  cursor: string | undefined;
  /** The page size asked for (before the policy's maxPageSize). */
  requestedLimit: number | undefined;
  /** The stored rows of the page (with at least `id`) and the caller's view of each, same order. */
  page: ReadonlyArray<Record<string, unknown>>;
  rows: ReadonlyArray<GovernedRow>;
  hasMore: boolean;
}

/** One governed write as answered. */
export interface ObservedWrite {
  caller: Caller;
  action: 'create' | 'update';
  subject: SubjectName;
  policy: CompiledPolicy;
  /** The row as written. */
  row: Record<string, unknown>;
  /** The fields the answer returned. */
  answered: string[];
}

/**
 * Told about each governed read and write once its answer is made (shadow mode compares a candidate
 * policy with it: src/shadow). Must return at once and never throw: it neither changes nor delays the answer.
 */
export abstract class AccessObserver {
  abstract afterRead(read: ObservedRead): void;
  abstract afterWrite(write: ObservedWrite): void;
}
