import { GovernedDataService } from '../src/access/governed-data.service';
import { GovernedWriteService } from '../src/access/governed-write.service';
import { AuditService } from '../src/audit/audit.service';
import { UngovernedAuditService } from '../src/bench/ungoverned-audit.service';
import { UngovernedDataService, UngovernedWriteService } from '../src/bench/ungoverned-data.service';
import { compileUngoverned } from '../src/bench/ungoverned-module';
import { bearer, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * The ungoverned gateway (src/bench, its own entry) takes governance out of the data path so
 * `npm run bench` can price it. It must never be reachable where it matters, and even on a
 * developer's loopback it serves no field the caller's policy does not grant and takes no SQL from
 * a request.
 */
describe('benchmark-only ungoverned mode', () => {
  it('is refused in production and off loopback', async () => {
    await expect(compileUngoverned({ NODE_ENV: 'production', HOST: '127.0.0.1', METRICS_TOKEN: 'x'.repeat(32) })).rejects.toThrow(
      /ungoverned benchmark gateway: refused when NODE_ENV=production/,
    );
    await expect(compileUngoverned({ NODE_ENV: 'development', HOST: '0.0.0.0' })).rejects.toThrow(/ungoverned benchmark gateway: listens on loopback only/);
  });

  describe('on loopback', () => {
    let governed: TestGateway;
    let ungoverned: TestGateway;
    beforeAll(async () => {
      governed = await TestGateway.start();
      ungoverned = await TestGateway.start({ HOST: '127.0.0.1' }, compileUngoverned);
    });
    afterAll(async () => {
      await governed.stop();
      await ungoverned.stop();
    });

    it('serves the governed answer\u2019s rows and columns, writing no audit event', async () => {
      expect(ungoverned.app.get(GovernedDataService)).toBeInstanceOf(UngovernedDataService);
      expect(ungoverned.app.get(GovernedWriteService)).toBeInstanceOf(UngovernedWriteService);
      expect(ungoverned.app.get(AuditService)).toBeInstanceOf(UngovernedAuditService);
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
