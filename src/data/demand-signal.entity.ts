import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('demand_signals')
@Index(['sku'])
export class DemandSignalEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { length: 64 }) sku: string;
  @Column('varchar', { name: 'product_family', length: 128, nullable: true }) productFamily: string | null;
  @Column('varchar', { length: 64 }) site: string;
  @Column('varchar', { length: 64 }) region: string;
  @Column('varchar', { name: 'period_start', length: 10 }) periodStart: string;
  @Column('integer', { name: 'forecast_qty' }) forecastQty: number;
  @Column('integer', { name: 'ordered_qty', nullable: true }) orderedQty: number | null;
  @Column('double precision', { name: 'unit_price', nullable: true }) unitPrice: number | null;
  @Column('varchar', { name: 'customer_name', length: 200, nullable: true }) customerName: string | null;
  @Column('double precision', { name: 'margin_pct', nullable: true }) marginPct: number | null;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
}
