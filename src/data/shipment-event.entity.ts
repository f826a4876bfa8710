import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

@Entity('shipment_events')
@Index(['shipmentId', 'occurredAt'])
@Index(['recordedBy', 'clientEventId'], { unique: true })
export class ShipmentEventEntity {
  @PrimaryColumn('varchar', { length: 64 }) id: string;
  @Column('varchar', { name: 'shipment_id', length: 64 }) shipmentId: string;
  @Column('varchar', { length: 16 }) status: string;
  @Column('varchar', { name: 'occurred_at', length: 30 }) occurredAt: string;
  @Column('varchar', { length: 200, nullable: true }) location: string | null;
  @Column('text', { nullable: true }) note: string | null;
  @Column('varchar', { name: 'recorded_by', length: 64 }) recordedBy: string;
  @Column('varchar', { name: 'recorded_at', length: 30 }) recordedAt: string;
  /** The pushing client's own id (batch eventId, EPCIS eventID or event hash): unique per partner. */
  @Column('varchar', { name: 'client_event_id', length: 128, nullable: true }) clientEventId: string | null;
  @Column('double precision', { name: 'temperature_c', nullable: true }) temperatureC: number | null;
}
