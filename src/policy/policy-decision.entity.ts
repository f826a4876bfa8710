import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ProposalDecision = 'approved' | 'rejected' | 'withdrawn';

/** What became of one proposed version: decided once, never changed (the database refuses UPDATE and DELETE). */
@Entity('policy_decisions')
export class PolicyDecisionEntity {
  @PrimaryColumn('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @PrimaryColumn('integer') version: number;
  @Column('varchar', { length: 16 }) decision: ProposalDecision;
  @Column('varchar', { name: 'decided_by', length: 200 }) decidedBy: string;
  @Column('varchar', { name: 'decided_at', length: 30 }) decidedAt: string;
  @Column('text', { nullable: true }) reason: string | null;
}
