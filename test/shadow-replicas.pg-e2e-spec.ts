import { createTestDatabase, TestDatabase } from './support/database';
import { GOVERNANCE, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * Shadow mode on replicas: the candidate and its tallies live in the database, so a shadow started on
 * one replica is evaluated on the other, and a report on either sums what both counted (each replica
 * writes its own counts before it reports).
 */
describe('shadow mode across replicas', () => {
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

  it('started on A, evaluated on B too; each report sums both replicas; stopped on A, gone on B', async () => {
    const govOnA = `Bearer ${await a.token(GOVERNANCE)}`;
    const govOnB = `Bearer ${await b.token(GOVERNANCE)}`;
    const northwindOnA = `Bearer ${await a.token(NORTHWIND)}`;
    const northwindOnB = `Bearer ${await b.token(NORTHWIND)}`;
    const seed = (await a.http.get('/api/v1/policies/supplier-northwind').set('Authorization', govOnA).expect(200)).body.data.document;
    const doc = structuredClone(seed) as { rules: Array<{ id: string; fields: string[] }>; tests?: unknown };
    delete doc.tests;
    const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
    rule.fields = rule.fields.filter((f) => f !== 'productFamily');

    await a.http.put('/api/v1/policies/supplier-northwind/shadow').set('Authorization', govOnA).send(doc).expect(200);
    const answerOnB = (await b.http.get('/api/v1/demand-signals?limit=5').set('Authorization', northwindOnB).expect(200)).body;
    expect(answerOnB.data[0].productFamily).toBeDefined();
    await a.http.post('/graphql').set('Authorization', northwindOnA).send({ query: '{ demandSignals(first: 5) { nodes { id productFamily } } }' }).expect(200);

    // B writes its own count as it reports; A then writes its own and sums both.
    const onB = (await b.http.get('/api/v1/policies/supplier-northwind/shadow').set('Authorization', govOnB).expect(200)).body;
    expect(onB.evaluated).toBeGreaterThanOrEqual(1);
    const onA = (await a.http.get('/api/v1/policies/supplier-northwind/shadow').set('Authorization', govOnA).expect(200)).body;
    expect(onA).toMatchObject({ evaluated: 2, differing: 2 });
    expect(onA.operations).toEqual([expect.objectContaining({ operation: 'read DemandSignal', rowsGained: 0, rowsLost: 0, fieldsLost: ['productFamily'] })]);
    const replicasCounted = await a.query<{ n: number | string }>("SELECT COUNT(*) AS n FROM shadow_tallies WHERE operation = ''");
    expect(Number(replicasCounted[0].n)).toBeGreaterThanOrEqual(2);

    await a.http.delete('/api/v1/policies/supplier-northwind/shadow').set('Authorization', govOnA).expect(204);
    expect((await b.http.get('/api/v1/policies/supplier-northwind/shadow').set('Authorization', govOnB)).status).toBe(404);
  });
});
