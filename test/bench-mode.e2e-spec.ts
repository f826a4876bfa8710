import { validateConfig } from '../src/config/app-config';
import { bearer, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * BENCH_UNGOVERNED takes governance out of the data path so `npm run bench` can price it. It must
 * never be reachable where it matters, and even on a developer's loopback it serves no field the
 * caller's policy does not grant and takes no SQL from a request.
 */
describe('benchmark-only ungoverned mode', () => {
  it('is refused in production and off loopback', () => {
    expect(() => validateConfig({ NODE_ENV: 'production', BENCH_UNGOVERNED: 'true', HOST: '127.0.0.1' })).toThrow(/BENCH_UNGOVERNED/);
    expect(() => validateConfig({ NODE_ENV: 'development', BENCH_UNGOVERNED: 'true' })).toThrow(/loopback/);
    expect(() => validateConfig({ NODE_ENV: 'development', BENCH_UNGOVERNED: 'true', HOST: '127.0.0.1' })).not.toThrow();
  });

  describe('on loopback', () => {
    let governed: TestGateway;
    let ungoverned: TestGateway;
    beforeAll(async () => {
      governed = await TestGateway.start();
      ungoverned = await TestGateway.start({ BENCH_UNGOVERNED: 'true', HOST: '127.0.0.1' });
    });
    afterAll(async () => {
      await governed.stop();
      await ungoverned.stop();
    });

    it('serves the governed answer\u2019s rows and columns, writing no audit event', async () => {
      const before = await ungoverned.auditCount();
      const fast = await ungoverned.http
        .get('/api/v1/demand-signals')
        .set('Authorization', await bearer(ungoverned, NORTHWIND))
        .expect(200);
      const real = await governed.http
        .get('/api/v1/demand-signals')
        .set('Authorization', await bearer(governed, NORTHWIND))
        .expect(200);
      expect(fast.body.data.map((r: { id: string }) => r.id)).toEqual(real.body.data.map((r: { id: string }) => r.id));
      expect(fast.body.meta.fields).toEqual(real.body.meta.fields);
      expect(await ungoverned.auditCount()).toBe(before);
    });

    it('refuses fields the policy does not grant, and field names that are SQL', async () => {
      const token = await bearer(ungoverned, NORTHWIND);
      for (const fields of ['customerName', 'unitPrice', 'sku||(select hash from audit_head)', 'id,sku) AS x FROM audit_events --']) {
        const res = await ungoverned.http.get('/api/v1/demand-signals').query({ fields }).set('Authorization', token);
        expect(res.status).toBe(403);
        expect(res.body.data).toBeUndefined();
      }
    });
  });
});
