import { Provider } from '@nestjs/common';
import { redisClient } from '../common/redis-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../observability/metrics.service';
import { FallbackRateLimitStorage } from './fallback-rate-limit-storage';
import { FixedWindowMemoryStorage } from './fixed-window-memory-storage';

export const RATE_LIMIT_STORAGE = Symbol('RATE_LIMIT_STORAGE');

/**
 * In memory on the embedded default; in Redis when replicas share REDIS_URL (one quota per partner),
 * counted per replica while Redis cannot be reached.
 */
export const rateLimitStorageProvider: Provider = {
  provide: RATE_LIMIT_STORAGE,
  inject: [AppConfig, MetricsService],
  useFactory: (config: AppConfig, metrics: MetricsService) =>
    config.REDIS_URL ? new FallbackRateLimitStorage(redisClient(config.REDIS_URL, 'rate-limit'), metrics) : new FixedWindowMemoryStorage(),
};
