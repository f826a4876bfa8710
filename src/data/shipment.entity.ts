import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('shipments')
@Index('idx_shipments_carrier_id_id', ['carrierId', 'id'])
@Index('idx_shipments_shipper_id_id', ['shipperId', 'id'])
@Index('idx_shipments_destination_id', ['destination', 'id'])
@Index(['sscc'])
export class ShipmentEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { length: 64 }) reference: string;
  @Column('varchar', { name: 'carrier_id', length: 64 }) carrierId: string;
  @Column('varchar', { name: 'shipper_id', length: 64 }) shipperId: string;
  @Column('varchar', { length: 128 }) origin: string;
  @Column('varchar', { length: 128 }) destination: string;
  @Column('varchar', { length: 64 }) sku: string;
  @Column('integer') quantity: number;
  @Column('varchar', { length: 16 }) status: string;
  @Column('varchar', { length: 30, nullable: true }) eta: string | null;
  @Column('varchar', { name: 'last_location', length: 200, nullable: true }) lastLocation: string | null;
  @Column('varchar', { name: 'last_event_at', length: 30, nullable: true }) lastEventAt: string | null;
  @Column('double precision', { name: 'temperature_c', nullable: true }) temperatureC: number | null;
  @Column('varchar', { length: 18, nullable: true }) sscc: string | null;
  @Column('double precision', { name: 'freight_cost', nullable: true }) freightCost: number | null;
  @Column('text', { name: 'routing_plan', nullable: true }) routingPlan: string | null;
  @Column('varchar', { name: 'updated_at', length: 30 }) updatedAt: string;
}
