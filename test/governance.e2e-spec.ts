import { TestGateway } from './support/test-app';

const NORTHWIND = 'supplier-northwind';

describe('governance', () => {
  let gw: TestGateway;
  let officer: string;
  let second: string;
  beforeAll(async () => {
    gw = await TestGateway.start();
    officer = await gw.token({ roles: ['governance'], sub: 'ada@orchestrator' });
    second = await gw.token({ roles: ['governance'], sub: 'grace@orchestrator' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const as = (token: string) => ({
    get: (p: string) => gw.http.get(p).set('Authorization', `Bearer ${token}`),
    put: (p: string, body: object) => gw.http.put(p).set('Authorization', `Bearer ${token}`).send(body),
    post: (p: string, body: object) => gw.http.post(p).set('Authorization', `Bearer ${token}`).send(body),
  });
  const current = async () => (await as(officer).get(`/api/v1/policies/${NORTHWIND}`).expect(200)).body;
  const supplierRead = async () => {
    const t = await gw.token({ roles: ['partner'], partner: NORTHWIND, purpose: 'replenishment-planning' });
    return (await gw.http.get('/api/v1/demand-signals?limit=500').set('Authorization', `Bearer ${t}`).expect(200)).body;
  };

  it('refuses a wrong document naming every problem, and keeps the version in force', async () => {
    const before = await current();
    const doc = structuredClone(before.data.document);
    doc.rules[0].fields[3] = 'unitprice';
    doc.rules[1].subject = 'Demand';
    doc.rules[2].conditions = { region: { $regex: 'EMEA' } };
    doc.rules[3].conditions = { supplierId: '${partner.attributes.nope}' };
    const res = await as(officer).put(`/api/v1/policies/${NORTHWIND}`, doc).expect(400);
    expect(res.body.code).toBe('POLICY_INVALID');
    const messages = res.body.problems.map((p: { path: string; message: string }) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^rules\[0\]\.fields\[3\]: unknown field 'unitprice' of DemandSignal; did you mean 'unitPrice'\?/),
        expect.stringMatching(/^rules\[1\]\.subject: unknown subject/),
        expect.stringMatching(/^rules\[2\]\.conditions\.region\.\$regex: unknown operator/),
        expect.stringMatching(/^rules\[3\]\.conditions\.supplierId: placeholder \$\{partner\.attributes\.nope\} does not resolve/),
      ]),
    );
    expect((await current()).meta.version).toBe(before.meta.version);
  });

  it('simulates a draft, puts it in force for the next request, lists versions, and rolls back', async () => {
    const before = await current();
    const rowsBefore = (await supplierRead()).data;
    const draft = structuredClone(before.data.document);
    draft.rules[0].fields = draft.rules[0].fields.filter((f: string) => f !== 'orderedQty');
    draft.partner.attributes.skus = [...draft.partner.attributes.skus, 'SKU-300'];
    // The draft's own tests expected orderedQty: a simulation reports the failure, a PUT refuses it.
    const failing = await as(officer).put(`/api/v1/policies/${NORTHWIND}`, draft).expect(400);
    expect(failing.body.detail).toMatch(/tests fail/);
    draft.tests = draft.tests.map((t: { allowed?: string[]; denied?: string[] }) => ({ ...t, allowed: (t.allowed ?? []).filter((f) => f !== 'orderedQty') }));

    const sim = await as(officer)
      .post(`/api/v1/policies/${NORTHWIND}/simulate`, {
        document: draft,
        action: 'read',
        subject: 'DemandSignal',
        purpose: 'replenishment-planning',
        record: { sku: 'SKU-100', region: 'EMEA' },
      })
      .expect(200);
    const byField = Object.fromEntries(sim.body.data.fields.map((f: { field: string }) => [f.field, f]));
    expect(byField.forecastQty).toMatchObject({ allowed: true, ruleId: 'demand-for-supplied-skus' });
    expect(byField.orderedQty).toMatchObject({ allowed: false, reason: 'not-granted' });
    const impact = sim.body.data.impact.DemandSignal;
    expect(impact.fieldsLost).toEqual(['orderedQty']);
    const [sku300] = await gw.query<{ n: number }>("SELECT COUNT(*) AS n FROM demand_signals WHERE sku = 'SKU-300'");
    expect(impact.rowsGained).toBe(Number(sku300.n));
    expect(impact.rowsDraft).toBe(rowsBefore.length + Number(sku300.n));

    const diff = await as(officer).post(`/api/v1/policies/${NORTHWIND}/diff`, { document: draft }).expect(200);
    expect(diff.body.data.changes).toEqual(
      expect.arrayContaining([expect.objectContaining({ purpose: 'replenishment-planning', subject: 'DemandSignal', action: 'read', lost: ['orderedQty'] })]),
    );

    const put = await as(officer)
      .put(`/api/v1/policies/${NORTHWIND}`, { ...draft, note: 'drop order volumes, add SKU-300' })
      .set('If-Match', String(before.meta.version))
      .expect(200);
    expect(put.body.meta).toMatchObject({ version: before.meta.version + 1, previousVersion: before.meta.version, state: 'active' });
    // What the simulation said is what the data endpoints now answer.
    const after = await supplierRead();
    expect(after.data).toHaveLength(impact.rowsDraft);
    expect(after.meta.fields).not.toContain('orderedQty');
    expect(after.meta.policyVersion).toBe(before.meta.version + 1);

    await as(officer).put(`/api/v1/policies/${NORTHWIND}`, draft).set('If-Match', String(before.meta.version)).expect(412);

    const versions = await as(officer).get(`/api/v1/policies/${NORTHWIND}/versions`).expect(200);
    expect(versions.body.data[0]).toMatchObject({
      version: before.meta.version + 1,
      author: 'ada@orchestrator',
      note: 'drop order volumes, add SKU-300',
      inForce: true,
    });

    const back = await as(officer).post(`/api/v1/policies/${NORTHWIND}/rollback`, { version: before.meta.version }).expect(200);
    expect(back.body.meta).toMatchObject({ version: before.meta.version + 2, rolledBackTo: before.meta.version });
    expect((await supplierRead()).data).toHaveLength(rowsBefore.length);
  });

  it('needs a second officer where the document asks for four eyes', async () => {
    const doc = structuredClone((await current()).data.document);
    doc.approval = 'required';
    // Turning four eyes on is itself a change that needs a second officer.
    const first = await as(officer).put(`/api/v1/policies/${NORTHWIND}`, doc).expect(200);
    expect(first.body.meta.state).toBe('proposed');
    const etag = `"${(await current()).meta.version}"`;
    await as(second).post(`/api/v1/policies/${NORTHWIND}/versions/${first.body.meta.version}/approve`, {}).set('If-Match', etag).expect(200);
    const inForce = first.body.meta.version;
    // Four eyes in force: a change names the version it was made against.
    await as(officer)
      .put(`/api/v1/policies/${NORTHWIND}`, { ...doc, limits: { requestsPerMinute: 100, maxPageSize: 50 } })
      .expect(428);
    const proposal = await as(officer)
      .put(`/api/v1/policies/${NORTHWIND}`, { ...doc, limits: { requestsPerMinute: 100, maxPageSize: 50 } })
      .set('If-Match', `"${inForce}"`)
      .expect(200);
    expect(proposal.body.meta.state).toBe('proposed');
    expect((await current()).meta.version).toBe(inForce);
    await as(officer).post(`/api/v1/policies/${NORTHWIND}/versions/${proposal.body.meta.version}/approve`, {}).set('If-Match', `"${inForce}"`).expect(403);
    const approved = await as(second)
      .post(`/api/v1/policies/${NORTHWIND}/versions/${proposal.body.meta.version}/approve`, {})
      .set('If-Match', `"${inForce}"`)
      .expect(200);
    expect(approved.body.meta.approvedBy).toBe('grace@orchestrator');
    expect((await current()).meta.version).toBe(proposal.body.meta.version);
  });

  it('creates a partner with its first policy, and answers the access matrix as JSON and CSV', async () => {
    const doc = {
      partner: { id: 'carrier-new', name: 'New Carrier', kind: 'logistics' },
      rules: [
        {
          id: 'own',
          action: ['read', 'update'],
          subject: 'Shipment',
          fields: ['id', 'carrierId', 'status'],
          conditions: { carrierId: '${partner.id}' },
          purposes: ['shipment-execution'],
        },
      ],
    };
    const created = await as(officer).put('/api/v1/policies/carrier-new', doc).expect(200);
    expect(created.body.meta).toMatchObject({ version: 1, previousVersion: null });
    const matrix = await as(officer).get('/api/v1/access-matrix').expect(200);
    expect(matrix.body.data).toEqual(
      expect.arrayContaining([
        {
          partnerId: 'carrier-new',
          subject: 'Shipment',
          action: 'update',
          purpose: 'shipment-execution',
          fields: ['id', 'carrierId', 'status'],
          rows: 'conditional',
          fieldsOnSomeRows: [],
          agreementIds: [],
        },
      ]),
    );
    const northwind = matrix.body.data.filter((r: { partnerId: string; subject: string }) => r.partnerId === 'customer-globex' && r.subject === 'Shipment');
    expect(northwind[0].fields).not.toContain('freightCost');
    const csv = await as(officer).get('/api/v1/access-matrix?format=csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('partnerId,subject,action,purpose,rows,fields,fieldsOnSomeRows');
    expect(csv.text).toContain('carrier-new,Shipment,update,shipment-execution,conditional,id carrierId status,\n');
  });

  it('audits every governance action and keeps policies closed to other roles', async () => {
    const seq = await gw.headSeq();
    const inForce = await current();
    const doc = inForce.data.document;
    await as(second)
      .put(`/api/v1/policies/${NORTHWIND}`, { ...doc, approval: 'none' })
      .set('If-Match', `"${inForce.meta.version}"`)
      .expect(200);
    const events = await gw.auditSince(seq);
    const change = events.find((e) => e.action === 'update' && e.subject === 'Policy');
    expect(change).toMatchObject({ decision: 'allow', actor_sub: 'grace@orchestrator' });
    expect(String(change!.reason)).toMatch(/version \d+ -> \d+/);
    const partner = await gw.token({ roles: ['partner'], partner: NORTHWIND, purpose: 'replenishment-planning' });
    await gw.http.get('/api/v1/policies').set('Authorization', `Bearer ${partner}`).expect(403);
    await gw.http
      .put(`/api/v1/policies/${NORTHWIND}`)
      .set('Authorization', `Bearer ${await gw.token({ roles: ['admin'] })}`)
      .send(doc)
      .expect(403);
    await gw.http
      .get('/api/v1/policies')
      .set('Authorization', `Bearer ${await gw.token({ roles: ['admin'] })}`)
      .expect(200);
    await gw.http
      .get('/api/v1/policies')
      .set('Authorization', `Bearer ${await gw.token({ roles: ['auditor'] })}`)
      .expect(403);
  });
});

describe('governance over GraphQL', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  const gql = async (token: string, query: string, variables: object = {}) =>
    (await gw.http.post('/graphql').set('Authorization', `Bearer ${token}`).send({ query, variables }).expect(200)).body;

  it('reads, simulates, puts and rolls back through the same services', async () => {
    const officer = await gw.token({ roles: ['governance'], sub: 'ada@orchestrator' });
    const read = await gql(
      officer,
      '{ policy(partnerId: "carrier-swiftlog") { version document } policies { partnerId } accessMatrix { partnerId subject action fields } }',
    );
    expect(read.errors).toBeUndefined();
    expect(read.data.policy.version).toBe(1);
    expect(read.data.policies.length).toBeGreaterThanOrEqual(5);
    const doc = read.data.policy.document;
    const sim = await gql(officer, 'query($i: SimulatePolicyInput!) { simulatePolicy(partnerId: "carrier-swiftlog", input: $i) }', {
      i: { action: 'update', subject: 'Shipment', purpose: 'shipment-execution', record: { carrierId: 'carrier-swiftlog' } },
    });
    expect(sim.errors).toBeUndefined();
    const freight = sim.data.simulatePolicy.fields.find((f: { field: string }) => f.field === 'freightCost');
    expect(freight.allowed).toBe(false);
    const put = await gql(
      officer,
      'mutation($d: JSON!) { putPolicy(partnerId: "carrier-swiftlog", document: $d, note: "same rules", ifMatch: 1) { version note } }',
      { d: doc },
    );
    expect(put.data.putPolicy).toEqual({ version: 2, note: 'same rules' });
    const back = await gql(officer, 'mutation { rollbackPolicy(partnerId: "carrier-swiftlog", version: 1) { version } }');
    expect(back.data.rollbackPolicy.version).toBe(3);
    const versions = await gql(officer, '{ policyVersions(partnerId: "carrier-swiftlog") { version inForce author } }');
    expect(versions.data.policyVersions[0]).toEqual({ version: 3, inForce: true, author: 'ada@orchestrator' });
    const partner = await gw.token({ roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const refused = await gql(partner, 'mutation($d: JSON!) { putPolicy(partnerId: "carrier-swiftlog", document: $d) { version } }', { d: doc });
    expect(refused.errors[0].extensions.code).toBe('FORBIDDEN_ROLE');
  });
});
