import { randomBytes } from 'node:crypto';
import { TestGateway } from './support/test-app';

function policyFor(partnerId: string, requestsPerMinute: number) {
  return {
    partner: { id: partnerId, name: `Partner ${partnerId}`, kind: 'supplier', attributes: { skus: ['SKU-100'] } },
    limits: { requestsPerMinute, maxPageSize: 50 },
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
  };
}

async function putPolicy(gw: TestGateway, partnerId: string, limit: number): Promise<void> {
  const gov = await gw.token({ roles: ['governance'], sub: 'officer@orchestrator' });
  await gw.http.put(`/api/v1/policies/${partnerId}`).set('Authorization', `Bearer ${gov}`).send(policyFor(partnerId, limit)).expect(200);
}

describe('per-partner rate limits', () => {
  describe('in memory', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await TestGateway.start();
    });
    afterAll(async () => {
      await gw.stop();
    });

    it("answers 429 with Retry-After over the policy's requestsPerMinute, audited, without starving another partner", async () => {
      const flood = `flood-${randomBytes(3).toString('hex')}`;
      await putPolicy(gw, flood, 3);
      const token = await gw.token({ roles: ['partner'], partner: flood, purpose: 'planning' });
      for (let i = 0; i < 3; i++) {
        const ok = await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${token}`).expect(200);
        expect(ok.headers['ratelimit-limit']).toBe('3');
        expect(ok.headers['ratelimit-remaining']).toBe(String(2 - i));
      }
      const seq = await gw.headSeq();
      const limited = await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${token}`).expect(429);
      expect(limited.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      const [event] = await gw.auditSince(seq);
      expect(event).toMatchObject({ decision: 'deny', status: 429, code: 'RATE_LIMITED', actor_partner_id: flood });
      // GraphQL counts against the same quota.
      const gql = await gw.http.post('/graphql').set('Authorization', `Bearer ${token}`).send({ query: '{ demandSignals { nodes { id } } }' });
      expect(gql.body.errors[0].extensions.code).toBe('RATE_LIMITED');
      // Another partner is not affected.
      const other = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' });
      await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${other}`).expect(200);
    });
  });

  describe('shared through Redis by two gateways', () => {
    let a: TestGateway;
    let b: TestGateway;
    beforeAll(async () => {
      a = await TestGateway.start({ REDIS_URL: 'redis://127.0.0.1:6379' });
      b = await TestGateway.start({ REDIS_URL: 'redis://127.0.0.1:6379' });
    });
    afterAll(async () => {
      await a.stop();
      await b.stop();
    });

    it('holds one quota per partner across replicas', async () => {
      const partner = `shared-${randomBytes(3).toString('hex')}`;
      await putPolicy(a, partner, 4);
      await putPolicy(b, partner, 4);
      const ta = await a.token({ roles: ['partner'], partner, purpose: 'planning' });
      const tb = await b.token({ roles: ['partner'], partner, purpose: 'planning' });
      await a.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${ta}`).expect(200);
      await b.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${tb}`).expect(200);
      await a.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${ta}`).expect(200);
      await b.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${tb}`).expect(200);
      await a.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${ta}`).expect(429);
      await b.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${tb}`).expect(429);
    });

    it('a deployment with another REDIS_KEY_PREFIX keeps its own quotas on the same Redis', async () => {
      const other = await TestGateway.start({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_KEY_PREFIX: `other-${randomBytes(3).toString('hex')}:` });
      try {
        const partner = `prefixed-${randomBytes(3).toString('hex')}`;
        await putPolicy(a, partner, 2);
        await putPolicy(other, partner, 2);
        const ta = await a.token({ roles: ['partner'], partner, purpose: 'planning' });
        const to = await other.token({ roles: ['partner'], partner, purpose: 'planning' });
        for (let i = 0; i < 2; i++) await a.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${ta}`).expect(200);
        await a.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${ta}`).expect(429);
        await other.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${to}`).expect(200);
      } finally {
        await other.stop();
      }
    });
  });

  describe('Redis unreachable', () => {
    it('partner requests are served on per-replica quotas, without waiting for Redis; the metric says so', async () => {
      const gw = await TestGateway.start({ REDIS_URL: 'redis://127.0.0.1:1' });
      try {
        const token = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' });
        const res = await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${token}`);
        expect(res.status).toBe(200);
        expect(res.headers['ratelimit-limit']).toBe('600');
        expect(res.headers['ratelimit-remaining']).toBe('599');
        expect((await gw.http.get('/metrics')).text).toMatch(/^gateway_rate_limit_fallback 1$/m);
        // Redis is shared by every replica: its outage does not take them all out of rotation.
        await gw.http.get('/health/ready').expect(200);
        const governance = await gw.token({ roles: ['governance'] });
        await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', `Bearer ${governance}`).expect(200);
      } finally {
        await gw.stop();
      }
    });
  });
});
