import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An immutable version of one partner's policy document. */
@Entity('policy_versions')
export class PolicyVersionEntity {
  @PrimaryColumn('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @PrimaryColumn('integer') version: number;
  @Column('text') document: string;
  @Column('varchar', { name: 'document_hash', length: 64 }) documentHash: string;
  @Column('varchar', { length: 200 }) author: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('text', { nullable: true }) note: string | null;
  @Column('varchar', { length: 16, default: 'active' }) state: 'active' | 'proposed' | 'superseded';
  @Column('varchar', { name: 'approved_by', length: 200, nullable: true }) approvedBy: string | null;
}
