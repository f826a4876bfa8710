import { randomUUID } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { positional } from '../database/positional-sql';

/** The counts of each push partners made (see DataQualityService). */
export const TABLES = ['push_tallies'] as const;

/** One push's counts, as written. */
export interface NewPushTally {
  partnerId: string;
  source: string;
  receivedAt: Date;
  events: number;
  accepted: number;
  refused: number;
  duplicates: number;
  late: number;
  outOfOrder: number;
  /** Refusal code → count. */
  refusedByCode: Record<string, number>;
}

/** The counts of a partner's pushes from one source over a window, summed. */
export interface SourceTotals {
  source: string;
  pushes: number;
  received: number;
  accepted: number;
  refused: number;
  duplicates: number;
  late: number;
  outOfOrder: number;
}

export async function insertPushTally(m: EntityManager, t: NewPushTally): Promise<void> {
  await m.query(
    positional(
      m,
      `INSERT INTO push_tallies (id, partner_id, source, received_at, events, accepted, refused, duplicates, late, out_of_order, refused_codes)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    [
      randomUUID(),
      t.partnerId,
      t.source,
      t.receivedAt.toISOString(),
      t.events,
      t.accepted,
      t.refused,
      t.duplicates,
      t.late,
      t.outOfOrder,
      JSON.stringify(t.refusedByCode),
    ],
  );
}

/** A partner's pushes received in [since, until] (ISO 8601), summed per source. */
export async function totalsBySource(m: EntityManager, partnerId: string, since: string, until: string): Promise<SourceTotals[]> {
  const rows = await m.query<Array<Record<string, unknown>>>(
    positional(
      m,
      `SELECT source, COUNT(*) AS pushes, SUM(events) AS received, SUM(accepted) AS accepted,
        SUM(refused) AS refused, SUM(duplicates) AS duplicates, SUM(late) AS late, SUM(out_of_order) AS out_of_order
      FROM push_tallies WHERE partner_id = ? AND received_at >= ? AND received_at <= ? GROUP BY source`,
    ),
    [partnerId, since, until],
  );
  return rows.map((r) => ({
    source: String(r.source),
    pushes: Number(r.pushes ?? 0),
    received: Number(r.received ?? 0),
    accepted: Number(r.accepted ?? 0),
    refused: Number(r.refused ?? 0),
    duplicates: Number(r.duplicates ?? 0),
    late: Number(r.late ?? 0),
    outOfOrder: Number(r.out_of_order ?? 0),
  }));
}

/** The refusal counts (code → count) of each of a partner's pushes in [since, until] that refused any event. */
export async function refusalsOf(m: EntityManager, partnerId: string, since: string, until: string): Promise<Array<Record<string, number>>> {
  const rows = await m.query<Array<{ refused_codes: string }>>(
    positional(m, 'SELECT refused_codes FROM push_tallies WHERE partner_id = ? AND received_at >= ? AND received_at <= ? AND refused > 0'),
    [partnerId, since, until],
  );
  return rows.map((r) => JSON.parse(r.refused_codes) as Record<string, number>);
}
