import { accessSync, constants } from 'node:fs';
import { basename } from 'node:path';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource, EntityManager } from 'typeorm';

export type Dialect = 'sqlite' | 'postgres';

/**
 * The gateway's one door to the database. On PostgreSQL it is a thin wrapper over the pool.
 * The embedded SQLite store has a single connection: a transaction that awaits between its
 * statements must not let another request's statements run inside it, so all work on SQLite
 * is queued here, one unit at a time.
 */
@Injectable()
export class DatabaseService {
  readonly dialect: Dialect;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(@InjectDataSource() readonly dataSource: DataSource) {
    this.dialect = dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  /** Read-only work outside a transaction. */
  read<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return work(this.dataSource.manager);
    return this.serialize(() => work(this.dataSource.manager));
  }

  /** Work that commits together or not at all. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    if (this.dialect === 'postgres') return this.dataSource.transaction(work);
    return this.serialize(() => this.dataSource.transaction(work));
  }

  /**
   * SQLite only: synchronous work on the native connection, queued like any other unit. For the
   * hottest statements (the audit append), where TypeORM's per-statement overhead costs more than
   * the statement itself.
   */
  native<T>(work: (connection: BetterSqlite3.Database) => T): Promise<T> {
    if (this.dialect !== 'sqlite') throw new Error('native() is for the embedded SQLite store');
    return this.serialize(() => Promise.resolve().then(() => work(this.sqliteConnection())));
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const unit = () => {
      this.settle();
      return work();
    };
    const run = this.queue.then(unit, unit);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Units run one at a time, so none may start inside a transaction. But a COMMIT that fails (disk
   * I/O error, disk full, files gone read-only) can leave the connection in its transaction, or
   * TypeORM counting one that SQLite already rolled back; TypeORM would then begin the next
   * transaction as a savepoint inside one that is never committed: answered as written, visible to
   * this connection only, lost. So each unit starts by rolling back what is open (if that fails, the
   * unit fails with SQLite's error, a 503) and by resetting TypeORM's count.
   */
  private settle(): void {
    this.assertFilesWritable();
    const connection = this.sqliteConnection();
    // The SQLite driver has one query runner, shared by all work; these are its transaction counters.
    const runner = this.dataSource.createQueryRunner() as unknown as { isTransactionActive: boolean; transactionDepth: number };
    if (connection?.inTransaction) connection.exec('ROLLBACK');
    runner.isTransactionActive = false;
    runner.transactionDepth = 0;
  }

  /**
   * SQLite keeps its WAL index in the `-shm` file, mapped into memory: a write to it after the file
   * has become unwritable (immutable, a filesystem remounted read-only) is not an error SQLite can
   * return but a SIGBUS that ends the process. So each unit first asks the kernel whether the store's
   * files can still be written (a few microseconds) and fails with SQLITE_READONLY (a 503) if not;
   * an unwritable database file alone would let writes land in the WAL that can never be
   * checkpointed, so it is refused too.
   */
  private assertFilesWritable(): void {
    const file = this.dataSource.options.database;
    if (typeof file !== 'string') return;
    for (const f of [file, `${file}-wal`, `${file}-shm`]) {
      try {
        accessSync(f, constants.W_OK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') continue;
        throw Object.assign(new Error(`attempt to write a readonly database (${basename(f)}: ${code})`), { code: 'SQLITE_READONLY' });
      }
    }
  }

  /** SQLite: the native connection. Only for work already running in a queued unit (native, read, transaction). */
  sqliteConnection(): BetterSqlite3.Database {
    return (this.dataSource.driver as unknown as { databaseConnection: BetterSqlite3.Database }).databaseConnection;
  }
}
