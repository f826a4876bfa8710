import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** One access decision. Rows are append-only and chained: hash = SHA-256 of the canonical form, which includes prevHash (audit-chain.ts). */
@Entity('audit_events')
@Index(['actorPartnerId', 'seq'])
@Index(['at'])
@Index(['eventId'], { unique: true })
export class AuditEventEntity {
  @PrimaryColumn('bigint') seq: string;
  @Column('varchar', { name: 'event_id', length: 36 }) eventId: string;
  @Column('varchar', { length: 30 }) at: string;
  @Column('varchar', { name: 'request_id', length: 64 }) requestId: string;
  @Column('varchar', { name: 'actor_sub', length: 200, nullable: true }) actorSub: string | null;
  @Column('varchar', { name: 'actor_partner_id', length: 64, nullable: true }) actorPartnerId: string | null;
  @Column('text', { name: 'actor_roles' }) actorRoles: string;
  @Column('varchar', { length: 16 }) transport: string;
  @Column('varchar', { length: 200 }) operation: string;
  @Column('varchar', { length: 32, nullable: true }) action: string | null;
  @Column('varchar', { length: 128, nullable: true }) subject: string | null;
  @Column('text', { name: 'resource_ids' }) resourceIds: string;
  @Column('varchar', { length: 64, nullable: true }) purpose: string | null;
  @Column('varchar', { length: 16 }) decision: string;
  @Column('integer') status: number;
  @Column('varchar', { length: 64, nullable: true }) code: string | null;
  @Column('text', { nullable: true }) reason: string | null;
  @Column('text', { name: 'fields_returned' }) fieldsReturned: string;
  @Column('text', { name: 'fields_denied' }) fieldsDenied: string;
  @Column('integer', { name: 'row_count' }) rowCount: number;
  @Column('integer', { name: 'policy_version', nullable: true }) policyVersion: number | null;
  @Column('text', { name: 'rule_ids' }) ruleIds: string;
  @Column('integer', { name: 'latency_ms' }) latencyMs: number;
  @Column('varchar', { name: 'prev_hash', length: 64 }) prevHash: string;
  @Column('varchar', { length: 64 }) hash: string;
  /** JSON text; NULL on events written before agreements existed (docs/audit.md). */
  @Column('text', { name: 'agreement_ids', nullable: true }) agreementIds: string | null;
}
