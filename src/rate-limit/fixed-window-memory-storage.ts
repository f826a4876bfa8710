import { OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

interface Window {
  hits: number;
  expiresAt: number;
  blockExpiresAt: number;
}

/**
 * Per-partner counts in one process: a fixed window with a count, as the Redis storage keeps them.
 * (@nestjs/throttler's own memory storage keeps one timestamp per hit and filters them on every
 * request: a partner allowed 100,000 requests a minute would cost 100,000 comparisons a request.)
 */
export class FixedWindowMemoryStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, Window>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(sweepEveryMs = 60_000) {
    this.sweeper = setInterval(() => this.sweep(Date.now()), sweepEveryMs);
    this.sweeper.unref();
  }

  increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const now = Date.now();
    const id = `${throttlerName}:${key}`;
    let w = this.windows.get(id);
    if (!w || (w.expiresAt <= now && w.blockExpiresAt <= now)) {
      w = { hits: 0, expiresAt: now + ttl, blockExpiresAt: 0 };
      this.windows.set(id, w);
    }
    const blockedBefore = w.blockExpiresAt > now;
    if (!blockedBefore) {
      w.hits += 1;
      if (w.hits > limit) w.blockExpiresAt = now + blockDuration;
    }
    const isBlocked = w.blockExpiresAt > now;
    return Promise.resolve({
      totalHits: w.hits,
      timeToExpire: Math.max(0, Math.ceil((w.expiresAt - now) / 1000)),
      isBlocked,
      timeToBlockExpire: isBlocked ? Math.ceil((w.blockExpiresAt - now) / 1000) : 0,
    });
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  private sweep(now: number): void {
    for (const [id, w] of this.windows) if (w.expiresAt <= now && w.blockExpiresAt <= now) this.windows.delete(id);
  }
}
