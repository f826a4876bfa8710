import { Column, Entity, PrimaryColumn } from 'typeorm';

/** An immutable version of one partner's policy document (the database refuses UPDATE and DELETE). */
@Entity('policy_versions')
export class PolicyVersionEntity {
  @PrimaryColumn('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @PrimaryColumn('integer') version: number;
  @Column('text') document: string;
  @Column('varchar', { name: 'document_hash', length: 64 }) documentHash: string;
  @Column('varchar', { length: 200 }) author: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('text', { nullable: true }) note: string | null;
  /** As stored: in force at once (`active`) or `proposed`; what became of a proposal is its PolicyDecisionEntity. */
  @Column('varchar', { length: 16, default: 'active' }) state: 'active' | 'proposed';
  /** The version in force when this one was made (0: none); null for proposals made before it was recorded. */
  @Column('integer', { name: 'base_version', nullable: true }) baseVersion: number | null;
}
