import { DataSource, EntityManager } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import {
  cancelPendingDeliveries,
  claimDueDeliveries,
  deliveriesOf,
  enabledEndpoints,
  findEndpointOf,
  insertDelivery,
  insertEndpoint,
  settleDelivery,
  updateEndpoint,
} from './webhooks.table';

describe('webhooks.table on SQLite', () => {
  let dataSource: DataSource;
  let m: EntityManager;
  const T0 = '2030-01-01T00:00:00.000Z';
  const T1 = '2030-01-01T00:01:00.000Z';
  const T2 = '2030-01-01T00:02:00.000Z';

  beforeEach(async () => {
    dataSource = await openMigratedMemoryStore();
    m = dataSource.manager;
    const endpoint = {
      partnerId: 'northwind',
      url: 'https://example.com/hook',
      description: null,
      purpose: 'ops',
      secret: 's',
      createdBy: 'me',
      createdAt: T0,
    };
    await insertEndpoint(m, { ...endpoint, id: 'e1', events: ['shipment.updated'] });
    await insertEndpoint(m, { ...endpoint, id: 'e2', events: ['demand.updated'] });
    for (const id of ['d1', 'd2', 'd3'])
      await insertDelivery(m, { id, endpointId: 'e1', eventType: 'shipment.updated', subject: 'Shipment', recordId: 'r', at: T0 });
  });
  afterEach(async () => {
    await dataSource.destroy();
  });

  it('stores endpoints as given and changes only the columns asked', async () => {
    expect(await enabledEndpoints(m)).toEqual([
      { id: 'e1', events: ['shipment.updated'] },
      { id: 'e2', events: ['demand.updated'] },
    ]);
    await updateEndpoint(m, 'northwind', 'e2', { events: ['capacity.updated'], enabled: { enabled: false, reason: 'off', at: T1 }, updatedAt: T1 });
    expect(await findEndpointOf(m, 'northwind', 'e2')).toMatchObject({
      events: ['capacity.updated'],
      enabled: false,
      disabledReason: 'off',
      url: 'https://example.com/hook',
    });
    expect(await findEndpointOf(m, 'another', 'e2')).toBeNull();
    expect(await enabledEndpoints(m)).toEqual([{ id: 'e1', events: ['shipment.updated'] }]);
  });

  it('a claimed delivery is not claimed again until its lease ends', async () => {
    const first = await dataSource.transaction((t) => claimDueDeliveries(t, 2, T0, T1));
    expect(first.map((d) => d.id).sort()).toEqual(['d1', 'd2']);
    expect(first[0]).toMatchObject({ endpointId: 'e1', eventType: 'shipment.updated', subject: 'Shipment', recordId: 'r', attempts: 0, occurredAt: T0 });
    expect((await dataSource.transaction((t) => claimDueDeliveries(t, 8, T0, T1))).map((d) => d.id)).toEqual(['d3']);
    expect(await dataSource.transaction((t) => claimDueDeliveries(t, 8, T0, T1))).toEqual([]);
    expect(await dataSource.transaction((t) => claimDueDeliveries(t, 8, T1, T2))).toHaveLength(3);
  });

  it('settles: an attempt is counted and recorded, a postponement is not; cancelling touches pending ones only', async () => {
    await settleDelivery(m, 'd1', { status: 'pending', attempted: true, lastStatus: 500, lastError: 'boom', nextAttemptAt: T2, settledAt: null, at: T1 });
    await settleDelivery(m, 'd1', { status: 'pending', attempted: false, lastStatus: null, lastError: null, nextAttemptAt: T2, settledAt: null, at: T2 });
    await settleDelivery(m, 'd2', { status: 'delivered', attempted: true, lastStatus: 204, lastError: null, nextAttemptAt: T1, settledAt: T1, at: T1 });
    await cancelPendingDeliveries(m, 'e1', 'endpoint disabled', T2);
    const byId = new Map((await deliveriesOf(m, 'e1', 10)).map((d) => [d.id, d]));
    expect(byId.get('d1')).toMatchObject({
      status: 'cancelled',
      attempts: 1,
      lastAttemptAt: T1,
      lastStatus: 500,
      lastError: 'endpoint disabled',
      settledAt: T2,
    });
    expect(byId.get('d2')).toMatchObject({ status: 'delivered', attempts: 1, lastStatus: 204, lastError: null, settledAt: T1 });
    // Never attempted, so never judged readable by the endpoint's partner: not in its history.
    expect(byId.has('d3')).toBe(false);
  });
});
