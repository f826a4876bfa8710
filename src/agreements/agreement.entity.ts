import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A data-sharing agreement with one partner; `state` is what was decided, its status also depends on the clock (agreement-status.ts). */
@Entity('agreements')
@Index(['partnerId'])
export class AgreementEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @Column('varchar', { length: 200 }) title: string;
  @Column('text') terms: string;
  /** JSON text: string[]. */
  @Column('text') purposes: string;
  /** JSON text: string[]. */
  @Column('text') subjects: string;
  @Column('varchar', { name: 'valid_from', length: 30 }) validFrom: string;
  @Column('varchar', { name: 'valid_until', length: 30 }) validUntil: string;
  @Column('varchar', { length: 16 }) state: 'offered' | 'accepted' | 'declined' | 'terminated';
  @Column('integer') revision: number;
  @Column('varchar', { name: 'created_by', length: 200 }) createdBy: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
  /** JSON text: AgreementHistoryEntry[], oldest first. */
  @Column('text') history: string;
}
