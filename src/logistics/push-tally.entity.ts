import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The counts of one logistics push (see DataQualityService). */
@Entity('push_tallies')
@Index(['partnerId', 'receivedAt'])
export class PushTallyEntity {
  @PrimaryColumn('varchar', { length: 36 }) id: string;
  /** The partner that pushed (a token's partner_id; an admin push under its `sub`, as the event's recordedBy). */
  @Column('varchar', { name: 'partner_id', length: 200 }) partnerId: string;
  /** `event` (POST /shipments/:id/events or GraphQL), `batch` or `epcis`. */
  @Column('varchar', { length: 16 }) source: string;
  @Column('varchar', { name: 'received_at', length: 30 }) receivedAt: string;
  @Column('integer', { default: 0 }) events: number;
  @Column('integer', { default: 0 }) accepted: number;
  @Column('integer', { default: 0 }) refused: number;
  @Column('integer', { default: 0 }) duplicates: number;
  @Column('integer', { default: 0 }) late: number;
  @Column('integer', { name: 'out_of_order', default: 0 }) outOfOrder: number;
  /** JSON object: refusal code → count. */
  @Column('text', { name: 'refused_codes' }) refusedCodes: string;
}
