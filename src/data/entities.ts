import { CapacitySignalEntity } from './capacity-signal.entity';
import { DemandSignalEntity } from './demand-signal.entity';
import { ShipmentEventEntity } from './shipment-event.entity';
import { ShipmentEntity } from './shipment.entity';
import { SubjectName } from './subjects';

export const ENTITY_OF: Record<SubjectName, Function> = {
  DemandSignal: DemandSignalEntity,
  CapacitySignal: CapacitySignalEntity,
  Shipment: ShipmentEntity,
  ShipmentEvent: ShipmentEventEntity,
};
