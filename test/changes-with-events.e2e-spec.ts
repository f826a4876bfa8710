import { bearer, GOVERNANCE, SWIFTLOG } from './support/contract';
import { refuseAuditAppends } from './support/refuse-audit-appends';
import { TestGateway } from './support/test-app';

/**
 * A change and its audit event commit together (AuditService.changeWithEvent): when the event
 * cannot be appended, the change is not kept either, whichever service made it. (Webhook endpoints
 * and shadow mode are covered in their own suites.)
 */
describe('a change is kept only with its audit event', () => {
  let gw: TestGateway;
  let gov: string;
  let swiftlog: string;
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

  beforeAll(async () => {
    gw = await TestGateway.start();
    [gov, swiftlog] = await Promise.all([bearer(gw, GOVERNANCE), bearer(gw, SWIFTLOG)]);
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** Runs `attempt` while the audit log refuses appends; the refusal is lifted even if it throws. */
  async function whileAuditRefuses<T>(attempt: () => Promise<T>): Promise<T> {
    const restore = await refuseAuditAppends(gw);
    try {
      return await attempt();
    } finally {
      await restore();
    }
  }

  it('a policy version, an agreement offer and a partner write all roll back with a 503 and no data', async () => {
    const policy = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', gov).expect(200)).body;
    const [shipmentBefore] = await gw.query<{ status: string }>('SELECT status FROM shipments WHERE id = ?', ['shp-0001']);
    expect(shipmentBefore.status).not.toBe('delayed');

    const answers = await whileAuditRefuses(async () => [
      await gw.http
        .put('/api/v1/policies/supplier-northwind')
        .set('Authorization', gov)
        .send({ ...policy.data.document, note: 'lost' }),
      await gw.http
        .post('/api/v1/agreements')
        .set('Authorization', gov)
        .send({
          id: 'agr-lost',
          partnerId: 'supplier-northwind',
          title: 'Lost',
          terms: 'Never kept.',
          purposes: ['replenishment-planning'],
          subjects: ['DemandSignal'],
          validUntil: inDays(30),
        }),
      await gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', swiftlog).set('Idempotency-Key', 'lost-write').send({ status: 'delayed' }),
    ]);
    for (const answer of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(answer.body.data).toBeUndefined();
    }

    const after = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', gov).expect(200)).body;
    expect(after.meta.version).toBe(policy.meta.version);
    expect(await gw.query('SELECT id FROM agreements WHERE id = ?', ['agr-lost'])).toEqual([]);
    const [shipmentAfter] = await gw.query<{ status: string }>('SELECT status FROM shipments WHERE id = ?', ['shp-0001']);
    expect(shipmentAfter.status).toBe(shipmentBefore.status);
    // The idempotency key was not consumed: the same write, retried once the log accepts events, is applied.
    await gw.http
      .patch('/api/v1/shipments/shp-0001')
      .set('Authorization', swiftlog)
      .set('Idempotency-Key', 'lost-write')
      .send({ status: 'delayed' })
      .expect(200);
    const [shipmentRetried] = await gw.query<{ status: string }>('SELECT status FROM shipments WHERE id = ?', ['shp-0001']);
    expect(shipmentRetried.status).toBe('delayed');
  });
});
