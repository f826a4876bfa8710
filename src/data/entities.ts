import type { EntityTarget, ObjectLiteral } from 'typeorm';
import { catalogEntity } from './catalog-entity';
import type { StoredRow } from './catalog-row';
import { SUBJECTS, SubjectName } from './subjects';

/** The subjects' tables, built from the catalog (catalog-entity.ts): a field added there is a column here. */
export const DemandSignalEntity = catalogEntity<StoredRow<'DemandSignal'>>(SUBJECTS.DemandSignal);
export const CapacitySignalEntity = catalogEntity<StoredRow<'CapacitySignal'>>(SUBJECTS.CapacitySignal);
export const ShipmentEntity = catalogEntity<StoredRow<'Shipment'>>(SUBJECTS.Shipment);
export const ShipmentEventEntity = catalogEntity<StoredRow<'ShipmentEvent'>>(SUBJECTS.ShipmentEvent);

export const ENTITY_OF: Record<SubjectName, EntityTarget<ObjectLiteral>> = {
  DemandSignal: DemandSignalEntity,
  CapacitySignal: CapacitySignalEntity,
  Shipment: ShipmentEntity,
  ShipmentEvent: ShipmentEventEntity,
};
