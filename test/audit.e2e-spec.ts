import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TestGateway } from './support/test-app';

const run = promisify(execFile);
const NORTHWIND = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };
const SWIFTLOG = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };

describe('audit log', () => {
  let gw: TestGateway;
  let auditor: string;

  beforeAll(async () => {
    gw = await TestGateway.start();
    auditor = await gw.token({ roles: ['auditor'], sub: 'auditor@orchestrator' });
    const nw = await gw.token(NORTHWIND);
    const sw = await gw.token(SWIFTLOG);
    // Some traffic: allowed, partial, denied, unauthenticated, a write.
    await gw.http.get('/api/v1/demand-signals').set('Authorization', `Bearer ${nw}`).expect(200);
    await gw.http.get('/api/v1/demand-signals?fields=unitPrice').set('Authorization', `Bearer ${nw}`).expect(403);
    await gw.http.get('/api/v1/shipments').set('Authorization', `Bearer ${sw}`).expect(200);
    await gw.http.get('/api/v1/shipments').expect(401);
    await gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', `Bearer ${sw}`).send({ status: 'delayed' }).expect(200);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const get = (path: string) => gw.http.get(path).set('Authorization', `Bearer ${auditor}`);

  it('answers what a partner read and was refused, with the contract fields', async () => {
    const res = await get('/api/v1/audit-events?partnerId=supplier-northwind').expect(200);
    expect(res.body.data.length).toBe(2);
    const [allowed, denied] = res.body.data;
    expect(allowed).toMatchObject({
      transport: 'rest',
      operation: 'GET /api/v1/demand-signals',
      action: 'read',
      subject: 'DemandSignal',
      purpose: 'replenishment-planning',
      decision: 'partial',
      status: 200,
      policyVersion: 1,
      actor: { sub: 'user@supplier-northwind', partnerId: 'supplier-northwind', roles: ['partner'] },
    });
    expect(allowed.rowCount).toBeGreaterThan(0);
    expect(allowed.resourceIds).toHaveLength(allowed.rowCount);
    expect(allowed.fieldsDenied).toEqual(['orderedQty']);
    expect(allowed.ruleIds).toEqual(expect.arrayContaining(['demand-for-supplied-skus', 'no-order-volumes-in-restricted-region']));
    for (const key of ['id', 'seq', 'at', 'requestId', 'fieldsReturned', 'latencyMs', 'prevHash', 'hash']) expect(allowed).toHaveProperty(key);
    expect(denied).toMatchObject({ decision: 'deny', status: 403, code: 'FORBIDDEN_FIELDS' });
    const onlyDenied = await get('/api/v1/audit-events?decision=deny&partnerId=supplier-northwind').expect(200);
    expect(onlyDenied.body.data.map((e: { seq: number }) => e.seq)).toEqual([denied.seq]);
  });

  it('never stores sensitive values or the token', async () => {
    const rows = await gw.query('SELECT * FROM audit_events');
    const text = JSON.stringify(rows);
    const [price] = await gw.query<{ unit_price: number; customer_name: string }>('SELECT unit_price, customer_name FROM demand_signals LIMIT 1');
    expect(text).not.toContain(price.customer_name);
    expect(text).not.toContain('eyJ');
  });

  it('pages with opaque cursors and audits the auditor', async () => {
    const seq = await gw.headSeq();
    const first = await get('/api/v1/audit-events?limit=2').expect(200);
    expect(first.body.data).toHaveLength(2);
    const second = await get(`/api/v1/audit-events?limit=2&cursor=${first.body.meta.nextCursor}`).expect(200);
    expect(second.body.data[0].seq).toBe(first.body.data[1].seq + 1);
    await get('/api/v1/audit-events?cursor=garbage').expect(400);
    const own = await gw.auditSince(seq);
    expect(own.length).toBe(3);
    expect(own[0]).toMatchObject({ actor_sub: 'auditor@orchestrator', subject: 'AuditEvent', decision: 'allow' });
    const one = await get(`/api/v1/audit-events/${first.body.data[0].id}`).expect(200);
    expect(one.body.data.seq).toBe(first.body.data[0].seq);
  });

  it('is closed to partners and governance officers', async () => {
    await gw.http
      .get('/api/v1/audit-events')
      .set('Authorization', `Bearer ${await gw.token(NORTHWIND)}`)
      .expect(403);
    await gw.http
      .get('/api/v1/audit-events')
      .set('Authorization', `Bearer ${await gw.token({ roles: ['governance'] })}`)
      .expect(403);
  });

  it('exports as CSV and NDJSON, streamed', async () => {
    const csv = await get('/api/v1/audit-events/export?format=csv').expect(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0].startsWith('seq,id,at,')).toBe(true);
    const nd = await get('/api/v1/audit-events/export?format=ndjson&decision=deny').expect(200);
    const events = nd.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.length).toBeGreaterThanOrEqual(2);
    expect(events.every((e) => e.decision === 'deny')).toBe(true);
    await get('/api/v1/audit-events/export?format=xml').expect(400);
    // A filter no event can match (NUL is stored as \0) is refused before any byte leaves, in both forms.
    for (const format of ['csv', 'ndjson']) {
      const nul = await get(`/api/v1/audit-events/export?format=${format}&sub=%00`).expect(400);
      expect(nul.body.code).toBe('VALIDATION_FAILED');
    }
    const [{ status }] = await gw.query<{ status: number }>(
      "SELECT status FROM audit_events WHERE operation = 'GET /api/v1/audit-events/export' ORDER BY seq DESC LIMIT 1",
    );
    expect(Number(status)).toBe(400);
  });

  it('verifies the chain over the API and from the command line', async () => {
    const res = await get('/api/v1/audit-events/verify').expect(200);
    expect(res.body).toMatchObject({ ok: true });
    expect(res.body.checked).toBeGreaterThan(5);
    // The verify request's own event is appended after the chain it checked.
    const [head] = await gw.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = ?', [res.body.headSeq]);
    expect(res.body.head).toBe(head.hash);
    const range = await get('/api/v1/audit-events/verify?from=2&to=4').expect(200);
    expect(range.body).toMatchObject({ ok: true, checked: 3 });
    // A range starting after the head holds nothing yet: nothing broken (not a false gap).
    const ahead = await get(`/api/v1/audit-events/verify?from=${res.body.headSeq + 1000}`).expect(200);
    expect(ahead.body).toMatchObject({ ok: true, checked: 0 });
    expect((await get('/api/v1/audit-events/verify?from=99999999999999999999').expect(400)).body.code).toBe('VALIDATION_FAILED');

    const env = { ...process.env, DATA_DIR: gw.dataDir, DATABASE_URL: gw.dialect === 'postgres' ? String(gw.dataSource.options['url' as never]) : '' };
    const { stdout } = await run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-verify.ts'], { env });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true });
  });

  it('refuses UPDATE and DELETE of audit events in the database itself', async () => {
    await expect(gw.query("UPDATE audit_events SET decision = 'allow' WHERE seq = 1")).rejects.toThrow(/append-only/);
    await expect(gw.query('DELETE FROM audit_events WHERE seq = 1')).rejects.toThrow(/append-only/);
  });

  it('keeps seq gap-free and the chain intact under concurrent requests', async () => {
    const nw = await gw.token(NORTHWIND);
    const sw = await gw.token(SWIFTLOG);
    const before = await gw.headSeq();
    const calls = Array.from({ length: 60 }, (_, i) =>
      i % 3 === 0
        ? gw.http
            .patch('/api/v1/shipments/shp-0002')
            .set('Authorization', `Bearer ${sw}`)
            .send({ lastLocation: `Hub ${i}` })
        : gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${i % 2 ? nw : sw}`),
    );
    const results = await Promise.all(calls);
    expect(results.filter((r) => r.status >= 500)).toHaveLength(0);
    const events = await gw.auditSince(before);
    expect(events).toHaveLength(60);
    events.forEach((e, i) => expect(Number(e.seq)).toBe(before + i + 1));
    const res = await get('/api/v1/audit-events/verify').expect(200);
    expect(res.body.ok).toBe(true);
  });
});

describe('the rules behind an audit event', () => {
  let gw: TestGateway;
  let auditor: string;
  const POLICY_FILE = parse(readFileSync(join(__dirname, '..', 'policies', 'supplier-northwind.yaml'), 'utf8')) as { rules: Array<{ id: string }> };

  beforeAll(async () => {
    gw = await TestGateway.start();
    auditor = await gw.token({ roles: ['auditor'], sub: 'auditor@orchestrator' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const get = (path: string, token = auditor) => gw.http.get(path).set('Authorization', `Bearer ${token}`);
  const as = (sub: string) => gw.token({ roles: ['governance'], sub });
  /** A Northwind read of demand signals, and the event it wrote. */
  const northwindRead = async () => {
    const before = await gw.headSeq();
    await get('/api/v1/demand-signals', await gw.token(NORTHWIND)).expect(200);
    const [row] = await gw.auditSince(before);
    return (await get(`/api/v1/audit-events/${String(row.event_id)}`).expect(200)).body.data as { id: string; policyVersion: number; ruleIds: string[] };
  };

  it('answers the rules an event names as the policy file wrote them, and audits the read', async () => {
    const event = await northwindRead();
    expect(event.policyVersion).toBe(1);
    expect(event.ruleIds).toEqual(expect.arrayContaining(['demand-for-supplied-skus', 'no-order-volumes-in-restricted-region']));
    const before = await gw.headSeq();
    const res = await get(`/api/v1/audit-events/${event.id}/rules`).expect(200);
    expect(res.body.data).toMatchObject({ eventId: event.id, partnerId: 'supplier-northwind', policyVersion: 1, ruleIdsNotFound: [] });
    const rules = res.body.data.rules as Array<{ id: string }>;
    expect(rules.map((r) => r.id).sort()).toEqual([...event.ruleIds].sort());
    // Word for word the rules of policies/supplier-northwind.yaml, in the file's order.
    expect(rules).toEqual(POLICY_FILE.rules.filter((r) => event.ruleIds.includes(r.id)));
    expect(rules.find((r) => r.id === 'no-order-volumes-in-restricted-region')).toMatchObject({
      action: 'read',
      subject: 'DemandSignal',
      fields: ['orderedQty'],
      conditions: { region: 'EMEA-RESTRICTED' },
      inverted: true,
    });
    const [own] = await gw.auditSince(before);
    expect(own).toMatchObject({ actor_sub: 'auditor@orchestrator', subject: 'AuditEvent', decision: 'allow', status: 200 });
    expect(own.operation).toBe('GET /api/v1/audit-events/:id/rules');
    expect(JSON.parse(String(own.resource_ids))).toEqual([event.id]);
  });

  it('keeps answering the recorded version after a new one is approved', async () => {
    const old = await northwindRead();
    const officer = await as('ada@orchestrator');
    const second = await as('grace@orchestrator');
    const doc = (await get('/api/v1/policies/supplier-northwind', officer).expect(200)).body.data.document;
    const changed = structuredClone(doc) as { approval?: string; rules: Array<{ id: string; reason?: string }> };
    changed.approval = 'required';
    changed.rules.find((r) => r.id === 'demand-for-supplied-skus')!.reason = 'Reworded in version 2.';
    const proposal = await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', `Bearer ${officer}`).send(changed).expect(200);
    expect(proposal.body.meta.state).toBe('proposed');
    await gw.http
      .post(`/api/v1/policies/supplier-northwind/versions/${proposal.body.meta.version}/approve`)
      .set('Authorization', `Bearer ${second}`)
      .set('If-Match', `"${old.policyVersion}"`)
      .send({})
      .expect(200);

    const fresh = await northwindRead();
    expect(fresh.policyVersion).toBe(proposal.body.meta.version);
    const now = (await get(`/api/v1/audit-events/${fresh.id}/rules`).expect(200)).body.data;
    expect(now.policyVersion).toBe(proposal.body.meta.version);
    expect(now.rules.find((r: { id: string }) => r.id === 'demand-for-supplied-skus').reason).toBe('Reworded in version 2.');

    const then = (await get(`/api/v1/audit-events/${old.id}/rules`).expect(200)).body.data;
    expect(then.policyVersion).toBe(old.policyVersion);
    expect(then.rules).toEqual(POLICY_FILE.rules.filter((r) => old.ruleIds.includes(r.id)));
  });

  it('answers no rules for an event without rules or policy version, 404 for an unknown event', async () => {
    const before = await gw.headSeq();
    await gw.http.get('/api/v1/shipments').expect(401);
    const [unauthenticated] = await gw.auditSince(before);
    const none = await get(`/api/v1/audit-events/${String(unauthenticated.event_id)}/rules`).expect(200);
    expect(none.body.data).toEqual({ eventId: unauthenticated.event_id, partnerId: null, policyVersion: null, rules: [], ruleIdsNotFound: [] });
    const missing = await get('/api/v1/audit-events/no-such-event/rules').expect(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(missing.body.code).toBe('NOT_FOUND');
  });

  it('is closed to partners and governance officers', async () => {
    const event = await northwindRead();
    const partner = await get(`/api/v1/audit-events/${event.id}/rules`, await gw.token(NORTHWIND)).expect(403);
    expect(partner.body.code).toBe('FORBIDDEN_ROLE');
    await get(`/api/v1/audit-events/${event.id}/rules`, await as('ada@orchestrator')).expect(403);
  });
});
