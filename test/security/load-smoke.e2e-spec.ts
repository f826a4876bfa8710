import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { bearer, GOVERNANCE, NORTHWIND } from '../support/contract';
import { TestGateway } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * A short load check (smoke mode: counts, not timings). Two partners at once: one floods far past
 * its policy's requestsPerMinute and gets its own 429s, every one audited; the other keeps getting
 * 200s throughout. Nothing answers 5xx.
 */
describe('load smoke: one partner flooding does not starve another', () => {
  let gw: TestGateway;
  let base: string;
  const flooder = `flood-${randomBytes(3).toString('hex')}`;
  const LIMIT = 40;

  beforeAll(async () => {
    gw = await TestGateway.start();
    await gw.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(gw.app.getHttpServer().address() as AddressInfo).port}`;
    const gov = await bearer(gw, GOVERNANCE);
    await gw.http
      .put(`/api/v1/policies/${flooder}`)
      .set('Authorization', gov)
      .send({
        partner: { id: flooder, name: 'Flooding supplier', kind: 'supplier', attributes: { skus: ['SKU-100'] } },
        limits: { requestsPerMinute: LIMIT, maxPageSize: 50 },
        rules: [
          {
            id: 'demand',
            action: 'read',
            subject: 'DemandSignal',
            fields: ['id', 'sku', 'forecastQty'],
            conditions: { sku: { $in: '${partner.attributes.skus}' } },
            purposes: ['planning'],
          },
        ],
      })
      .expect(200);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const run = (opts: autocannon.Options) =>
    new Promise<autocannon.Result>((resolve, reject) => {
      autocannon(opts, (err, result) => (err ? reject(err instanceof Error ? err : new Error(String(err))) : resolve(result)));
    });
  const count = (r: autocannon.Result, status: number) =>
    Number((r.statusCodeStats as Record<string, { count: number }> | undefined)?.[String(status)]?.count ?? 0);

  it('the flooder gets 429s, the other partner only 200s', async () => {
    const flood = await bearer(gw, { roles: ['partner'], partner: flooder, purpose: 'planning' });
    const steady = await bearer(gw, NORTHWIND);
    const seq = await gw.headSeq();
    const [a, b] = await Promise.all([
      run({ url: `${base}/api/v1/demand-signals?limit=5`, connections: 8, amount: 400, headers: { authorization: flood } }),
      run({ url: `${base}/api/v1/demand-signals?limit=5`, connections: 2, amount: 120, headers: { authorization: steady } }),
    ]);

    expect(a.errors + b.errors + a.timeouts + b.timeouts).toBe(0);
    expect(count(a, 200)).toBe(LIMIT);
    expect(count(a, 429)).toBe(400 - LIMIT);
    expect(count(b, 200)).toBe(120);
    expect(b.non2xx).toBe(0);
    for (const r of [a, b]) for (const s of Object.keys(r.statusCodeStats ?? {})) expect(Number(s)).toBeLessThan(500);

    // every request, refused or not, has its audit event
    const events = await gw.auditSince(seq);
    const of = (partner: string, decision?: string) => events.filter((e) => e.actor_partner_id === partner && (!decision || e.decision === decision)).length;
    expect(of(flooder)).toBe(400);
    expect(of(flooder, 'deny')).toBe(400 - LIMIT);
    expect(of('supplier-northwind')).toBe(120);
    expect(of('supplier-northwind', 'deny')).toBe(0);
  });
});
