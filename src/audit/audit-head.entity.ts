import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The single row that serialises the audit chain: locked by every transaction that appends. */
@Entity('audit_head')
export class AuditHeadEntity {
  @PrimaryColumn('integer') id: number;
  @Column('bigint') seq: string;
  @Column('varchar', { length: 64 }) hash: string;
}
