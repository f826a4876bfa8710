import { EventEmitter, on } from 'node:events';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

export interface ShipmentChange {
  shipmentId: string;
  at: string;
}

const CHANNEL = 'gateway:shipment-changes';

/**
 * Tells live subscribers that a shipment changed (only its id: what a subscriber may see is
 * decided at delivery, by its own policy). In one process through an emitter; across replicas
 * through Redis pub/sub when REDIS_URL is set.
 */
@Injectable()
export class ShipmentChanges implements OnModuleDestroy {
  private readonly logger = new Logger(ShipmentChanges.name);
  private readonly emitter = new EventEmitter();
  private readonly origin = randomUUID();
  private publisher: Redis | null = null;
  private subscriber: Redis | null = null;

  constructor(@Inject(AppConfig) config: AppConfig) {
    this.emitter.setMaxListeners(0);
    if (config.REDIS_URL) {
      this.publisher = new Redis(config.REDIS_URL, { maxRetriesPerRequest: 1, lazyConnect: false });
      this.subscriber = new Redis(config.REDIS_URL, { lazyConnect: false });
      this.publisher.on('error', (e) => this.logger.warn(`redis publisher: ${e.message}`));
      this.subscriber.on('error', (e) => this.logger.warn(`redis subscriber: ${e.message}`));
      void this.subscriber.subscribe(CHANNEL);
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
    this.publisher?.publish(CHANNEL, JSON.stringify({ origin: this.origin, change })).catch((e: Error) => this.logger.warn(`publish failed: ${e.message}`));
  }

  /** Changes from now on, until the consumer stops iterating. */
  async *changes(signal?: AbortSignal): AsyncGenerator<ShipmentChange> {
    try {
      for await (const [change] of on(this.emitter, 'change', { signal })) yield change as ShipmentChange;
    } catch (e) {
      if ((e as Error).name !== 'AbortError') throw e;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.publisher?.quit().catch(() => undefined), this.subscriber?.quit().catch(() => undefined)]);
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
