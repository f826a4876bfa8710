import { EntityManager, EntityTarget, ObjectLiteral } from 'typeorm';
import { CapacitySignalEntity, DemandSignalEntity, ShipmentEntity, ShipmentEventEntity } from '../data/entities';
import { demoCapacitySignals, demoDemandSignals, demoShipmentEvents, demoShipments } from './demo-data';

/** Inserts the demo data set when the data tables are empty; returns whether it did. */
export async function seedDemoData(m: EntityManager): Promise<boolean> {
  const [{ n }] = await m.query<Array<{ n: number | string }>>('SELECT COUNT(*) AS n FROM demand_signals');
  const [{ s }] = await m.query<Array<{ s: number | string }>>('SELECT COUNT(*) AS s FROM shipments');
  if (Number(n) > 0 || Number(s) > 0) return false;
  await insertAll(m, DemandSignalEntity, demoDemandSignals);
  await insertAll(m, CapacitySignalEntity, demoCapacitySignals);
  await insertAll(m, ShipmentEntity, demoShipments);
  await insertAll(
    m,
    ShipmentEventEntity,
    demoShipmentEvents.map((e) => ({ ...e, recordedAt: e.occurredAt, clientEventId: null, temperatureC: null })),
  );
  return true;
}

async function insertAll(m: EntityManager, entity: EntityTarget<ObjectLiteral>, rows: object[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 100) {
    await m
      .createQueryBuilder()
      .insert()
      .into(entity)
      .values(rows.slice(i, i + 100))
      .execute();
  }
}
