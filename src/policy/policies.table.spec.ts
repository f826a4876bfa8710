import { DataSource, EntityManager } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import {
  countAgreementChange,
  findDecision,
  findPartner,
  findStanding,
  findVersion,
  inForceColumns,
  insertPartner,
  insertVersion,
  latestVersionNumber,
  listDecisions,
  listPartners,
  listVersions,
  lockPartner,
  partnerExists,
  PartnerRow,
  PolicyVersionRow,
  recordDecision,
  setVersionInForce,
} from './policies.table';

let dataSource: DataSource;
let m: EntityManager;

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore();
  m = dataSource.manager;
  await insertPartner(m, partner('p-b'));
  await insertPartner(m, partner('p-a'));
});

afterAll(async () => {
  await dataSource?.destroy();
});

function partner(id: string): PartnerRow {
  const at = '2030-01-01T00:00:00.000Z';
  return { id, name: `Partner ${id}`, kind: 'supplier', status: 'active', policyVersion: 0, agreementsRevision: 0, createdAt: at, updatedAt: at };
}

function version(partnerId: string, n: number, extra: Partial<PolicyVersionRow> = {}): PolicyVersionRow {
  return {
    partnerId,
    version: n,
    document: `{"v":${n}}`,
    documentHash: 'h'.repeat(64),
    author: 'officer-1',
    createdAt: '2030-01-01T00:00:00.000Z',
    note: null,
    state: 'active',
    baseVersion: n - 1,
    ...extra,
  };
}

describe('policies.table', () => {
  it('reads partners back with numbers for the version and revision, listed by id', async () => {
    expect(await findPartner(m, 'p-a')).toEqual(partner('p-a'));
    expect(await findPartner(m, 'nobody')).toBeUndefined();
    expect(await findStanding(m, 'p-a')).toEqual({ status: 'active', policyVersion: 0, agreementsRevision: 0 });
    expect(await partnerExists(m, 'p-b')).toBe(true);
    expect(await partnerExists(m, 'nobody')).toBe(false);
    expect((await listPartners(m)).map((p) => p.id)).toEqual(['p-a', 'p-b']);
  });

  it('puts a version in force and counts agreement changes on the one partner', async () => {
    await setVersionInForce(m, 'p-a', { name: 'Renamed', kind: 'carrier', policyVersion: 3, updatedAt: '2030-02-01T00:00:00.000Z' });
    await countAgreementChange(m, 'p-a');
    await countAgreementChange(m, 'p-a');
    expect(await findPartner(m, 'p-a')).toMatchObject({
      name: 'Renamed',
      kind: 'carrier',
      policyVersion: 3,
      agreementsRevision: 2,
      updatedAt: '2030-02-01T00:00:00.000Z',
    });
    expect(await findPartner(m, 'p-b')).toMatchObject({ policyVersion: 0, agreementsRevision: 0 });
    expect(await lockPartner(m, 'p-a')).toEqual({ policyVersion: 3 });
    expect(await lockPartner(m, 'nobody')).toBeUndefined();
  });

  it('stores versions, newest first, with a null base version kept null', async () => {
    expect(await latestVersionNumber(m, 'p-b')).toBe(0);
    await insertVersion(m, version('p-b', 1));
    await insertVersion(m, version('p-b', 2, { state: 'proposed', baseVersion: null, note: 'why' }));
    expect(await latestVersionNumber(m, 'p-b')).toBe(2);
    expect(await findVersion(m, 'p-b', 2)).toEqual(version('p-b', 2, { state: 'proposed', baseVersion: null, note: 'why' }));
    expect(await findVersion(m, 'p-b', 3)).toBeUndefined();
    expect((await listVersions(m, 'p-b')).map((v) => v.version)).toEqual([2, 1]);
    expect((await listVersions(m, 'p-b'))[1].baseVersion).toBe(0);
  });

  it('records one decision per version', async () => {
    const d = { partnerId: 'p-b', version: 2, decision: 'rejected' as const, decidedBy: 'officer-2', decidedAt: '2030-01-02T00:00:00.000Z', reason: 'no' };
    await recordDecision(m, d);
    expect(await findDecision(m, 'p-b', 2)).toEqual(d);
    expect(await findDecision(m, 'p-b', 1)).toBeUndefined();
    expect(await listDecisions(m, 'p-b')).toEqual([d]);
    await expect(recordDecision(m, { ...d, decision: 'approved' })).rejects.toThrow();
  });

  it('gives the columns a data read checks the policy in force with (null version when suspended)', async () => {
    const text = `SELECT 1 AS one, ${inForceColumns('who', 'v', 'r').join(', ')}`;
    const run = async (id: string) => {
      const [sql, params] = m.connection.driver.escapeQueryWithParameters(text, { who: id });
      const rows: Array<{ v: unknown; r: unknown }> = await m.query(sql, params);
      return rows[0];
    };
    expect(await run('p-a')).toEqual({ one: 1, v: 3, r: 2 });
    await m.query("UPDATE partners SET status = 'suspended' WHERE id = 'p-a'");
    expect(await run('p-a')).toEqual({ one: 1, v: null, r: 2 });
    expect(await run('nobody')).toEqual({ one: 1, v: null, r: null });
  });
});
