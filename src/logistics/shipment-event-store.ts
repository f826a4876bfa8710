import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { planFor } from '../access/subject-plans';
import { columnOf } from '../data/column-name';
import { ShipmentEntity } from '../data/entities';
import { SUBJECTS } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { CompiledPolicy } from '../policy/policy-compiler';
import { resolveRelativeTimes } from '../policy/relative-time';
import { DataQualityService } from './data-quality.service';
import { JudgedShipmentEvent, ShipmentLocator, StoredShipmentEvent } from './shipment-event-batch';

/**
 * The SQL of recording tracking events: inserting a judged event (once per partner eventId),
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
    const existing = async () => {
      if (clientEventId === null) return [];
      return m.query<Array<{ id: string }>>(this.db.sql('SELECT id FROM shipment_events WHERE recorded_by = ? AND client_event_id = ?'), [
        event.recordedBy,
        clientEventId,
      ]);
    };
    const before = await existing();
    if (before.length > 0) return { stored: false, existingId: before[0].id };
    // ON CONFLICT: a concurrent push of the same eventId makes this one a duplicate, not an error.
    const inserted: unknown[] = await m.query(
      this.db.sql(`INSERT INTO shipment_events
        (id, shipment_id, status, occurred_at, location, note, recorded_by, recorded_at, client_event_id, temperature_c)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
      [
        event.id,
        event.shipmentId,
        event.status,
        event.occurredAt,
        event.location ?? null,
        event.note ?? null,
        event.recordedBy,
        receivedAt.toISOString(),
        clientEventId,
        temperatureC ?? null,
      ],
    );
    if (inserted.length === 0) {
      const after = await existing();
      return { stored: false, existingId: after[0]?.id ?? 'unknown' };
    }
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
      const rows: Array<{ id: string }> = await m
        .createQueryBuilder()
        .select('t.id', 'id')
        .from(SUBJECTS.Shipment.table, 't')
        .where(where.join(' AND '), resolveRelativeTimes(params))
        .orderBy('t.id', 'ASC')
        .getRawMany();
      if (rows.length > 0) return [...new Set(rows.map((r) => String(r.id)))];
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
    await m.createQueryBuilder().update(ShipmentEntity).set(set).where('id = :id', { id: shipment.id }).execute();
  }
}
