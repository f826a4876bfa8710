import type BetterSqlite3 from 'better-sqlite3';
import type { Pool, PoolClient, QueryConfig } from 'pg';
import { EntityManager } from 'typeorm';
import { DatabaseService } from '../database/database.service';
import { chainEvent, ChainedAuditEvent } from './audit-chain';
import { AuditEventEntity } from './audit-event.entity';
import { AuditEventInput } from './audit-record';

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

function chainAll(events: AuditEventInput[], seq: bigint, hash: string): ChainedAuditEvent[] {
  return events.map((e) => {
    const c = chainEvent(e, seq, hash);
    seq += 1n;
    hash = c.hash;
    return c;
  });
}
