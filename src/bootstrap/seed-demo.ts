import { EntityManager } from 'typeorm';
import { countSubjectRows, insertSubjectRows } from '../access/subject-rows.table';
import { demoRowsToSeed } from '../demo/demo-data';

/** Inserts the demo data set when the data tables are empty; returns whether it did. */
export async function seedDemoData(m: EntityManager): Promise<boolean> {
  if ((await countSubjectRows(m, 'DemandSignal')) > 0 || (await countSubjectRows(m, 'Shipment')) > 0) return false;
  for (const [subject, rows] of demoRowsToSeed) await insertSubjectRows(m, subject, rows);
  return true;
}
