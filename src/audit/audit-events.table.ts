import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager } from 'typeorm';
import { DatabaseService } from '../database/database.service';
import { isPostgres, positional } from '../database/positional-sql';
import { chainAll, ChainedAuditEvent } from './audit-chain';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventInput } from './audit-record';
import {
  ActivityCount,
  AuditChainReader,
  AuditEventCriteria,
  AuditEventRow,
  ChainHead,
  PartnerUsageQuery,
  PartnerUsageRow,
  SqlFragment,
} from './audit-event-rows';

export const TABLES = ['audit_events', 'audit_head'] as const;

/** A page of the selected events in seq order. */
export function findAuditEvents(m: EntityManager, criteria: AuditEventCriteria, limit: number): Promise<AuditEventRow[]> {
  const { where, params } = whereOf(m, criteria);
  return m.query<AuditEventRow[]>(positional(m, `SELECT * FROM audit_events WHERE ${where} ORDER BY seq LIMIT ${Number(limit)}`), params);
}

export async function findAuditEvent(m: EntityManager, eventId: string): Promise<AuditEventRow | null> {
  const rows = await m.query<AuditEventRow[]>(positional(m, 'SELECT * FROM audit_events WHERE event_id = ?'), [eventId]);
  return rows[0] ?? null;
}

/** Requests and refusals of the selected events per partner and hour or day, in period and partner order. */
export async function countActivity(m: EntityManager, criteria: AuditEventCriteria, bucket: 'hour' | 'day'): Promise<ActivityCount[]> {
  const { where, params } = whereOf(m, criteria);
  const width = bucket === 'hour' ? 13 : 10;
  const rows = await m.query<Record<string, unknown>[]>(
    positional(
      m,
      `SELECT substr(at, 1, ${width}) AS b, actor_partner_id AS p, COUNT(*) AS n, SUM(CASE WHEN decision = 'deny' THEN 1 ELSE 0 END) AS r ` +
        `FROM audit_events WHERE ${where} GROUP BY substr(at, 1, ${width}), actor_partner_id ORDER BY 1, 2`,
    ),
    params,
  );
  return rows.map((row) => ({
    period: String(row.b),
    partnerId: (row.p as string | null) ?? null,
    requests: Number(row.n),
    refusals: Number(row.r ?? 0),
  }));
}

export async function readChainHead(m: EntityManager): Promise<ChainHead | null> {
  const [row] = await m.query<Array<{ seq: string | number; hash: string }>>(positional(m, 'SELECT seq, hash FROM audit_head WHERE id = ?'), [1]);
  return row ? { seq: Number(row.seq), hash: String(row.hash) } : null;
}

export async function findEventHash(m: EntityManager, seq: number): Promise<string | null> {
  const [row] = await m.query<Array<{ hash: string }>>(positional(m, 'SELECT hash FROM audit_events WHERE seq = ?'), [String(seq)]);
  return row ? String(row.hash) : null;
}

export function findChainRange(m: EntityManager, from: number, to: number, limit: number): Promise<AuditEventRow[]> {
  return m.query<AuditEventRow[]>(positional(m, `SELECT * FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ${Number(limit)}`), [
    String(from),
    String(to),
  ]);
}

/** The chain reads, each run as `read` runs work (DatabaseService.read, or straight on a CLI's manager). */
export function chainReader(read: <T>(work: (m: EntityManager) => Promise<T>) => Promise<T>): AuditChainReader {
  return {
    head: () => read((m) => readChainHead(m)),
    eventHash: (seq) => read((m) => findEventHash(m, seq)),
    events: (from, to, limit) => read((m) => findChainRange(m, from, to, limit)),
  };
}

/**
 * A no-op update of the chain head, inside the caller's transaction: the write path an append takes.
 * On PostgreSQL an append in progress holds the head's lock: waiting behind it proves nothing more
 * and would stall appends queued behind this, so it gives up after 200 ms (error code 55P03).
 */
export async function touchChainHead(m: EntityManager): Promise<void> {
  if (isPostgres(m)) await m.query("SET LOCAL lock_timeout = '200ms'");
  await m.query('UPDATE audit_head SET seq = seq WHERE id = 1');
}

/**
 * Per day, reading partner, subject and field: how many audited reads by OTHER partners returned that
 * field of one of `ownedRecords` (a SELECT of `id, subject` rows, composed by the caller from the
 * records' owners). Counted from the events' resource_ids and fields_returned; no values.
 */
export async function partnerUsage(m: EntityManager, q: PartnerUsageQuery, ownedRecords: SqlFragment): Promise<PartnerUsageRow[]> {
  const elements = (column: string, alias: string) =>
    isPostgres(m) ? `CROSS JOIN LATERAL json_array_elements_text(${column}::json) AS ${alias}(value)` : `CROSS JOIN json_each(${column}) AS ${alias}`;
  const subject = Object.entries(q.children ?? {}).reduce(
    (otherwise, [parent, child]) =>
      `CASE WHEN c.subject = ${literal(parent)} AND (',' || e.subject || ',') LIKE ${literal(`%,${child},%`)} THEN ${literal(child)} ELSE ${otherwise} END`,
    'c.subject',
  );
  const counted = Object.entries(q.fields)
    .map(([s, fields]) => `(x.subject = ${literal(s)} AND f.value IN (${fields.map(literal).join(', ')}))`)
    .join('\n         OR ');
  const sql = `
      SELECT x.partner_id, x.subject, f.value AS field, x.day, COUNT(DISTINCT x.seq) AS n
      FROM (
        SELECT DISTINCT e.seq, e.actor_partner_id AS partner_id, substr(e.at, 1, 10) AS day, e.fields_returned, ${subject} AS subject
        FROM audit_events e
        ${elements('e.resource_ids', 'r')}
        JOIN (${ownedRecords.sql}) c ON c.id = r.value
        WHERE e.at >= ? AND e.at < ?
          AND e.actor_partner_id IS NOT NULL AND e.actor_partner_id <> ?
          AND e.decision IN ('allow', 'partial') AND e.row_count > 0
          AND (',' || e.action || ',') LIKE '%,read,%'
          AND (',' || e.subject || ',') LIKE ('%,' || c.subject || ',%')
      ) x
      ${elements('x.fields_returned', 'f')}
      WHERE ${counted || 'FALSE'}
      GROUP BY x.partner_id, x.subject, f.value, x.day
      ORDER BY x.day, x.partner_id, x.subject, f.value`;
  const rows = await m.query<Record<string, unknown>[]>(positional(m, sql), [...ownedRecords.params, q.from, q.to, q.ownerId]);
  return rows.map((r) => ({ partnerId: String(r.partner_id), subject: String(r.subject), field: String(r.field), day: String(r.day), count: Number(r.n) }));
}

/** A subject or field name of the data model as an SQL string literal. */
function literal(name: string): string {
  if (!/^[A-Za-z0-9_%,.]+$/.test(name)) throw new Error(`not a name of the data model: ${name}`);
  return `'${name}'`;
}

function whereOf(m: EntityManager, c: AuditEventCriteria): { where: string; params: unknown[] } {
  const parts = ['seq > ?'];
  const params: unknown[] = [String(c.afterSeq)];
  const add = (sql: string, value: unknown) => {
    parts.push(sql);
    params.push(value);
  };
  if (c.partnerId) add('actor_partner_id = ?', c.partnerId);
  if (c.sub) add('actor_sub = ?', c.sub);
  if (c.subject) add('subject = ?', c.subject);
  if (c.decision) add('decision = ?', c.decision);
  if (c.from) add('at >= ?', c.from);
  if (c.to) add('at < ?', c.to);
  if (c.resourceId !== undefined) add(jsonArrayHolds(m, 'resource_ids'), c.resourceId);
  if (c.field !== undefined) {
    parts.push(`(${jsonArrayHolds(m, 'fields_returned')} OR ${jsonArrayHolds(m, 'fields_denied')})`);
    params.push(c.field, c.field);
  }
  return { where: parts.join(' AND '), params };
}

/** `column` (a JSON array of strings, as events store lists) holds the next parameter. */
function jsonArrayHolds(m: EntityManager, column: string): string {
  return isPostgres(m)
    ? `${column}::jsonb @> jsonb_build_array(?::text)`
    : `EXISTS (SELECT 1 FROM json_each(audit_events.${column}) WHERE json_each.value = ?)`;
}

interface Column {
  property: keyof ChainedAuditEvent;
  name: string;
  arrayType: string;
}
interface SqliteStatements {
  connection: BetterSqlite3.Database;
  head: BetterSqlite3.Statement;
  insert: BetterSqlite3.Statement;
  move: BetterSqlite3.Statement;
}

/**
 * Writes chained events and the chain head, in as few statements as each store allows: every
 * request appends an event, so this is the hottest write of the gateway. PostgreSQL gets one
 * prepared statement per append (the events as one array per column, `unnest`ed), SQLite prepared
 * statements on its native connection.
 */
export class AuditStore {
  private columns: Column[] | null = null;
  private sqlite: SqliteStatements | null = null;
  private statements: { guarded: QueryConfig; locked: QueryConfig } | null = null;
  /** PostgreSQL: the chain head as this replica last wrote or read it (see appendIfHeadIs). */
  private knownHead: { seq: bigint; hash: string } | null = null;

  constructor(private readonly db: DatabaseService) {}

  /** Appends inside a transaction the caller owns (a write and its event commit together). */
  async appendWithin(manager: EntityManager, events: AuditEventInput[]): Promise<ChainedAuditEvent[]> {
    this.knownHead = null;
    if (this.db.dialect === 'sqlite') return this.appendNative(this.db.sqliteConnection(), events);
    const client = (await manager.queryRunner!.connect()) as PoolClient;
    const {
      rows: [head],
    } = await client.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE');
    if (!head) throw new Error('audit_head row is missing');
    const chained = chainAll(events, BigInt(head.seq), head.hash);
    const last = chained[chained.length - 1];
    await client.query({ ...this.pgStatements().locked, values: [last.seq, last.hash, ...this.arraysOf(chained)] });
    return chained;
  }

  /** A group commit, in a transaction of its own. */
  async appendGroup(events: AuditEventInput[]): Promise<void> {
    if (this.db.dialect === 'sqlite') {
      await this.db.native((connection) => connection.transaction(() => this.appendNative(connection, events))());
      return;
    }
    for (let attempt = 0; attempt < 3; attempt++) if (await this.appendIfHeadIs(events)) return;
    await this.db.transaction((m) => this.appendWithin(m, events));
  }

  /**
   * PostgreSQL: one autocommit statement that moves the head and inserts the events only if the head
   * is still the one this replica last saw; false when another writer moved it. Atomic without a
   * transaction of its own, and one round trip instead of four.
   */
  private async appendIfHeadIs(events: AuditEventInput[]): Promise<boolean> {
    const pool = (this.db.dataSource.driver as unknown as { master: Pool }).master;
    if (!this.knownHead) {
      const {
        rows: [head],
      } = await pool.query<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
      if (!head) throw new Error('audit_head row is missing');
      this.knownHead = { seq: BigInt(head.seq), hash: head.hash };
    }
    const from = this.knownHead;
    const chained = chainAll(events, from.seq, from.hash);
    const last = chained[chained.length - 1];
    this.knownHead = null; // unknown until the answer says
    const { rowCount } = await pool.query({
      ...this.pgStatements().guarded,
      values: [last.seq, last.hash, String(from.seq), from.hash, ...this.arraysOf(chained)],
    });
    if (!rowCount) return false;
    this.knownHead = { seq: BigInt(last.seq), hash: last.hash };
    return true;
  }

  /** SQLite: the events and the new head, on the native connection, inside the current transaction. */
  private appendNative(connection: BetterSqlite3.Database, events: AuditEventInput[]): ChainedAuditEvent[] {
    const columns = this.columnsOf();
    if (this.sqlite?.connection !== connection) {
      this.sqlite = {
        connection,
        head: connection.prepare('SELECT seq, hash FROM audit_head WHERE id = 1'),
        insert: connection.prepare(`INSERT INTO audit_events (${columns.map((c) => c.name).join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`),
        move: connection.prepare('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1'),
      };
    }
    const { head, insert, move } = this.sqlite;
    const at = head.get() as { seq: number | bigint | string; hash: string } | undefined;
    if (!at) throw new Error('audit_head row is missing');
    const chained = chainAll(events, BigInt(at.seq), at.hash);
    for (const e of chained) insert.run(columns.map((c) => e[c.property]));
    const last = chained[chained.length - 1];
    move.run(last.seq, last.hash);
    return chained;
  }

  /**
   * The two PostgreSQL appends, each one named (prepared once per connection) statement whatever the
   * number of events: the guarded autocommit append ($1..$4: new and expected head), and the append
   * under the head's row lock ($1..$2: new head). The events follow, one array per column.
   */
  private pgStatements(): { guarded: QueryConfig; locked: QueryConfig } {
    if (this.statements) return this.statements;
    const columns = this.columnsOf();
    const names = columns.map((c) => c.name).join(', ');
    const rows = (first: number) => `unnest(${columns.map((c, i) => `$${first + i}::${c.arrayType}[]`).join(', ')}) AS v(${names})`;
    this.statements = {
      guarded: {
        name: 'gateway_audit_append_guarded',
        text: `WITH head AS (UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1 AND seq = $3 AND hash = $4 RETURNING 1)
               INSERT INTO audit_events (${names}) SELECT * FROM ${rows(5)} WHERE EXISTS (SELECT 1 FROM head) RETURNING 1`,
      },
      locked: {
        name: 'gateway_audit_append_locked',
        text: `WITH appended AS (INSERT INTO audit_events (${names}) SELECT * FROM ${rows(3)}) UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`,
      },
    };
    return this.statements;
  }

  /** The events as one array per column (the parameters of an `unnest`). */
  private arraysOf(events: ChainedAuditEvent[]): unknown[][] {
    return this.columnsOf().map((c) => events.map((e) => e[c.property] ?? null));
  }

  /** The stored columns of an event, in the entity's order. */
  private columnsOf(): Column[] {
    this.columns ??= this.db.dataSource.getMetadata(AuditEventEntity).columns.map((c) => {
      const type = String(c.type);
      return { property: c.propertyName as keyof ChainedAuditEvent, name: c.databaseName, arrayType: type === 'bigint' || type === 'integer' ? type : 'text' };
    });
    return this.columns;
  }
}
