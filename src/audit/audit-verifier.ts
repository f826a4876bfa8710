import { GENESIS_HASH, hashEvent } from './audit-chain';
import { AuditChainReader } from './audit-event-rows';
import { toChained } from './audit-event.view';

export interface VerifyResult {
  ok: boolean;
  checked: number;
  head: string | null;
  headSeq: number;
  from: number;
  to: number;
  brokenSeq?: number;
  reason?: 'hash-mismatch' | 'broken-link' | 'gap' | 'head-mismatch' | 'checkpoint-mismatch';
  detail?: string;
}

const PAGE = 1000;

/**
 * Walks the chain in seq order, a page at a time (constant memory): every seq follows the last
 * (no gap), links to the previous hash, and hashes to what it says. The whole chain must end at
 * the head row. `chain` reads the events and the head (audit-events.table.ts).
 */
export async function verifyChain(chain: AuditChainReader, range: { from?: number; to?: number } = {}): Promise<VerifyResult> {
  const headRow = await chain.head();
  const headSeq = headRow?.seq ?? 0;
  const from = Math.max(1, range.from ?? 1);
  const to = Math.min(range.to ?? headSeq, headSeq);
  // A range that starts after the head holds no event yet: nothing to check, nothing broken.
  if (from > headSeq) return { ok: true, checked: 0, head: headRow?.hash ?? null, headSeq, from, to };
  let prevHash = GENESIS_HASH;
  if (from > 1) {
    const prev = await chain.eventHash(from - 1);
    if (prev === null)
      return { ok: false, checked: 0, head: null, headSeq, from, to, brokenSeq: from - 1, reason: 'gap', detail: `event ${from - 1} is missing` };
    prevHash = prev;
  }
  let expected = from;
  let checked = 0;
  let lastHash: string | null = from > 1 ? prevHash : null;
  while (expected <= to) {
    const rows = await chain.events(expected, to, PAGE);
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      const fail = (reason: VerifyResult['reason'], detail: string): VerifyResult => ({
        ok: false,
        checked,
        head: lastHash,
        headSeq,
        from,
        to,
        brokenSeq: seq,
        reason,
        detail,
      });
      if (seq !== expected) return { ...fail('gap', `expected seq ${expected}, found ${seq}`), brokenSeq: expected };
      if (String(row.prev_hash) !== prevHash) return fail('broken-link', `prevHash does not match the hash of event ${seq - 1}`);
      const chained = toChained(row);
      if (hashEvent(chained) !== String(row.hash)) return fail('hash-mismatch', `event ${seq} does not hash to its stored hash`);
      prevHash = String(row.hash);
      lastHash = prevHash;
      expected = seq + 1;
      checked++;
    }
  }
  if (expected <= to) {
    return { ok: false, checked, head: lastHash, headSeq, from, to, brokenSeq: expected, reason: 'gap', detail: `events ${expected}..${to} are missing` };
  }
  if (range.to === undefined && headSeq > 0 && lastHash !== headRow?.hash) {
    return {
      ok: false,
      checked,
      head: lastHash,
      headSeq,
      from,
      to,
      brokenSeq: headSeq,
      reason: 'head-mismatch',
      detail: 'the last event does not match the chain head',
    };
  }
  return { ok: true, checked, head: lastHash, headSeq, from, to };
}
