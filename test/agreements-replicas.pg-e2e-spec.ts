import { GatewayProcess } from './support/gateway-process';
import { ReplicaPair } from './support/replica-pair';

/**
 * An agreement accepted or ended on one replica holds on the other's very next request: the other
 * replica's caches (compiled policy, policy last seen in force) are keyed by the partner's
 * agreements revision, which its data query reads in the same statement as the rows.
 */
describe('agreements across replicas', () => {
  let pair: ReplicaPair;
  let a: GatewayProcess;
  let b: GatewayProcess;

  beforeAll(async () => {
    pair = await ReplicaPair.start();
    ({ a, b } = pair);
  }, 120_000);

  afterAll(async () => {
    await pair?.stop();
  });

  it('accepted on A: B grants on its next request; terminated on A: B refuses on its next request, REST and GraphQL', async () => {
    const globex = await pair.token({ roles: ['partner'], partner_id: 'customer-globex', purpose: 'delivery-tracking' }, 'planner@globex');
    const gov = await pair.token({ roles: ['governance'] }, 'officer@orchestrator');
    const rest = () => pair.call(b, '/api/v1/shipments?fields=id,lastLocation', globex);
    const graphql = async () => (await (await pair.call(b, '/graphql', globex, { method: 'POST', body: JSON.stringify({ query: '{ shipments { nodes { id lastLocation } } }' }) })).json()) as {
      errors?: Array<{ extensions: { code: string } }>;
    };

    // B has judged Globex without the agreement, and keeps that in its caches.
    expect((await rest()).status).toBe(403);
    expect((await graphql()).errors?.[0].extensions.code).toBe('FORBIDDEN_FIELD');

    expect((await pair.call(a, '/api/v1/me/agreements/agr-globex-locations/accept', globex, { method: 'POST', body: '{}' })).status).toBe(200);
    const granted = await rest();
    expect(granted.status).toBe(200);
    expect(((await granted.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
    expect((await graphql()).errors).toBeUndefined();

    expect((await pair.call(a, '/api/v1/agreements/agr-globex-locations/terminate', gov, { method: 'POST', body: '{}' })).status).toBe(200);
    const refused = await rest();
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { code: string }).code).toBe('FORBIDDEN_FIELDS');
    expect((await graphql()).errors?.[0].extensions.code).toBe('FORBIDDEN_FIELD');

    const { rows } = await pair.pg.query(`SELECT agreement_ids FROM audit_events WHERE actor_partner_id = 'customer-globex' AND operation = 'GET /api/v1/shipments' AND status = 200`);
    expect(rows.map((r: { agreement_ids: string }) => JSON.parse(r.agreement_ids))).toEqual([['agr-globex-locations']]);
  });
});
