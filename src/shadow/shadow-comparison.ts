import { compareCodePoints } from '../policy/policy-compiler';

/** One row of an answer as far as shadow mode looks at it: its id and the names of the fields returned. */
export interface RowView {
  id: string;
  fields: readonly string[];
}

/** How a candidate's answer differs from the answer given: counts and field names, never values. */
export interface Difference {
  rowsGained: number;
  rowsLost: number;
  fieldsGained: string[];
  fieldsLost: string[];
  /** Ids of the rows that differ (to find the rules behind them; never reported). */
  gainedIds: string[];
  lostIds: string[];
  changedIds: string[];
}

export const NO_DIFFERENCE: Difference = { rowsGained: 0, rowsLost: 0, fieldsGained: [], fieldsLost: [], gainedIds: [], lostIds: [], changedIds: [] };

export function differs(d: Difference): boolean {
  return d.rowsGained > 0 || d.rowsLost > 0 || d.fieldsGained.length > 0 || d.fieldsLost.length > 0;
}

/**
 * Compares the rows the candidate would have answered with those answered, over the ids both pages
 * cover: rows with an id up to `upTo` (inclusive; null: every row), since a page cut by its limit
 * says nothing about the ids after its last. A row in one answer only is gained or lost; on a row
 * in both, a field returned by one only is gained or lost.
 */
export function compareReads(live: readonly RowView[], candidate: readonly RowView[], upTo: string | null): Difference {
  const within = (r: RowView) => upTo === null || compareCodePoints(r.id, upTo) <= 0;
  const liveById = new Map(live.filter(within).map((r) => [r.id, r.fields]));
  const candidateById = new Map(candidate.filter(within).map((r) => [r.id, r.fields]));
  const gainedIds: string[] = [];
  const lostIds: string[] = [];
  const changedIds: string[] = [];
  const fieldsGained = new Set<string>();
  const fieldsLost = new Set<string>();
  for (const [id, fields] of candidateById) {
    const before = liveById.get(id);
    if (!before) {
      gainedIds.push(id);
      continue;
    }
    const had = new Set(before);
    const has = new Set(fields);
    let changed = false;
    for (const f of has)
      if (!had.has(f)) {
        fieldsGained.add(f);
        changed = true;
      }
    for (const f of had)
      if (!has.has(f)) {
        fieldsLost.add(f);
        changed = true;
      }
    if (changed) changedIds.push(id);
  }
  for (const id of liveById.keys()) if (!candidateById.has(id)) lostIds.push(id);
  return {
    rowsGained: gainedIds.length,
    rowsLost: lostIds.length,
    fieldsGained: [...fieldsGained].sort(),
    fieldsLost: [...fieldsLost].sort(),
    gainedIds,
    lostIds,
    changedIds,
  };
}

/** The tally of one operation (e.g. `read DemandSignal`) while a shadow runs. */
export interface OperationTally {
  evaluated: number;
  differing: number;
  rowsGained: number;
  rowsLost: number;
  fieldsGained: Set<string>;
  fieldsLost: Set<string>;
  ruleIds: Set<string>;
}

export function emptyTally(): OperationTally {
  return { evaluated: 0, differing: 0, rowsGained: 0, rowsLost: 0, fieldsGained: new Set(), fieldsLost: new Set(), ruleIds: new Set() };
}

/** Adds one evaluated operation, and the rules that decided the rows that differ. */
export function addToTally(tally: OperationTally, d: Difference, ruleIds: Iterable<string> = []): void {
  tally.evaluated += 1;
  if (differs(d)) tally.differing += 1;
  tally.rowsGained += d.rowsGained;
  tally.rowsLost += d.rowsLost;
  for (const f of d.fieldsGained) tally.fieldsGained.add(f);
  for (const f of d.fieldsLost) tally.fieldsLost.add(f);
  for (const r of ruleIds) tally.ruleIds.add(r);
}

/** One stored tally row (read back by talliesOf in shadows.table.ts). */
export interface StoredTally {
  operation: string;
  evaluated: number;
  differing: number;
  errors: number;
  rowsGained: number;
  rowsLost: number;
  fieldsGained: readonly string[];
  fieldsLost: readonly string[];
  ruleIds: readonly string[];
}

/** The per-request counts are stored under this operation name. */
export const REQUESTS = '';

export interface OperationReport {
  operation: string;
  evaluated: number;
  differing: number;
  rowsGained: number;
  rowsLost: number;
  fieldsGained: string[];
  fieldsLost: string[];
  ruleIds: string[];
}

/** Sums the tallies of every replica and flush: requests evaluated and differing, and per operation. */
export function sumTallies(rows: readonly StoredTally[]): { evaluated: number; differing: number; errors: number; operations: OperationReport[] } {
  let evaluated = 0;
  let differing = 0;
  let errors = 0;
  const ops = new Map<string, OperationTally>();
  for (const r of rows) {
    if (r.operation === REQUESTS) {
      evaluated += r.evaluated;
      differing += r.differing;
      errors += r.errors;
      continue;
    }
    let t = ops.get(r.operation);
    if (!t) ops.set(r.operation, (t = emptyTally()));
    t.evaluated += r.evaluated;
    t.differing += r.differing;
    t.rowsGained += r.rowsGained;
    t.rowsLost += r.rowsLost;
    for (const f of r.fieldsGained) t.fieldsGained.add(f);
    for (const f of r.fieldsLost) t.fieldsLost.add(f);
    for (const id of r.ruleIds) t.ruleIds.add(id);
  }
  const operations = [...ops.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([operation, t]) => ({
      operation,
      evaluated: t.evaluated,
      differing: t.differing,
      rowsGained: t.rowsGained,
      rowsLost: t.rowsLost,
      fieldsGained: [...t.fieldsGained].sort(),
      fieldsLost: [...t.fieldsLost].sort(),
      ruleIds: [...t.ruleIds].sort(),
    }));
  return { evaluated, differing, errors, operations };
}
