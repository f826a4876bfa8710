import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

/**
 * An ioredis client that never holds a request while Redis is away: a command sent while
 * disconnected fails at once (no offline queue), one that gets no answer fails after
 * `commandTimeout`; the client keeps reconnecting in the background. Connection errors are logged
 * once per outage, as JSON through the application logger (an ioredis client without an 'error'
 * listener writes each reconnect failure to stderr as plain text).
 */
export function redisClient(url: string, name: string, options: RedisOptions = {}): Redis {
  const logger = new Logger(`Redis ${name}`);
  const client = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 500,
    connectTimeout: 2000,
    // Reconnect soon after an outage, at most every 2 s.
    retryStrategy: (times) => Math.min(times * 100, 2000),
    ...options,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`unreachable (${error.message}); reconnecting in the background`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('reconnected');
  });
  return client;
}
