import { Logger, OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import type Redis from 'ioredis';
import { MetricsService } from '../observability/metrics.service';
import { FixedWindowMemoryStorage } from './fixed-window-memory-storage';

/**
 * Quotas shared by all replicas in Redis; while Redis cannot be reached, each replica counts on its
 * own (a partner may then get up to its quota once per replica) rather than refusing every partner.
 * Entering and leaving that state is logged once each and shown by gateway_rate_limit_fallback.
 */
export class FallbackRateLimitStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimit');
  private readonly shared: ThrottlerStorageRedisService;
  private readonly local = new FixedWindowMemoryStorage();
  private fallingBack = false;

  constructor(
    private readonly redis: Redis,
    private readonly metrics: MetricsService,
  ) {
    this.shared = new ThrottlerStorageRedisService(redis);
    metrics.rateLimitFallback.set(0);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    if (this.redis.status === 'ready') {
      try {
        const record = await this.shared.increment(key, ttl, limit, blockDuration, throttlerName);
        this.fallBack(false);
        return record;
      } catch (error) {
        this.fallBack(true, (error as Error).message);
      }
    } else {
      this.fallBack(true, `connection ${this.redis.status}`);
    }
    this.metrics.rateLimitFallbackRequests.inc();
    return this.local.increment(key, ttl, limit, blockDuration, throttlerName);
  }

  private fallBack(on: boolean, why?: string): void {
    if (on === this.fallingBack) return;
    this.fallingBack = on;
    this.metrics.rateLimitFallback.set(on ? 1 : 0);
    if (on) this.logger.warn(`Redis unavailable (${why}): per-replica quotas until it returns (each replica counts a partner's requests on its own)`);
    else this.logger.log('Redis is back: shared quotas resumed');
  }

  onApplicationShutdown(): void {
    this.local.onApplicationShutdown();
    this.redis.disconnect();
  }
}
