import { DataSource } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import { deleteShadowOf, findShadowOf, insertShadow, insertTallies, NewTally, shadowIds, talliesOf } from './shadows.table';

describe('shadows.table on SQLite', () => {
  let dataSource: DataSource;
  const shadow = {
    partnerId: 'northwind',
    shadowId: 's1',
    document: '{"rules":[]}',
    documentHash: 'h',
    author: 'officer',
    startedAt: '2030-01-01T00:00:00.000Z',
  };
  const tally = (i: number): NewTally => ({
    id: `t${i}`,
    shadowId: 's1',
    partnerId: 'northwind',
    operation: i === 0 ? '' : 'read Shipment',
    evaluated: i,
    differing: 1,
    errors: 0,
    rowsGained: 2,
    rowsLost: 3,
    fieldsGained: ['eta'],
    fieldsLost: [],
    ruleIds: ['r1', 'r2'],
    flushedAt: '2030-01-01T00:00:01.000Z',
  });

  beforeEach(async () => {
    dataSource = await openMigratedMemoryStore();
  });
  afterEach(async () => {
    await dataSource.destroy();
  });

  it('writes tallies in several statements when there are many, and reads them back typed', async () => {
    const m = dataSource.manager;
    await insertShadow(m, shadow);
    await insertTallies(
      m,
      Array.from({ length: 450 }, (_, i) => tally(i)),
    );
    const read = await talliesOf(m, 's1');
    expect(read).toHaveLength(450);
    const { id: _id, shadowId: _s, partnerId: _p, flushedAt: _f, ...stored } = tally(7);
    expect(read).toContainEqual(stored);
    expect(await talliesOf(m, 'another')).toEqual([]);
  });

  it('a shadow is dropped with its tallies', async () => {
    const m = dataSource.manager;
    await insertShadow(m, shadow);
    await insertTallies(m, [tally(1)]);
    expect(await findShadowOf(m, 'northwind')).toEqual(shadow);
    expect(await shadowIds(m)).toEqual(new Map([['northwind', 's1']]));
    await deleteShadowOf(m, 'northwind');
    expect(await findShadowOf(m, 'northwind')).toBeNull();
    expect(await talliesOf(m, 's1')).toEqual([]);
  });
});
