import { DataSource } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import { deleteKeysBefore, findKey, IdempotencyKeyRow, replaceExpiredKey } from './idempotency-keys.table';

describe('idempotency-keys.table on SQLite', () => {
  let dataSource: DataSource;
  const row = (key: string, createdAt: string, scope = 'partner:northwind POST /x'): IdempotencyKeyRow => ({
    scope,
    key,
    requestHash: 'h'.repeat(64),
    status: 201,
    body: '{"data":{"id":"1"}}',
    createdAt,
  });

  beforeEach(async () => {
    dataSource = await openMigratedMemoryStore();
  });
  afterEach(async () => {
    await dataSource.destroy();
  });

  it('reads back what it remembered, typed', async () => {
    await replaceExpiredKey(dataSource.manager, row('k1', '2030-01-01T00:00:00.000Z'), '2029-01-01T00:00:00.000Z');
    expect(await findKey(dataSource.manager, 'partner:northwind POST /x', 'k1')).toEqual(row('k1', '2030-01-01T00:00:00.000Z'));
    expect(await findKey(dataSource.manager, 'another scope', 'k1')).toBeNull();
  });

  it('an expired key gives way to a new answer; one still retained does not', async () => {
    const m = dataSource.manager;
    await replaceExpiredKey(m, row('k1', '2020-01-01T00:00:00.000Z'), '2019-01-01T00:00:00.000Z');
    await replaceExpiredKey(m, { ...row('k1', '2030-01-01T00:00:00.000Z'), status: 200 }, '2021-01-01T00:00:00.000Z');
    expect((await findKey(m, 'partner:northwind POST /x', 'k1'))?.status).toBe(200);
    await expect(replaceExpiredKey(m, row('k1', '2030-02-01T00:00:00.000Z'), '2021-01-01T00:00:00.000Z')).rejects.toThrow(/UNIQUE/);
  });

  it('purges in batches, oldest first, counting what each batch deleted', async () => {
    const m = dataSource.manager;
    for (const [k, at] of [
      ['a', '2020-01-01T00:00:00.000Z'],
      ['b', '2020-01-02T00:00:00.000Z'],
      ['c', '2020-01-03T00:00:00.000Z'],
      ['d', '2030-01-01T00:00:00.000Z'],
    ])
      await replaceExpiredKey(m, row(k, at), '2000-01-01T00:00:00.000Z');
    const cutoff = '2025-01-01T00:00:00.000Z';
    expect(await dataSource.transaction((t) => deleteKeysBefore(t, cutoff, 2))).toBe(2);
    expect(await findKey(m, 'partner:northwind POST /x', 'c')).not.toBeNull();
    expect(await dataSource.transaction((t) => deleteKeysBefore(t, cutoff, 2))).toBe(1);
    expect(await dataSource.transaction((t) => deleteKeysBefore(t, cutoff, 2))).toBe(0);
    expect(await findKey(m, 'partner:northwind POST /x', 'd')).not.toBeNull();
  });
});
