import { CapacitySignalEntity } from './capacity-signal.entity';
import { DemandSignalEntity } from './demand-signal.entity';
import { ShipmentEventEntity } from './shipment-event.entity';
import { ShipmentEntity } from './shipment.entity';
import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { SubjectName } from './subjects';

export const ENTITY_OF: Record<SubjectName, EntityTarget<ObjectLiteral>> = {
  DemandSignal: DemandSignalEntity,
  CapacitySignal: CapacitySignalEntity,
  Shipment: ShipmentEntity,
  ShipmentEvent: ShipmentEventEntity,
};
