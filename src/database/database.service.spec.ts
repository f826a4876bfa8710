import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { DatabaseService } from './database.service';

/**
 * SQLite: a COMMIT that fails on a disk error can leave the connection inside its transaction (and
 * TypeORM counting it). Nothing committed afterwards may stay inside that transaction, unseen by
 * other connections and lost on close.
 */
describe('DatabaseService on SQLite after a failed commit', () => {
  let dir: string;
  let dataSource: DataSource;
  let db: DatabaseService;
  const file = () => join(dir, 'store.sqlite');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'database-service-'));
    dataSource = new DataSource({ type: 'better-sqlite3', database: file(), enableWAL: true });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE t (x INTEGER)');
    db = new DatabaseService(dataSource);
  });
  afterEach(async () => {
    if (dataSource.isInitialized) await dataSource.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  /** What another connection sees: only what is durable. */
  const durable = () => {
    const other = new Database(file(), { readonly: true });
    try {
      return (other.prepare('SELECT x FROM t ORDER BY x').all() as Array<{ x: number }>).map((r) => r.x);
    } finally {
      other.close();
    }
  };
  // The state a failed COMMIT leaves behind: the connection in a transaction, TypeORM counting one.
  const strand = () => {
    (dataSource.driver as unknown as { databaseConnection: Database.Database }).databaseConnection.exec('BEGIN');
    Object.assign(dataSource.createQueryRunner(), { isTransactionActive: true, transactionDepth: 1 });
  };

  it('a transaction after it commits for real', async () => {
    await db.transaction((m) => m.query('INSERT INTO t VALUES (1)'));
    strand();
    await db.transaction((m) => m.query('INSERT INTO t VALUES (2)'));
    expect(durable()).toEqual([1, 2]);
  });

  it('a read after it leaves no transaction open', async () => {
    strand();
    await db.read((m) => m.query('SELECT 1'));
    await db.transaction((m) => m.query('INSERT INTO t VALUES (3)'));
    expect(durable()).toEqual([3]);
  });
});
