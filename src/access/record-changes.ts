/**
 * Told, after a governed write has committed, which rows of a subject it created or changed (the
 * webhook queue turns that into deliveries). Never fails the write: it has already committed.
 */
export abstract class RecordChanges {
  abstract changed(subject: string, ...recordIds: string[]): Promise<void>;
}

/**
 * Told, after a governed update of a shipment has committed, that it changed: live subscribers are
 * woken (src/logistics/shipment-changes.service.ts). Only the id travels; what a subscriber may see
 * is judged at delivery by its own policy.
 */
export abstract class PublishShipmentChanges {
  abstract publish(shipmentId: string): void;
}
