import { DataSource, EntityManager } from 'typeorm';
import { insertSubjectRows } from '../../access/subject-rows.table';
import { openMigratedMemoryStore } from '../../database/migrated-memory-store';
import { demoRowsToSeed } from '../../demo/demo-data';
import { relativeMarker } from '../../policy/relative-time';
import {
  concernsShipmentWhere,
  findKeptEvent,
  hasTermWhere,
  insertEventTerm,
  insertKeptEvent,
  linkEventToShipment,
  markDeclared,
  NewKeptEvent,
  selectEvents,
} from './epcis-events.table';

/** The EPCIS events' statements on an in-memory SQLite store with the migrated schema and the demo rows. */
let dataSource: DataSource;
let m: EntityManager;

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore();
  m = dataSource.manager;
  for (const [subject, rows] of demoRowsToSeed) await insertSubjectRows(m, subject, rows);
});

afterAll(() => dataSource.destroy());

const kept = (over: Partial<NewKeptEvent>): NewKeptEvent => ({
  id: 'epc-1',
  eventId: 'urn:uuid:1',
  recordedBy: 'carrier-swiftlog',
  eventType: 'ObjectEvent',
  eventTime: '2026-01-10T10:00:00.000Z',
  recordTime: '2026-01-10T10:00:01.000Z',
  bizStep: 'shipping',
  disposition: 'in_transit',
  readPoint: null,
  bizLocation: null,
  declaredAt: null,
  document: JSON.stringify({ event: { type: 'ObjectEvent' }, context: [] }),
  ...over,
});

it('keeps an event once per recorder and event id, and marks it declared', async () => {
  expect(await insertKeptEvent(m, kept({}))).toBe(true);
  expect(await insertKeptEvent(m, kept({ id: 'epc-1b' }))).toBe(false);
  expect(await findKeptEvent(m, 'carrier-swiftlog', 'urn:uuid:1')).toMatchObject({ id: 'epc-1', declared_at: null });
  await markDeclared(m, 'epc-1', '2026-01-11T00:00:00.000Z', '{"event":{},"context":[]}');
  expect(await findKeptEvent(m, 'carrier-swiftlog', 'urn:uuid:1')).toEqual({
    id: 'epc-1',
    declared_at: '2026-01-11T00:00:00.000Z',
    document: '{"event":{},"context":[]}',
  });
  expect(await findKeptEvent(m, 'carrier-northstar', 'urn:uuid:1')).toBeNull();
});

it('answers the events concerning a shipment in scope, matching a term, with relative times resolved', async () => {
  await insertKeptEvent(m, kept({ id: 'epc-2', eventId: 'urn:uuid:2', eventTime: '2026-01-09T10:00:00.000Z' }));
  await insertKeptEvent(m, kept({ id: 'epc-3', eventId: 'urn:uuid:3' }));
  for (const id of ['epc-2', 'epc-3']) {
    await linkEventToShipment(m, id, 'shp-0001');
    await linkEventToShipment(m, id, 'shp-0001');
  }
  await insertEventTerm(m, 'epc-2', 'epc', 'urn:epc:id:sscc:1');
  await insertEventTerm(m, 'epc-3', 'epc', 'x'.repeat(600));

  const inScope = concernsShipmentWhere(['(t.carrier_id = :carrier)', 't.updated_at < :now']);
  const params = { carrier: 'carrier-swiftlog', now: relativeMarker('${now}', 'timestamp') };
  const all = await selectEvents(m, inScope, params, 10);
  expect(all.map((r) => r.id)).toEqual(['epc-2', 'epc-3']);
  const byTerm = await selectEvents(m, `${inScope} AND ${hasTermWhere('m.kind = :k AND m.value = :v')}`, { ...params, k: 'epc', v: 'x'.repeat(512) }, 10);
  expect(byTerm.map((r) => r.event_id)).toEqual(['urn:uuid:3']);
  expect(await selectEvents(m, inScope, { ...params, carrier: 'carrier-northstar' }, 10)).toEqual([]);
  expect(await selectEvents(m, inScope, params, 1)).toHaveLength(1);
});
