import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import { isDatabaseUnavailable } from '../common/database-unavailable';

const ATTEMPTS = 10;
const DELAY_MS = 3000;

/** How many attempts to reach the database failed at start. */
export const startupConnection = { failedAttempts: 0 };

/**
 * A database that is not reachable yet (starting alongside the gateway, failing over) is tried
 * again for about half a minute, one short line per attempt; any other failure (wrong password,
 * no such database) ends the start at once. The last failure is reported by bootstrap/serve-gateway.ts in one line.
 */
export function connectRetryOptions(): Pick<TypeOrmModuleOptions, 'retryAttempts' | 'retryDelay' | 'toRetry'> {
  return {
    retryAttempts: ATTEMPTS,
    retryDelay: DELAY_MS,
    toRetry: (error: Error) => {
      startupConnection.failedAttempts++;
      if (!isDatabaseUnavailable(error)) return false;
      if (startupConnection.failedAttempts < ATTEMPTS) {
        process.stderr.write(
          `gateway: the database cannot be reached (${error.message}); attempt ${startupConnection.failedAttempts} of ${ATTEMPTS}, retrying in ${DELAY_MS / 1000} s\n`,
        );
      }
      return true;
    },
  };
}
