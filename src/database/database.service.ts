import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
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

  /** Positional parameters: `?` as written, `$n` for PostgreSQL. */
  sql(text: string): string {
    if (this.dialect !== 'postgres') return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
