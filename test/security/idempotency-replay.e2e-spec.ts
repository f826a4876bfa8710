import { TestGateway } from '../support/test-app';

const NORTHWIND = 'supplier-northwind';

/** An Idempotency-Key replay is answered under the purpose, caller and policy in force now. */
describe('idempotent replays do not outlive purpose or policy', () => {
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

  const supplier = (purpose: string, sub = 'planner@northwind') => gw.token({ roles: ['partner'], partner: NORTHWIND, purpose, sub });
  const post = (token: string, key: string, body: object) =>
    gw.http.post('/api/v1/capacity-signals').set('Authorization', `Bearer ${token}`).set('Idempotency-Key', key).send(body);
  const signal = (notes: string) => ({
    site: 'PLANT-DE-1',
    sku: 'SKU-100',
    periodStart: '2027-01-04',
    availableQty: 900,
    riskLevel: 'low',
    riskNotes: notes,
    unitCost: 4.25,
  });
  const rowsWithNotes = async (notes: string) =>
    (await gw.query<{ id: string }>('SELECT id FROM capacity_signals WHERE risk_notes = ? ORDER BY id', [notes])).map((r) => r.id);

  /** Puts a new policy version in force the way governance does: PUT, and approval by a second officer when four-eyes applies. */
  async function putInForce(change: (doc: Record<string, unknown> & { rules: Array<Record<string, unknown>> }) => void) {
    const current = (await gw.http.get(`/api/v1/policies/${NORTHWIND}`).set('Authorization', `Bearer ${officer}`).expect(200)).body;
    const doc = structuredClone(current.data.document);
    change(doc);
    doc.tests = [];
    const put = await gw.http.put(`/api/v1/policies/${NORTHWIND}`).set('Authorization', `Bearer ${officer}`).send(doc);
    expect([200, 202]).toContain(put.status);
    if (put.body.meta.state === 'proposed') {
      await gw.http.post(`/api/v1/policies/${NORTHWIND}/versions/${put.body.meta.version}/approve`).set('Authorization', `Bearer ${second}`).expect(200);
    }
    const after = (await gw.http.get(`/api/v1/policies/${NORTHWIND}`).set('Authorization', `Bearer ${officer}`).expect(200)).body;
    expect(after.meta.version).toBe(current.meta.version + 1);
  }

  it('a replay after a policy change no longer returns a field withheld now, and its audit event says what it returned', async () => {
    const token = await supplier('capacity-planning');
    const first = await post(token, 'replay-field', signal('replay-field')).expect(201);
    expect(first.body.data.unitCost).toBe(4.25);

    await putInForce((doc) => {
      doc.rules.push({
        id: 'no-unit-cost-for-now',
        action: 'read',
        subject: 'CapacitySignal',
        fields: ['unitCost'],
        inverted: true,
        purposes: ['capacity-planning', 'replenishment-planning'],
        reason: 'Unit cost withheld while prices are renegotiated.',
      });
    });

    const seq = await gw.headSeq();
    const again = await post(token, 'replay-field', signal('replay-field')).expect(201);
    expect(again.body.data.id).toBe(first.body.data.id);
    expect(again.body.data).not.toHaveProperty('unitCost');
    expect(again.body.data).toMatchObject({ availableQty: 900, riskNotes: 'replay-field' });
    expect(await rowsWithNotes('replay-field')).toEqual([first.body.data.id]);

    const [event] = await gw.auditSince(seq);
    expect(event).toMatchObject({ decision: 'partial', status: 201, reason: 'idempotent replay: nothing written' });
    expect(JSON.parse(String(event.fields_returned))).toEqual(Object.keys(again.body.data).sort());
    expect(JSON.parse(String(event.fields_denied))).toEqual(['unitCost']);
  });

  it('a replay for another purpose gets the refusal that purpose gets without the key', async () => {
    const planning = await supplier('capacity-planning');
    const first = await post(planning, 'replay-purpose', signal('replay-purpose')).expect(201);
    // Northwind's capacity rules name no purpose 'market-research'.
    const other = await supplier('market-research');
    const withoutKey = await gw.http.post('/api/v1/capacity-signals').set('Authorization', `Bearer ${other}`).send(signal('replay-purpose'));
    expect(withoutKey.status).toBe(403);
    const seq = await gw.headSeq();
    const replay = await post(other, 'replay-purpose', signal('replay-purpose'));
    expect(replay.status).toBe(withoutKey.status);
    expect(replay.body.code).toBe(withoutKey.body.code);
    expect(JSON.stringify(replay.body)).not.toContain(first.body.data.id);
    expect(await rowsWithNotes('replay-purpose')).toEqual([first.body.data.id]);
    const [event] = await gw.auditSince(seq);
    expect(event).toMatchObject({ decision: 'deny', status: 403, purpose: 'market-research' });
  });

  it('the same purpose without the right any more gets the refusal, not the remembered answer', async () => {
    const token = await supplier('capacity-planning');
    await post(token, 'replay-revoked', signal('replay-revoked')).expect(201);
    await putInForce((doc) => {
      const own = doc.rules.find((r) => r.id === 'own-capacity')!;
      own.action = ['read', 'update'];
    });
    const fresh = await gw.http.post('/api/v1/capacity-signals').set('Authorization', `Bearer ${token}`).send(signal('replay-revoked-fresh'));
    const replay = await post(token, 'replay-revoked', signal('replay-revoked'));
    expect(fresh.status).toBe(403);
    expect(replay.status).toBe(403);
    expect(replay.body.code).toBe(fresh.body.code);
    expect(replay.body).not.toHaveProperty('data');
  });

  it('another user of the same partner does not get the first answer', async () => {
    await putInForce((doc) => {
      const own = doc.rules.find((r) => r.id === 'own-capacity')!;
      own.action = ['read', 'create', 'update'];
    });
    const first = await post(await supplier('capacity-planning', 'alice@northwind'), 'replay-user', signal('replay-user')).expect(201);
    const other = await post(await supplier('capacity-planning', 'bob@northwind'), 'replay-user', signal('replay-user'));
    expect(other.status).toBe(201);
    expect(other.body.data.id).not.toBe(first.body.data.id);
    expect((await rowsWithNotes('replay-user')).sort()).toEqual([first.body.data.id, other.body.data.id].sort());
  });
});
