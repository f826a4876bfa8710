import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A candidate policy evaluated beside the version in force on a partner's live requests (shadow
 * mode, docs/governance-guide.md). At most one per partner; every replica reads it from here.
 */
@Entity('policy_shadows')
export class PolicyShadowEntity {
  @PrimaryColumn('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  /** New for each PUT: tallies and compiled candidates belong to one shadow, never to its successor. */
  @Column('varchar', { name: 'shadow_id', length: 36 }) shadowId: string;
  /** The candidate document as JSON text. */
  @Column('text') document: string;
  @Column('varchar', { name: 'document_hash', length: 64 }) documentHash: string;
  @Column('varchar', { length: 200 }) author: string;
  @Column('varchar', { name: 'started_at', length: 30 }) startedAt: string;
}
