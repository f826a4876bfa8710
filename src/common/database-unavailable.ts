const DB_UNAVAILABLE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|Connection terminated|connection timeout|timeout exceeded|Query read timeout|terminating connection|SQLITE_BUSY|SQLITE_LOCKED|SQLITE_READONLY|SQLITE_CANTOPEN|SQLITE_IOERR|SQLITE_FULL|database is locked|readonly database|disk I\/O error|database or disk is full|unable to open database file|Client has encountered a connection error|Client was closed and is not queryable|Query runner already released|Connection is not established|Pool is closed|statement timeout|canceling statement/i;
const DB_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300', '57014', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']);
/** SQLite result codes, with their extended forms (SQLITE_IOERR_WRITE, SQLITE_READONLY_DBMOVED…), that mean the store cannot be used now. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|READONLY|IOERR|FULL|CANTOPEN)(_[A-Z_]+)?$/;
const unavailableCode = (code: string | undefined) => Boolean(code && (DB_CODES.has(code) || SQLITE_UNAVAILABLE.test(code)));

/**
 * TypeORM's errors when the connection under a transaction was lost between two of its statements:
 * the query runner gave the broken connection back, and the next statement finds it released.
 */
const LOST_RUNNER = new Set([
  'QueryRunnerAlreadyReleasedError',
  'QueryRunnerProviderAlreadyReleasedError',
  'TransactionNotStartedError',
  'ConnectionIsNotSetError',
]);

/**
 * Whether an error means the data store cannot serve now (unreachable, timed out, read-only, full,
 * the connection lost mid-transaction) rather than that the statement itself was wrong. Start-up
 * retries on it (connect-retry.ts) and the transports answer it with 503 instead of 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const e = error as { code?: string; message?: string; name?: string; driverError?: { code?: string } };
  return Boolean(
    e && (unavailableCode(e.code) || unavailableCode(e.driverError?.code) || LOST_RUNNER.has(e.name ?? '') || DB_UNAVAILABLE.test(e.message ?? '')),
  );
}
