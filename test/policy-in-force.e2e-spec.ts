import { bearer, GOVERNANCE, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * A read is judged by the version in force when its data is read, even when the version changed
 * in the database behind this replica's back (another replica's PUT, a rollback, a suspension):
 * the data query reads the version in the same statement and a page read under an old version
 * is thrown away. Here the changes are made in SQL, so this replica's caches cannot know of them.
 */
describe('the policy version in force, checked by every read', () => {
  let gw: TestGateway;
  let northwind: string;
  beforeAll(async () => {
    gw = await TestGateway.start();
    northwind = await bearer(gw, NORTHWIND);
    const governance = await bearer(gw, GOVERNANCE);
    const current = await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', governance).expect(200);
    await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', governance).send(current.body.data.document).expect(200);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const setPartner = (column: 'policy_version' | 'status', value: unknown) =>
    gw.query(`UPDATE partners SET ${column} = ? WHERE id = ?`, [value, 'supplier-northwind']);
  const restRead = (query: Record<string, string> = {}) => gw.http.get('/api/v1/demand-signals').query(query).set('Authorization', northwind);
  const graphqlRead = async () => (await gw.http.post('/graphql').set('Authorization', northwind).send({ query: '{ demandSignals { nodes { id } } }' })).body;
  const lastAuditedVersion = async () =>
    Number((await gw.query<{ policy_version: number }>('SELECT policy_version FROM audit_events ORDER BY seq DESC LIMIT 1'))[0].policy_version);

  it('a version put back in SQL is in force on the next read, REST and GraphQL, with rows or without', async () => {
    const [v1, v2] = [1, 2];
    expect((await restRead().expect(200)).body.meta.policyVersion).toBe(v2);
    await setPartner('policy_version', v1);
    expect((await restRead().expect(200)).body.meta.policyVersion).toBe(v1);
    await setPartner('policy_version', v2);
    expect((await restRead({ sku: 'NO-SUCH-SKU' }).expect(200)).body).toMatchObject({ data: [], meta: { policyVersion: v2 } });
    await setPartner('policy_version', v1);
    const gql = await graphqlRead();
    expect(gql.errors).toBeUndefined();
    expect(gql.data.demandSignals.nodes.length).toBeGreaterThan(0);
    expect(await lastAuditedVersion()).toBe(v1);
    await setPartner('policy_version', v2);
    await restRead().expect(200);
    expect(await lastAuditedVersion()).toBe(v2);
  });

  it('a partner suspended in SQL is refused on the next read, and served again once active', async () => {
    await restRead().expect(200);
    await setPartner('status', 'suspended');
    try {
      const refused = await restRead().expect(403);
      expect(refused.body.code).toBe('PARTNER_SUSPENDED');
      expect(refused.body.data).toBeUndefined();
      const empty = await restRead({ sku: 'NO-SUCH-SKU' }).expect(403);
      expect(empty.body.code).toBe('PARTNER_SUSPENDED');
      const gql = await graphqlRead();
      expect(gql.data?.demandSignals ?? null).toBeNull();
      expect(gql.errors[0].extensions.code).toBe('PARTNER_SUSPENDED');
    } finally {
      await setPartner('status', 'active');
    }
    await restRead().expect(200);
  });
});
