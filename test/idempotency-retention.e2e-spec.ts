import { randomUUID } from 'node:crypto';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import { bearer, dbRows, NORTHWIND_CAPACITY } from './support/contract';
import { TestGateway } from './support/test-app';

/** Idempotency keys are remembered for IDEMPOTENCY_RETENTION_HOURS, then judged as new and purged. */
describe('idempotency key retention', () => {
  let gw: TestGateway;
  let northwind: string;
  beforeAll(async () => {
    gw = await TestGateway.start({ IDEMPOTENCY_RETENTION_HOURS: '2' });
    northwind = await bearer(gw, NORTHWIND_CAPACITY);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const post = (key: string, notes: string) =>
    gw.http
      .post('/api/v1/capacity-signals')
      .set('Authorization', northwind)
      .set('Idempotency-Key', key)
      .send({ site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2027-02-01', availableQty: 10, riskLevel: 'low', riskNotes: notes });
  const age = (key: string, hours: number) =>
    gw.query('UPDATE idempotency_keys SET created_at = ? WHERE idem_key = ?', [new Date(Date.now() - hours * 3_600_000).toISOString(), key]);
  const keyRows = (key: string) => gw.query('SELECT idem_key FROM idempotency_keys WHERE idem_key = ?', [key]);

  it('within the retention a resend is replayed; after it, the key is free again', async () => {
    const key = randomUUID();
    const first = await post(key, `retention ${key}`).expect(201);
    await age(key, 1);
    const replay = await post(key, `retention ${key}`).expect(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual(first.body);
    expect(await dbRows(gw, 'capacity_signals', 'risk_notes = ?', [`retention ${key}`])).toHaveLength(1);

    await age(key, 3);
    // Expired: a different body is not "key reused" (422) but a new write, and the key now names it.
    const fresh = await post(key, `after retention ${key}`).expect(201);
    expect(fresh.headers['idempotent-replayed']).toBeUndefined();
    expect(fresh.body.data.id).not.toBe(first.body.data.id);
    const again = await post(key, `after retention ${key}`).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.data.id).toBe(fresh.body.data.id);
  });

  it('the purge deletes expired keys only', async () => {
    const [old, recent] = [randomUUID(), randomUUID()];
    await post(old, `purge ${old}`).expect(201);
    await post(recent, `purge ${recent}`).expect(201);
    const more = [randomUUID(), randomUUID()];
    for (const k of more) await post(k, `purge ${k}`).expect(201);
    for (const k of [old, ...more]) await age(k, 5);
    // Batches of two: the purge goes on until a batch comes back short.
    expect(await gw.app.get(IdempotencyService).purgeExpired(2)).toBe(3);
    for (const k of more) expect(await keyRows(k)).toHaveLength(0);
    expect(await keyRows(old)).toHaveLength(0);
    expect(await keyRows(recent)).toHaveLength(1);
  });
});
