import { Provider } from '@nestjs/common';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { AppConfig } from '../config/app-config';
import { FixedWindowMemoryStorage } from './fixed-window-memory-storage';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/** In memory on the embedded default; in Redis when replicas share REDIS_URL (one quota per partner). */
export const rateLimitStorageProvider: Provider = {
  provide: RATE_LIMIT_STORAGE,
  inject: [AppConfig],
  useFactory: (config: AppConfig) =>
    config.REDIS_URL
      ? new ThrottlerStorageRedisService(config.REDIS_URL, { maxRetriesPerRequest: 1, connectTimeout: 2000 })
      : new FixedWindowMemoryStorage(),
};
