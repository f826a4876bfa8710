import { createHash } from 'node:crypto';
import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { deleteKeysBefore, findKey, IdempotencyKeyRow, replaceExpiredKey } from './idempotency-keys.table';

const PURGE_EVERY_MS = 60 * 60 * 1000;

/**
 * Remembers the first answer to a write sent with an Idempotency-Key, per caller and route, for
 * IDEMPOTENCY_RETENTION_HOURS. An older key is as good as new: not replayed, and purged hourly.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyService.name);
  private purger: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: DatabaseService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.purger = setInterval(() => void this.purgeExpired().catch((e: Error) => this.logger.warn(`idempotency purge failed: ${e.message}`)), PURGE_EVERY_MS);
    this.purger.unref();
  }

  onApplicationShutdown(): void {
    if (this.purger) clearInterval(this.purger);
  }

  hashRequest(body: unknown): string {
    return createHash('sha256').update(stableJson(body)).digest('hex');
  }

  /** The remembered answer, unless it is older than the retention. */
  async find(m: EntityManager, scope: string, key: string): Promise<IdempotencyKeyRow | null> {
    const found = await findKey(m, scope, key);
    return found && found.createdAt >= this.cutoff() ? found : null;
  }

  async save(m: EntityManager, scope: string, key: string, requestHash: string, status: number, body: unknown): Promise<void> {
    // An expired key not purged yet gives way to the new answer.
    await replaceExpiredKey(m, { scope, key, requestHash, status, body: JSON.stringify(body), createdAt: new Date().toISOString() }, this.cutoff());
  }

  /**
   * Deletes keys older than the retention, a bounded batch per statement so that no statement
   * outlasts the statement timeout or holds the embedded store for long; returns how many.
   * Every replica may run it.
   */
  async purgeExpired(batch = 1000): Promise<number> {
    const cutoff = this.cutoff();
    let total = 0;
    for (;;) {
      const deleted = await this.db.transaction((m) => deleteKeysBefore(m, cutoff, batch));
      total += deleted;
      if (deleted < batch) return total;
    }
  }

  private cutoff(): string {
    return new Date(Date.now() - this.config.IDEMPOTENCY_RETENTION_HOURS * 3_600_000).toISOString();
  }
}

/** JSON with object keys sorted, so the same body always hashes the same. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
