import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One event for one endpoint: the work queue (status `pending`, due at `next_attempt_at`, claimed
 * by a replica until `claimed_until`) and, once settled, the endpoint's delivery history.
 */
@Entity('webhook_deliveries')
@Index('idx_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('idx_webhook_deliveries_endpoint', ['endpointId', 'createdAt'])
export class WebhookDeliveryEntity {
  /** Also the `webhook-id` header: the same on every attempt, so a receiver can drop repeats. */
  @PrimaryColumn('varchar', { length: 36 }) id: string;
  @Column('varchar', { name: 'endpoint_id', length: 36 }) endpointId: string;
  @Column('varchar', { name: 'event_type', length: 32 }) eventType: string;
  @Column('varchar', { length: 32 }) subject: string;
  @Column('varchar', { name: 'record_id', length: 200 }) recordId: string;
  /** pending | delivered | failed | skipped | cancelled */
  @Column('varchar', { length: 16 }) status: string;
  @Column('integer', { default: 0 }) attempts: number;
  @Column('varchar', { name: 'next_attempt_at', length: 30 }) nextAttemptAt: string;
  @Column('varchar', { name: 'claimed_until', length: 30, nullable: true }) claimedUntil: string | null;
  @Column('varchar', { name: 'last_attempt_at', length: 30, nullable: true }) lastAttemptAt: string | null;
  @Column('integer', { name: 'last_status', nullable: true }) lastStatus: number | null;
  @Column('varchar', { name: 'last_error', length: 2000, nullable: true }) lastError: string | null;
  @Column('varchar', { name: 'occurred_at', length: 30 }) occurredAt: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('varchar', { name: 'settled_at', length: 30, nullable: true }) settledAt: string | null;
}
