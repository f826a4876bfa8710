import { DataSource, EntityManager } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import { insertPushTally, NewPushTally, refusalsOf, totalsBySource } from './push-tallies.table';

/** The push tallies' statements on an in-memory SQLite store with the migrated schema. */
let dataSource: DataSource;
let m: EntityManager;

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore();
  m = dataSource.manager;
});

afterAll(() => dataSource.destroy());

const tally = (over: Partial<NewPushTally>): NewPushTally => ({
  partnerId: 'carrier-swiftlog',
  source: 'batch',
  receivedAt: new Date('2026-01-10T10:00:00.000Z'),
  events: 3,
  accepted: 2,
  refused: 1,
  duplicates: 0,
  late: 1,
  outOfOrder: 1,
  refusedByCode: { UNKNOWN_SHIPMENT: 1 },
  ...over,
});

it('sums a partner’s pushes per source over a window, and lists the refusals', async () => {
  await insertPushTally(m, tally({}));
  await insertPushTally(m, tally({ events: 2, accepted: 1, refused: 0, duplicates: 1, late: 0, outOfOrder: 0, refusedByCode: {} }));
  await insertPushTally(m, tally({ source: 'epcis', refusedByCode: { FORBIDDEN: 1 } }));
  await insertPushTally(m, tally({ receivedAt: new Date('2026-02-01T00:00:00.000Z') }));
  await insertPushTally(m, tally({ partnerId: 'carrier-northstar' }));

  const totals = await totalsBySource(m, 'carrier-swiftlog', '2026-01-01T00:00:00.000Z', '2026-01-31T00:00:00.000Z');
  expect(totals.sort((a, b) => a.source.localeCompare(b.source))).toEqual([
    { source: 'batch', pushes: 2, received: 5, accepted: 3, refused: 1, duplicates: 1, late: 1, outOfOrder: 1 },
    { source: 'epcis', pushes: 1, received: 3, accepted: 2, refused: 1, duplicates: 0, late: 1, outOfOrder: 1 },
  ]);
  const refusals = await refusalsOf(m, 'carrier-swiftlog', '2026-01-01T00:00:00.000Z', '2026-01-31T00:00:00.000Z');
  expect(refusals).toEqual(expect.arrayContaining([{ UNKNOWN_SHIPMENT: 1 }, { FORBIDDEN: 1 }]));
  expect(refusals).toHaveLength(2);
});
