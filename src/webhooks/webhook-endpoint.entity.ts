import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A partner's webhook endpoint: where to deliver, which event types, under which purpose. */
@Entity('webhook_endpoints')
@Index('idx_webhook_endpoints_partner', ['partnerId', 'createdAt'])
export class WebhookEndpointEntity {
  @PrimaryColumn('varchar', { length: 36 }) id: string;
  @Column('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @Column('varchar', { length: 2048 }) url: string;
  /** JSON array of event types. */
  @Column('text') events: string;
  @Column('varchar', { length: 500, nullable: true }) description: string | null;
  /** The purpose deliveries are judged under (the partner's policy at delivery time). */
  @Column('varchar', { length: 64 }) purpose: string;
  /** `whsec_` + base64; the gateway needs it to sign. */
  @Column('varchar', { length: 200 }) secret: string;
  /** 1 or 0 (an integer on both stores). */
  @Column('integer') enabled: number;
  @Column('varchar', { name: 'disabled_reason', length: 2000, nullable: true }) disabledReason: string | null;
  @Column('varchar', { name: 'disabled_at', length: 30, nullable: true }) disabledAt: string | null;
  @Column('varchar', { name: 'created_by', length: 200 }) createdBy: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
}
