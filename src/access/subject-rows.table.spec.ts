import { DataSource, EntityManager } from 'typeorm';
import { SUBJECT_NAMES, SUBJECTS } from '../data/subjects';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import { demoRowsToSeed } from '../demo/demo-data';
import { relativeMarker } from '../policy/relative-time';
import {
  countSubjectRows,
  countUnderTwoScopes,
  findRecordedEventId,
  findSubjectRow,
  forgetRecordedEvent,
  insertRecordedEvent,
  insertSubjectRows,
  RecordedEvent,
  rowsHeldBy,
  selectPage,
  selectShipmentIds,
  subjectRowExists,
  TABLES,
  updateSubjectRow,
} from './subject-rows.table';

/** The subjects' statements on an in-memory SQLite store with the migrated schema and the demo rows. */
let dataSource: DataSource;
let m: EntityManager;

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore();
  m = dataSource.manager;
  for (const [subject, rows] of demoRowsToSeed) await insertSubjectRows(m, subject, rows);
});

afterAll(() => dataSource.destroy());

const event = (over: Partial<RecordedEvent> = {}): RecordedEvent => ({
  id: 'evt-spec-1',
  shipmentId: 'shp-0001',
  status: 'in_transit',
  occurredAt: '2025-02-25T08:00:00.000Z',
  location: 'Rotterdam, NL',
  note: null,
  recordedBy: 'carrier-swiftlog',
  recordedAt: '2025-02-25T08:01:00.000Z',
  clientEventId: 'client-1',
  temperatureC: 4.5,
  ...over,
});

it('owns the table of every subject of the catalog', () => {
  expect([...TABLES].sort()).toEqual(SUBJECT_NAMES.map((s) => SUBJECTS[s].table).sort());
});

it('inserts rows a hundred to a statement, a field left out as NULL', async () => {
  for (const [subject, rows] of demoRowsToSeed) expect(await countSubjectRows(m, subject)).toBe(rows.length);
  const before = await countSubjectRows(m, 'DemandSignal');
  const rows = Array.from({ length: 250 }, (_, i) => ({
    id: `zz-spec-${String(i).padStart(3, '0')}`,
    sku: 'SKU-900',
    site: 'PLANT-DE-1',
    region: 'EMEA',
    periodStart: '2026-01-01',
    forecastQty: i,
    updatedAt: '2026-01-01T00:00:00.000Z',
  }));
  await insertSubjectRows(m, 'DemandSignal', rows);
  expect(await countSubjectRows(m, 'DemandSignal')).toBe(before + 250);
  expect(await findSubjectRow(m, 'DemandSignal', 'zz-spec-249')).toMatchObject({ forecastQty: 249, orderedQty: null, customerName: null });
});

it('updates only the fields given, and reads a row back by field', async () => {
  expect(await subjectRowExists(m, 'Shipment', 'shp-0001')).toBe(true);
  expect(await subjectRowExists(m, 'Shipment', 'shp-none')).toBe(false);
  await expect(updateSubjectRow(m, 'Shipment', 'shp-0001', { lastLocation: 'Rotterdam, NL', notAField: 1 })).rejects.toThrow(
    'Shipment has no column for notAField',
  );
  await updateSubjectRow(m, 'Shipment', 'shp-0001', { lastLocation: 'Antwerp, BE', status: undefined });
  const row = await findSubjectRow(m, 'Shipment', 'shp-0001');
  expect(row).toMatchObject({ id: 'shp-0001', lastLocation: 'Antwerp, BE', status: 'in_transit', quantity: 480 });
  expect(await findSubjectRow(m, 'Shipment', 'shp-none')).toBeNull();
});

it('reads a page over several seek values in id order, with relative times resolved', async () => {
  const columns = ['t.id AS "id"', 't.sku AS "sku"'];
  const where = 't.sku IN (:...skus) AND t.updated_at < :before';
  const params = { skus: ['SKU-200', 'SKU-300'], before: relativeMarker('${now}', 'timestamp') };
  const page = await selectPage(m, 'DemandSignal', columns, where, params, 5, { column: 'sku', values: ['SKU-200', 'SKU-300'] });
  expect(page).toHaveLength(5);
  const expected = demoRowsToSeed[0][1]
    .filter((r) => r.sku === 'SKU-200' || r.sku === 'SKU-300')
    .map((r) => String(r.id))
    .sort()
    .slice(0, 5);
  expect(page.map((r) => String(r.id))).toEqual(expected);
  const none = await selectPage(m, 'DemandSignal', columns, 't.updated_at > :after', { after: relativeMarker('${now}', 'timestamp') }, 5);
  expect(none).toEqual([]);
});

it('records a partner event id once, and forgets it', async () => {
  expect(await insertRecordedEvent(m, event())).toBe(true);
  expect(await insertRecordedEvent(m, event({ id: 'evt-spec-2' }))).toBe(false);
  expect(await findRecordedEventId(m, 'carrier-swiftlog', 'client-1')).toBe('evt-spec-1');
  await forgetRecordedEvent(m, 'carrier-swiftlog', 'client-1');
  expect(await findRecordedEventId(m, 'carrier-swiftlog', 'client-1')).toBeNull();
});

it('counts the rows two scopes select, and locates shipments', async () => {
  const counts = await countUnderTwoScopes(m, 'Shipment', 't.carrier_id = :n0', 't.carrier_id IN (:...d0)', {
    n0: 'carrier-swiftlog',
    d0: ['carrier-swiftlog', 'carrier-northstar'],
  });
  const carried = (await selectShipmentIds(m, 't.carrier_id = :c', { c: 'carrier-swiftlog' })).length;
  const both = (await selectShipmentIds(m, 't.carrier_id IN (:...c)', { c: ['carrier-swiftlog', 'carrier-northstar'] })).length;
  expect(counts).toEqual({ now: carried, draft: both, gained: both - carried, lost: 0 });
});

it('gives the rows a partner holds as a fragment', async () => {
  const held = rowsHeldBy('carrier-swiftlog');
  const rows = await m.query<Array<{ subject: string }>>(`SELECT c.subject FROM (${held.sql}) c`, held.params);
  expect(rows.length).toBe((await selectShipmentIds(m, 't.carrier_id = :c', { c: 'carrier-swiftlog' })).length);
  expect(new Set(rows.map((r) => r.subject))).toEqual(new Set(['Shipment']));
});
