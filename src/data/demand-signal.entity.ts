import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('demand_signals')
@Index('idx_demand_signals_sku_id', ['sku', 'id'])
@Index('idx_demand_signals_region_id', ['region', 'id'])
@Index('idx_demand_signals_site_id', ['site', 'id'])
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
