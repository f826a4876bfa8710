import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { planFor } from '../access/subject-plans';
import { findRecordedEventId, insertRecordedEvent, selectShipmentIds, updateSubjectRow } from '../access/subject-rows.table';
import { columnOf } from '../data/column-name';
import { DatabaseService } from '../database/database.service';
import { CompiledPolicy } from '../policy/policy-compiler';
import { DataQualityService } from './data-quality.service';
import { JudgedShipmentEvent, ShipmentLocator, StoredShipmentEvent } from './shipment-event-batch';

/**
 * Recording tracking events: inserting a judged event (once per partner eventId),
 * applying it to its shipment, and finding the shipments an EPCIS event names.
 */
@Injectable()
export class ShipmentEventStore {
  constructor(
    private readonly db: DatabaseService,
    private readonly quality: DataQualityService,
  ) {}

  /**
   * Inserts a judged event unless the partner already recorded its eventId (then nothing is
   * written), and applies it to the shipment monotonically. The shipment is re-read, so events
   * of one push see each other's effect.
   */
  async store(m: EntityManager, judged: JudgedShipmentEvent, receivedAt: Date): Promise<StoredShipmentEvent> {
    const { event, temperatureC, clientEventId } = judged;
    const existing = () => (clientEventId === null ? Promise.resolve(null) : findRecordedEventId(m, event.recordedBy as string, clientEventId));
    const before = await existing();
    if (before !== null) return { stored: false, existingId: before };
    // A concurrent push of the same eventId makes this one a duplicate, not an error.
    const inserted = await insertRecordedEvent(m, {
      id: event.id as string,
      shipmentId: event.shipmentId as string,
      status: event.status,
      occurredAt: event.occurredAt,
      location: event.location ?? null,
      note: event.note ?? null,
      recordedBy: event.recordedBy as string,
      recordedAt: receivedAt.toISOString(),
      clientEventId,
      temperatureC: temperatureC ?? null,
    });
    if (!inserted) return { stored: false, existingId: (await existing()) ?? 'unknown' };
    const last = judged.shipment.lastEventAt as string | null;
    const occurredAt = String(event.occurredAt);
    await this.applyToShipment(m, judged.shipment, event, judged.applicable, temperatureC);
    return {
      stored: true,
      late: this.quality.isLate(occurredAt, receivedAt),
      outOfOrder: last !== null && last !== undefined && occurredAt < last,
      lagSeconds: (receivedAt.getTime() - Date.parse(occurredAt)) / 1000,
    };
  }

  /**
   * The shipments an EPCIS event names, among those the caller may read: by SSCC first, else by
   * reference, each only where the caller may read that field. Out of scope is the same as absent.
   */
  async locate(m: EntityManager, policy: CompiledPolicy, locator: ShipmentLocator): Promise<string[]> {
    const plan = planFor(policy, 'read', 'Shipment', this.db.dialect);
    if (!plan.rowScope) return [];
    for (const [field, values] of [
      ['sscc', locator.ssccs],
      ['reference', locator.references],
    ] as const) {
      if (values.length === 0 || !plan.grantable.includes(field)) continue;
      const where = [plan.rowScope.sql, `t.${columnOf(field)} IN (:...located)`];
      const params: Record<string, unknown> = { ...plan.rowScope.params, located: [...new Set(values)] };
      const fieldScope = plan.fieldScopes.get(field);
      if (fieldScope) {
        where.push(fieldScope.sql);
        Object.assign(params, fieldScope.params);
      }
      const ids = await selectShipmentIds(m, where.join(' AND '), params);
      if (ids.length > 0) return [...new Set(ids)];
    }
    return [];
  }

  /** The shipment follows the event when it is the newest: only the fields the caller may update. */
  private async applyToShipment(
    m: EntityManager,
    shipment: Record<string, unknown>,
    event: Record<string, unknown>,
    applicable: string[],
    temperatureC?: number,
  ): Promise<void> {
    const last = shipment.lastEventAt as string | null;
    const newer = !last || String(event.occurredAt) >= last;
    const set: Record<string, unknown> = { updatedAt: new Date().toISOString() };
    const apply = (field: string, value: unknown) => {
      if (applicable.includes(field)) set[field] = value;
    };
    if (newer) {
      apply('status', event.status);
      apply('lastEventAt', event.occurredAt);
      if (event.location !== null && event.location !== undefined) apply('lastLocation', event.location);
      if (temperatureC !== undefined) apply('temperatureC', temperatureC);
    }
    await updateSubjectRow(m, 'Shipment', shipment.id as string, set);
  }
}
