import Database from 'better-sqlite3';
import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable } from './database-unavailable';

/** A driver error as TypeORM hands it on. */
const failed = (driverError: Error) => new QueryFailedError('INSERT INTO audit_events …', [], driverError);
const sqlite = (code: string, message: string) => failed(new Database.SqliteError(message, code));

describe('isDatabaseUnavailable: a store that cannot serve now, not a wrong statement', () => {
  it.each([
    ['SQLITE_BUSY', 'database is locked'],
    ['SQLITE_BUSY_SNAPSHOT', 'database is locked'],
    ['SQLITE_LOCKED', 'database table is locked'],
    ['SQLITE_READONLY', 'attempt to write a readonly database'],
    ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database'],
    ['SQLITE_IOERR_WRITE', 'disk I/O error'],
    ['SQLITE_IOERR_FSYNC', 'disk I/O error'],
    ['SQLITE_FULL', 'database or disk is full'],
    ['SQLITE_CANTOPEN', 'unable to open database file'],
  ])('%s', (code, message) => {
    expect(isDatabaseUnavailable(sqlite(code, message))).toBe(true);
  });

  it('a real read-only SQLite connection', () => {
    const db = new Database(':memory:');
    db.exec('CREATE TABLE t (x)');
    db.pragma('query_only = ON');
    let error: Error | undefined;
    try {
      db.exec('INSERT INTO t VALUES (1)');
    } catch (e) {
      error = e as Error;
    }
    db.close();
    expect(error).toBeDefined();
    expect(isDatabaseUnavailable(failed(error!))).toBe(true);
  });

  it.each([
    'Query read timeout',
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'Client has encountered a connection error and is not queryable',
  ])('PostgreSQL client: %s', (message) => {
    expect(isDatabaseUnavailable(failed(new Error(message)))).toBe(true);
  });

  it('other database errors are not unavailability', () => {
    expect(isDatabaseUnavailable(sqlite('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: shipments.id'))).toBe(false);
    expect(isDatabaseUnavailable(sqlite('SQLITE_CORRUPT', 'database disk image is malformed'))).toBe(false);
    expect(isDatabaseUnavailable(failed(new Error('syntax error at or near "SELEC"')))).toBe(false);
  });
});
