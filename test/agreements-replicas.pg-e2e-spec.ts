import { createTestDatabase, TestDatabase } from './support/database';
import { TestGateway } from './support/test-app';

/**
 * An agreement accepted or ended on one replica holds on the other's very next request. Two gateway
 * instances, each with its own caches (compiled policies, the policy last seen in force), share one
 * PostgreSQL database, as replicas behind a load balancer do; nothing tells B of A's change but the
 * partner's agreements revision, which B's data query reads in the same statement as the rows.
 */
describe('agreements across replicas', () => {
  let db: TestDatabase;
  let a: TestGateway;
  let b: TestGateway;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await TestGateway.start({ DATABASE_URL: db.url! });
    b = await TestGateway.start({ DATABASE_URL: db.url! });
  }, 120_000);

  afterAll(async () => {
    await b?.stop();
    await a?.stop();
    await db?.drop();
  });

  it('accepted on A: B grants on its next request; terminated on A: B refuses on its next request, REST and GraphQL', async () => {
    const globex = { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking', sub: 'planner@globex' };
    const globexOnA = `Bearer ${await a.token(globex)}`;
    const globexOnB = `Bearer ${await b.token(globex)}`;
    const govOnA = `Bearer ${await a.token({ roles: ['governance'], sub: 'officer@orchestrator' })}`;
    const rest = () => b.http.get('/api/v1/shipments').query({ fields: 'id,lastLocation' }).set('Authorization', globexOnB);
    const graphql = async () =>
      (await b.http.post('/graphql').set('Authorization', globexOnB).send({ query: '{ shipments { nodes { id lastLocation } } }' })).body as {
        errors?: Array<{ extensions: { code: string } }>;
      };

    // B has judged Globex without the agreement, and keeps that in its caches.
    expect((await rest().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    expect((await graphql()).errors?.[0].extensions.code).toBe('FORBIDDEN_FIELD');

    await a.http.post('/api/v1/me/agreements/agr-globex-locations/accept').set('Authorization', globexOnA).expect(200);
    expect((await rest().expect(200)).body.data.length).toBeGreaterThan(0);
    expect((await graphql()).errors).toBeUndefined();

    await a.http.post('/api/v1/agreements/agr-globex-locations/terminate').set('Authorization', govOnA).expect(200);
    expect((await rest().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    expect((await graphql()).errors?.[0].extensions.code).toBe('FORBIDDEN_FIELD');

    const granted = await a.query<{ agreement_ids: string }>(
      "SELECT agreement_ids FROM audit_events WHERE actor_partner_id = 'customer-globex' AND operation = 'GET /api/v1/shipments' AND status = 200",
    );
    expect(granted.map((r) => JSON.parse(r.agreement_ids) as string[])).toEqual([['agr-globex-locations']]);
  });
});
