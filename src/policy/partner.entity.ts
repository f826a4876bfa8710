import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity('partners')
export class PartnerEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { length: 200 }) name: string;
  @Column('varchar', { length: 16 }) kind: string;
  @Column('varchar', { length: 16, default: 'active' }) status: 'active' | 'suspended';
  /** The policy version in force; the version row holds the document. */
  @Column('integer', { name: 'policy_version' }) policyVersion: number;
  /** Moves with every change to the partner's agreements: compiled policies are keyed by it (docs/governance-guide.md). */
  @Column('integer', { name: 'agreements_revision', default: 0 }) agreementsRevision: number;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
}
