import { DataSource, EntityManager } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import {
  AgreementRow,
  countAgreements,
  findAcceptedAgreements,
  findAgreement,
  findAgreements,
  insertAgreement,
  listAgreements,
  lockAgreement,
  updateAgreement,
} from './agreements.table';

let dataSource: DataSource;
let m: EntityManager;

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore();
  m = dataSource.manager;
});

afterAll(async () => {
  await dataSource?.destroy();
});

function agreement(id: string, partnerId: string, state: AgreementRow['state']): AgreementRow {
  const at = '2030-01-01T00:00:00.000Z';
  return {
    id,
    partnerId,
    title: `Agreement ${id}`,
    terms: 'Shared for planning only.',
    purposes: '["planning"]',
    subjects: '["Shipment"]',
    validFrom: at,
    validUntil: '2032-01-01T00:00:00.000Z',
    state,
    revision: 1,
    createdBy: 'officer-1',
    createdAt: at,
    updatedAt: at,
    history: '[]',
  };
}

describe('agreements.table', () => {
  it('stores agreements and reads them back, all or one partner’s, by id', async () => {
    expect(await countAgreements(m)).toBe(0);
    await insertAgreement(m, agreement('agr-c', 'p-1', 'accepted'));
    await insertAgreement(m, agreement('agr-a', 'p-1', 'offered'));
    await insertAgreement(m, agreement('agr-b', 'p-2', 'accepted'));
    expect(await countAgreements(m)).toBe(3);
    expect(await findAgreement(m, 'agr-a')).toEqual(agreement('agr-a', 'p-1', 'offered'));
    expect(await findAgreement(m, 'agr-x')).toBeUndefined();
    expect((await listAgreements(m)).map((a) => a.id)).toEqual(['agr-a', 'agr-b', 'agr-c']);
    expect((await listAgreements(m, 'p-1')).map((a) => a.id)).toEqual(['agr-a', 'agr-c']);
    expect((await findAgreements(m, ['agr-b', 'agr-x', 'agr-c'])).map((a) => a.id).sort()).toEqual(['agr-b', 'agr-c']);
    expect(await findAgreements(m, [])).toEqual([]);
  });

  it('gives the compiler only the accepted agreements of the partner', async () => {
    expect(await findAcceptedAgreements(m, 'p-1')).toEqual([
      { id: 'agr-c', purposes: '["planning"]', subjects: '["Shipment"]', validFrom: '2030-01-01T00:00:00.000Z', validUntil: '2032-01-01T00:00:00.000Z' },
    ]);
  });

  it('writes only the changed columns of one agreement', async () => {
    await updateAgreement(m, 'agr-a', { state: 'accepted', revision: 2, updatedAt: '2030-03-01T00:00:00.000Z', history: '[{"action":"accepted"}]' });
    expect(await lockAgreement(m, 'agr-a')).toEqual({
      ...agreement('agr-a', 'p-1', 'accepted'),
      revision: 2,
      updatedAt: '2030-03-01T00:00:00.000Z',
      history: '[{"action":"accepted"}]',
    });
    expect(await findAgreement(m, 'agr-c')).toEqual(agreement('agr-c', 'p-1', 'accepted'));
    expect(await lockAgreement(m, 'agr-x')).toBeUndefined();
  });
});
