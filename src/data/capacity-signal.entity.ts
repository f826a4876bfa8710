import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('capacity_signals')
@Index('idx_capacity_signals_supplier_id_id', ['supplierId', 'id'])
@Index('idx_capacity_signals_sku_id', ['sku', 'id'])
export class CapacitySignalEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { name: 'supplier_id', length: 64 }) supplierId: string;
  @Column('varchar', { length: 64 }) site: string;
  @Column('varchar', { length: 64 }) sku: string;
  @Column('varchar', { name: 'period_start', length: 10 }) periodStart: string;
  @Column('integer', { name: 'available_qty' }) availableQty: number;
  @Column('integer', { name: 'committed_qty', nullable: true }) committedQty: number | null;
  @Column('integer', { name: 'lead_time_days', nullable: true }) leadTimeDays: number | null;
  @Column('varchar', { name: 'risk_level', length: 16 }) riskLevel: string;
  @Column('text', { name: 'risk_notes', nullable: true }) riskNotes: string | null;
  @Column('double precision', { name: 'unit_cost', nullable: true }) unitCost: number | null;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
}
