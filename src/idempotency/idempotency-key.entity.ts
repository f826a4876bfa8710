import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The first answer to a write sent with an Idempotency-Key, replayed for a retry. */
@Entity('idempotency_keys')
@Index('idx_idempotency_keys_created_at', ['createdAt'])
export class IdempotencyKeyEntity {
  /** Who sent it (partner id, or sub for non-partner callers) and the route. */
  @PrimaryColumn('varchar', { length: 300 }) scope: string;
  @PrimaryColumn('varchar', { name: 'idem_key', length: 200 }) key: string;
  @Column('varchar', { name: 'request_hash', length: 64 }) requestHash: string;
  @Column('integer') status: number;
  @Column('text') body: string;
  @Column('varchar', { name: 'created_at', length: 30 }) createdAt: string;
}
