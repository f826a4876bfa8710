import { decodeJwt } from 'jose';
import { TestGateway } from './support/test-app';

/** The console's demo sign-in: open on a developer's machine only, tokens short-lived and audited. */
describe('console demo sign-in', () => {
  describe('outside production, on a loopback HOST, with the embedded key', () => {
    let gw: TestGateway;
    beforeAll(async () => {
      gw = await TestGateway.start({ NODE_ENV: 'development', HOST: '127.0.0.1' });
    });
    afterAll(async () => {
      await gw?.stop();
    });

    it('lists the demo identities by role and partner', async () => {
      const res = await gw.http.get('/console/settings.json').expect(200);
      expect(res.body.signIn).toBe('demo');
      expect(res.body.demoIdentities.map((i: { label: string }) => i.label)).toEqual(
        expect.arrayContaining([
          'Governance officer',
          'Second governance officer',
          'Auditor',
          'Northwind (supplier)',
          'Acme (supplier)',
          'Swiftlog (carrier)',
          'Northstar (carrier)',
          'Globex (customer)',
        ]),
      );
    });

    it('issues a token of at most 15 minutes that the API accepts, and audits the issue', async () => {
      const before = await gw.auditCount();
      const res = await gw.http.post('/console/demo-token').send({ identity: 'officer' }).expect(200);
      const claims = decodeJwt(res.body.data.token as string);
      expect(claims).toMatchObject({ sub: 'demo-officer-1', roles: ['governance'] });
      expect(claims.exp! - claims.iat!).toBeLessThanOrEqual(15 * 60);
      await gw.http.get('/api/v1/policies').set('Authorization', `Bearer ${res.body.data.token}`).expect(200);
      const events = await gw.auditSince(0);
      const issued = events.filter((e) => e.operation === 'POST /console/demo-token');
      expect(issued).toHaveLength(1);
      expect(issued[0]).toMatchObject({ subject: 'DemoToken', decision: 'allow', status: 200 });
      expect(await gw.auditCount()).toBeGreaterThan(before);
    });

    it('answers 404 and offers nothing to a request naming another host (a rebinding DNS name pointed at this machine)', async () => {
      const foreign = await gw.http.post('/console/demo-token').set('Host', 'attacker.example:3000').send({ identity: 'officer' }).expect(404);
      expect(foreign.body.token).toBeUndefined();
      expect((await gw.http.get('/console/settings.json').set('Host', 'attacker.example').expect(200)).body).toMatchObject({
        signIn: 'none',
        demoIdentities: [],
      });
      await gw.http.post('/console/demo-token').set('Host', 'localhost:3000').send({ identity: 'officer' }).expect(200);
    });

    it('refuses an identity that is not a demo one with 400, issuing nothing', async () => {
      const res = await gw.http.post('/console/demo-token').send({ identity: 'admin' }).expect(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.token).toBeUndefined();
    });
  });

  it.each([
    ['OIDC_ISSUER is set', { OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'gateway-console', JWT_JWKS_TIMEOUT_MS: '500' }],
    ['JWT_JWKS_URL is set', { JWT_JWKS_URL: 'https://id.example.com/jwks.json' }],
    ['HOST is not loopback', { HOST: '10.0.0.5' }],
  ])('answers 404 and offers no demo identity when %s', async (_why, settings) => {
    const gw = await TestGateway.start({ NODE_ENV: 'development', HOST: '127.0.0.1', ...settings });
    try {
      await gw.http.post('/console/demo-token').send({ identity: 'officer' }).expect(404);
      const res = await gw.http.get('/console/settings.json').expect(200);
      expect(res.body.demoIdentities).toEqual([]);
      expect(res.body.signIn).not.toBe('demo');
    } finally {
      await gw.stop();
    }
  });
});
