import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * What one replica counted for a shadow between two flushes: rows are only ever added, and a report
 * sums them (so replicas never contend for one row). `operation` '' holds the per-request counts.
 * Field names and rule ids only: never a value of partner data.
 */
@Entity('shadow_tallies')
@Index(['shadowId'])
@Index(['partnerId'])
export class ShadowTallyEntity {
  @PrimaryColumn('varchar', { length: 36 }) id: string;
  @Column('varchar', { name: 'shadow_id', length: 36 }) shadowId: string;
  @Column('varchar', { name: 'partner_id', length: 64 }) partnerId: string;
  @Column('varchar', { length: 100 }) operation: string;
  @Column('integer', { default: 0 }) evaluated: number;
  @Column('integer', { default: 0 }) differing: number;
  @Column('integer', { default: 0 }) errors: number;
  @Column('integer', { name: 'rows_gained', default: 0 }) rowsGained: number;
  @Column('integer', { name: 'rows_lost', default: 0 }) rowsLost: number;
  /** JSON text: string[] each. */
  @Column('text', { name: 'fields_gained' }) fieldsGained: string;
  @Column('text', { name: 'fields_lost' }) fieldsLost: string;
  @Column('text', { name: 'rule_ids' }) ruleIds: string;
  @Column('varchar', { name: 'flushed_at', length: 30 }) flushedAt: string;
}
