import { EventEmitter, on } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import Redis from 'ioredis';
import { PublishShipmentChanges } from '../access/record-changes';
import { redisClient } from '../common/redis-client';
import { AppConfig } from '../config/app-config';

export interface ShipmentChange {
  shipmentId: string;
  at: string;
}

/**
 * Tells live subscribers that a shipment changed (only its id: what a subscriber may see is
 * decided at delivery, by its own policy). In one process through an emitter; across replicas
 * through Redis pub/sub when REDIS_URL is set.
 */
@Injectable()
export class ShipmentChanges implements PublishShipmentChanges, OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(ShipmentChanges.name);
  private readonly emitter = new EventEmitter();
  private readonly origin = randomUUID();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;
  private readonly channel: string;
  private subscribed: Promise<void> | null = null;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.emitter.setMaxListeners(0);
    this.channel = `${config.REDIS_KEY_PREFIX}shipment-changes`;
    if (config.REDIS_URL) {
      this.publisher = redisClient(config.REDIS_URL, 'publisher');
      // The subscription waits for Redis however long it is away (then ioredis renews it on every reconnect).
      this.subscriber = redisClient(config.REDIS_URL, 'subscriber', { enableOfflineQueue: true, maxRetriesPerRequest: null, commandTimeout: undefined });
      this.subscribed = this.subscriber.subscribe(this.channel).then(
        () => undefined,
        (e: Error) => this.logger.warn(`redis subscribe failed: ${e.message}`),
      );
      this.subscriber.on('message', (_channel, message) => {
        const notice = parseNotice(message);
        if (!notice) this.logger.warn('ignored a malformed shipment-change notice on Redis');
        else if (notice.origin !== this.origin) this.emitter.emit('change', notice.change);
      });
    }
  }

  publish(shipmentId: string): void {
    const change = { shipmentId, at: new Date().toISOString() };
    this.emitter.emit('change', change);
    // While Redis is away other replicas' subscribers miss the change (the outage is logged once).
    if (this.publisher?.status !== 'ready') return;
    this.publisher.publish(this.channel, JSON.stringify({ origin: this.origin, change })).catch((e: Error) => this.logger.warn(`publish failed: ${e.message}`));
  }

  /** Changes from now on, until the consumer stops iterating. */
  async *changes(signal?: AbortSignal): AsyncGenerator<ShipmentChange> {
    try {
      for await (const [change] of on(this.emitter, 'change', { signal })) yield change as ShipmentChange;
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  }

  /** With REDIS_URL, start listening before the gateway takes traffic (bounded: ioredis keeps trying). */
  async onModuleInit(): Promise<void> {
    if (!this.subscribed) return;
    const waited = await Promise.race([this.subscribed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())]);
    if (!waited) this.logger.warn('not yet subscribed to shipment-change notices on Redis; live updates from other replicas start once it is');
  }

  async onModuleDestroy(): Promise<void> {
    // QUIT waits for a reply; a connection that is not up would hold the shutdown until it gives up.
    const close = (r: Redis | null) => (r?.status === 'ready' ? r.quit().catch(() => undefined) : r?.disconnect());
    await Promise.all([close(this.publisher), close(this.subscriber)]);
  }
}

/** Anyone with access to Redis can publish on the channel: a notice is only ever a shipment id. */
export function parseNotice(message: string): { origin: string; change: ShipmentChange } | null {
  try {
    const { origin, change } = JSON.parse(message) as { origin?: unknown; change?: { shipmentId?: unknown; at?: unknown } };
    if (typeof origin !== 'string' || typeof change?.shipmentId !== 'string' || typeof change.at !== 'string') return null;
    return { origin, change: { shipmentId: change.shipmentId, at: change.at } };
  } catch {
    return null;
  }
}
