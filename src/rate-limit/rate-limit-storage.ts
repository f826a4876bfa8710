import { Provider } from '@nestjs/common';
import { redisClient } from '../common/redis-client';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../health/metrics.service';
import { FallbackRateLimitStorage } from './fallback-rate-limit-storage';
import { FixedWindowMemoryStorage } from './fixed-window-memory-storage';
import { RATE_LIMIT_STORAGE } from './partner-rate-limit.guard';

/**
 * In memory on the embedded default; in Redis when replicas share REDIS_URL (one quota per partner),
 * counted per replica while Redis cannot be reached.
 */
export const rateLimitStorageProvider: Provider = {
  provide: RATE_LIMIT_STORAGE,
  inject: [AppConfig, MetricsService],
  useFactory: (config: AppConfig, metrics: MetricsService) =>
    config.REDIS_URL
      ? new FallbackRateLimitStorage(redisClient(config.REDIS_URL, 'rate-limit'), metrics)
      : new FixedWindowMemoryStorage(),
};
