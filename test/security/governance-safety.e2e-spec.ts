import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../src/bootstrap/data-source-options';
import { createTestDatabase } from '../support/database';
import { TestGateway } from '../support/test-app';
import { refused } from './support/attack';

/**
 * Governance safety: a change is made against the version the officer saw (ETag / If-Match), a
 * proposal cannot be approved once another version has come into force since it was made, proposals
 * can be rejected and withdrawn, a document's tests can fix their clock, policy versions cannot be
 * changed or removed even through the database, and the access matrix says which fields some rows
 * withhold.
 */
describe('governance safety', () => {
  let gw: TestGateway;
  let ada: string;
  let grace: string;
  beforeAll(async () => {
    gw = await TestGateway.start();
    ada = await gw.token({ roles: ['governance'], sub: 'ada@orchestrator' });
    grace = await gw.token({ roles: ['governance'], sub: 'grace@orchestrator' });
  });
  afterAll(async () => {
    await gw.stop();
  });

  const as = (token: string) => ({
    get: (p: string) => gw.http.get(p).set('Authorization', `Bearer ${token}`),
    put: (p: string, body: object, ifMatch?: string) => {
      const r = gw.http.put(p).set('Authorization', `Bearer ${token}`);
      return (ifMatch === undefined ? r : r.set('If-Match', ifMatch)).send(body);
    },
    post: (p: string, body: object, ifMatch?: string) => {
      const r = gw.http.post(p).set('Authorization', `Bearer ${token}`);
      return (ifMatch === undefined ? r : r.set('If-Match', ifMatch)).send(body);
    },
  });
  const policy = async (id: string) => as(ada).get(`/api/v1/policies/${id}`).expect(200);
  const carrier = (id: string, extra: object = {}) => ({
    partner: { id, name: `Carrier ${id}`, kind: 'logistics' },
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
    ...extra,
  });
  /** A partner under four eyes: version 1 without, version 2 (approved by a second officer) with. */
  const fourEyes = async (id: string) => {
    await as(ada).put(`/api/v1/policies/${id}`, carrier(id)).expect(200);
    const v2 = await as(ada)
      .put(`/api/v1/policies/${id}`, carrier(id, { approval: 'required' }), '"1"')
      .expect(200);
    expect(v2.body.meta.state).toBe('proposed');
    await as(grace).post(`/api/v1/policies/${id}/versions/2/approve`, {}, '"1"').expect(200);
    expect((await policy(id)).body.meta.version).toBe(2);
  };
  const propose = async (id: string, token: string, status: string, ifMatch: string) => {
    const res = await as(token)
      .put(
        `/api/v1/policies/${id}`,
        carrier(id, { approval: 'required', rules: [{ ...carrier(id).rules[0], fields: ['id', 'carrierId', 'status', status] }] }),
        ifMatch,
      )
      .expect(200);
    expect(res.body.meta.state).toBe('proposed');
    return res.body.meta.version as number;
  };
  const versionsOf = async (id: string) => (await as(ada).get(`/api/v1/policies/${id}/versions`).expect(200)).body.data as Array<Record<string, unknown>>;

  describe('ETag and If-Match', () => {
    it('GET answers the version in force as a strong ETag, which PUT, rollback and approve accept', async () => {
      const id = 'carrier-etag';
      await as(ada).put(`/api/v1/policies/${id}`, carrier(id)).expect(200);
      const get = await policy(id);
      expect(get.headers.etag).toBe('"1"');
      const put = await as(ada)
        .put(`/api/v1/policies/${id}`, { ...carrier(id), note: 'same rules' }, get.headers.etag)
        .expect(200);
      expect(put.body.meta.version).toBe(2);
      expect(put.headers.etag).toBe('"2"');
      expect((await policy(id)).headers.etag).toBe('"2"');
      const back = await as(ada)
        .post(`/api/v1/policies/${id}/rollback`, { version: 1 }, (await policy(id)).headers.etag)
        .expect(200);
      expect(back.body.meta.version).toBe(3);
      expect(back.headers.etag).toBe('"3"');

      await fourEyes('carrier-etag-4e');
      const etag = (await policy('carrier-etag-4e')).headers.etag;
      const v = await propose('carrier-etag-4e', ada, 'eta', etag);
      const approved = await as(grace).post(`/api/v1/policies/carrier-etag-4e/versions/${v}/approve`, {}, etag).expect(200);
      expect(approved.headers.etag).toBe(`"${v}"`);
    });

    it('a stale ETag is 412 PRECONDITION_FAILED on PUT, rollback and approve, and nothing changes', async () => {
      const id = 'carrier-stale';
      await as(ada).put(`/api/v1/policies/${id}`, carrier(id)).expect(200);
      const stale = (await policy(id)).headers.etag;
      await as(grace)
        .put(`/api/v1/policies/${id}`, { ...carrier(id), note: 'meanwhile' }, stale)
        .expect(200);

      const put = await refused(gw, () => as(ada).put(`/api/v1/policies/${id}`, carrier(id), stale), 412);
      expect(put.res.body).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED', currentVersion: 2 });
      expect(put.res.headers['content-type']).toMatch(/application\/problem\+json/);
      const back = await refused(gw, () => as(ada).post(`/api/v1/policies/${id}/rollback`, { version: 1 }, stale), 412);
      expect(back.res.body.code).toBe('PRECONDITION_FAILED');

      await fourEyes('carrier-stale-4e');
      const before = (await policy('carrier-stale-4e')).headers.etag;
      const first = await propose('carrier-stale-4e', ada, 'eta', before);
      await as(grace).post(`/api/v1/policies/carrier-stale-4e/versions/${first}/approve`, {}, before).expect(200);
      const second = await propose('carrier-stale-4e', ada, 'lastLocation', (await policy('carrier-stale-4e')).headers.etag);
      const approve = await refused(gw, () => as(grace).post(`/api/v1/policies/carrier-stale-4e/versions/${second}/approve`, {}, before), 412);
      expect(approve.res.body).toMatchObject({ code: 'PRECONDITION_FAILED', currentVersion: first });
    });

    it('two officers changing with the same ETag at once: one is stored, the other is 412', async () => {
      const id = 'carrier-race';
      await as(ada).put(`/api/v1/policies/${id}`, carrier(id)).expect(200);
      const etag = (await policy(id)).headers.etag;
      const results = await Promise.all([
        as(ada).put(`/api/v1/policies/${id}`, { ...carrier(id), note: 'ada' }, etag),
        as(grace).put(`/api/v1/policies/${id}`, { ...carrier(id), note: 'grace' }, etag),
        as(grace).post(`/api/v1/policies/${id}/rollback`, { version: 1 }, etag),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 412, 412]);
      expect((await versionsOf(id)).map((v) => v.version)).toEqual([2, 1]);
    });

    it('a blind change racing with four eyes coming into force never lands in force unapproved', async () => {
      const id = 'carrier-switch';
      await as(ada).put(`/api/v1/policies/${id}`, carrier(id)).expect(200);
      const proposal = await as(ada)
        .put(`/api/v1/policies/${id}`, carrier(id, { approval: 'required' }), '"1"')
        .expect(200);
      const [approve, blind] = await Promise.all([
        as(grace).post(`/api/v1/policies/${id}/versions/${proposal.body.meta.version}/approve`, {}, '"1"'),
        as(ada).put(`/api/v1/policies/${id}`, { ...carrier(id), note: 'without four eyes' }),
      ]);
      const outcome = `${approve.status}/${blind.status}:${blind.body.meta?.state ?? blind.body.code}`;
      // Approved first: the blind PUT needs If-Match. Stored first: the approver's ETag is stale.
      expect(['200/428:PRECONDITION_REQUIRED', '412/200:active']).toContain(outcome);
      const inForce = (await policy(id)).body;
      expect(inForce.data.document.approval === 'required').toBe(outcome.startsWith('200/'));
    });

    it('If-Match is required (428 PRECONDITION_REQUIRED) to approve and to change a policy under four eyes', async () => {
      const id = 'carrier-required';
      await fourEyes(id);
      const put = await refused(gw, () => as(ada).put(`/api/v1/policies/${id}`, carrier(id, { approval: 'required' })), 428);
      expect(put.res.body).toMatchObject({ code: 'PRECONDITION_REQUIRED', currentVersion: 2 });
      await refused(gw, () => as(ada).post(`/api/v1/policies/${id}/rollback`, { version: 1 }), 428);
      const v = await propose(id, ada, 'eta', '"2"');
      const approve = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/approve`, {}), 428);
      expect(approve.res.body.code).toBe('PRECONDITION_REQUIRED');
      // A new partner's first version has no version in force, and no ETag, to name.
      const first = await as(ada)
        .put('/api/v1/policies/carrier-first', carrier('carrier-first', { approval: 'required' }))
        .expect(200);
      expect(first.body.meta).toMatchObject({ version: 1, state: 'proposed' });
      await as(ada).get('/api/v1/policies/carrier-first').expect(404);
      await as(grace).post('/api/v1/policies/carrier-first/versions/1/approve', {}).expect(200);
      expect((await policy('carrier-first')).headers.etag).toBe('"1"');
      // A malformed If-Match is bad input, not a mismatch.
      const bad = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/approve`, {}, 'W/"2-abc"'), 400);
      expect(bad.res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  it('the OpenAPI document states the ETag, If-Match and their refusals', async () => {
    const doc = (await gw.http.get('/docs-json').expect(200)).body;
    type Op = { parameters?: Array<{ name: string; in: string; required?: boolean }>; responses: Record<string, { headers?: Record<string, unknown> }> };
    const op = (path: string, method: string) => doc.paths[path][method] as Op;
    const ifMatch = (o: Op) => o.parameters?.find((p) => p.in === 'header' && p.name === 'If-Match');
    expect(Object.keys(op('/api/v1/policies/{partnerId}', 'get').responses['200'].headers ?? {})).toContain('ETag');
    for (const [path, method] of [
      ['/api/v1/policies/{partnerId}', 'put'],
      ['/api/v1/policies/{partnerId}/rollback', 'post'],
      ['/api/v1/policies/{partnerId}/versions/{version}/approve', 'post'],
    ]) {
      expect({ path, method, ifMatch: Boolean(ifMatch(op(path, method))), responses: Object.keys(op(path, method).responses) }).toEqual({
        path,
        method,
        ifMatch: true,
        responses: expect.arrayContaining(['412', '428']),
      });
    }
    expect(ifMatch(op('/api/v1/policies/{partnerId}/versions/{version}/approve', 'post'))!.required).toBe(true);
    expect(Object.keys(op('/api/v1/policies/{partnerId}/versions/{version}/approve', 'post').responses)).toContain('409');
    expect(op('/api/v1/policies/{partnerId}/versions/{version}/reject', 'post')).toBeDefined();
    expect(op('/api/v1/policies/{partnerId}/versions/{version}/withdraw', 'post')).toBeDefined();
  });

  describe('proposals', () => {
    it('a proposal records its base version and cannot be approved once another version came into force (409 PROPOSAL_STALE)', async () => {
      const id = 'carrier-overtaken';
      await fourEyes(id);
      const first = await propose(id, ada, 'eta', '"2"');
      const second = await propose(id, ada, 'lastLocation', '"2"');
      const listed = await versionsOf(id);
      expect(listed.find((v) => v.version === second)).toMatchObject({ state: 'proposed', baseVersion: 2, inForce: false });
      await as(grace).post(`/api/v1/policies/${id}/versions/${first}/approve`, {}, '"2"').expect(200);
      // The second proposal was made against version 2; version `first` is in force now.
      const stale = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${second}/approve`, {}, `"${first}"`), 409);
      expect(stale.res.body).toMatchObject({ code: 'PROPOSAL_STALE', baseVersion: 2, currentVersion: first });
      expect((await policy(id)).body.meta.version).toBe(first);
    });

    it('another officer rejects a proposal with a reason; it can no longer be approved; audited', async () => {
      const id = 'carrier-rejected';
      await fourEyes(id);
      const v = await propose(id, ada, 'eta', '"2"');
      await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/reject`, {}), 400);
      const own = await refused(gw, () => as(ada).post(`/api/v1/policies/${id}/versions/${v}/reject`, { reason: 'changed my mind' }), 403);
      expect(own.res.body.code).toBe('FORBIDDEN');
      const seq = await gw.headSeq();
      const rejected = await as(grace).post(`/api/v1/policies/${id}/versions/${v}/reject`, { reason: 'ETA is not shared with carriers yet' }).expect(200);
      expect(rejected.body.data).toMatchObject({
        version: v,
        state: 'rejected',
        decidedBy: 'grace@orchestrator',
        decisionReason: 'ETA is not shared with carriers yet',
        inForce: false,
      });
      const [event] = (await gw.auditSince(seq)).filter((e) => e.subject === 'Policy');
      expect(event).toMatchObject({ action: 'reject', decision: 'allow', actor_sub: 'grace@orchestrator' });
      expect(String(event.reason)).toContain('ETA is not shared with carriers yet');

      const approve = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/approve`, {}, '"2"'), 409);
      expect(approve.res.body.code).toBe('CONFLICT');
      await refused(gw, () => as(ada).post(`/api/v1/policies/${id}/versions/${v}/withdraw`, {}), 409);
      expect((await policy(id)).body.meta.version).toBe(2);
    });

    it('its author withdraws a proposal; nobody else can; it can no longer be approved; audited', async () => {
      const id = 'carrier-withdrawn';
      await fourEyes(id);
      const v = await propose(id, ada, 'eta', '"2"');
      const other = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/withdraw`, {}), 403);
      expect(other.res.body.code).toBe('FORBIDDEN');
      const seq = await gw.headSeq();
      const withdrawn = await as(ada).post(`/api/v1/policies/${id}/versions/${v}/withdraw`, { reason: 'superseded by a wider change' }).expect(200);
      expect(withdrawn.body.data).toMatchObject({ version: v, state: 'withdrawn', decidedBy: 'ada@orchestrator' });
      const [event] = (await gw.auditSince(seq)).filter((e) => e.subject === 'Policy');
      expect(event).toMatchObject({ action: 'withdraw', decision: 'allow', actor_sub: 'ada@orchestrator' });

      const approve = await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/approve`, {}, '"2"'), 409);
      expect(approve.res.body.code).toBe('CONFLICT');
      await refused(gw, () => as(grace).post(`/api/v1/policies/${id}/versions/${v}/reject`, { reason: 'too late' }), 409);
      // A version put in force at once is no proposal either.
      await refused(gw, () => as(ada).post(`/api/v1/policies/${id}/versions/1/withdraw`, {}), 409);
    });

    it('rejects and withdraws over GraphQL too', async () => {
      const id = 'carrier-graphql';
      await fourEyes(id);
      const gql = async (token: string, query: string) =>
        (await gw.http.post('/graphql').set('Authorization', `Bearer ${token}`).send({ query }).expect(200)).body;
      const a = await propose(id, ada, 'eta', '"2"');
      const b = await propose(id, ada, 'lastLocation', '"2"');
      const rejected = await gql(
        grace,
        `mutation { rejectPolicyVersion(partnerId: "${id}", version: ${a}, reason: "not yet") { version state decidedBy decisionReason } }`,
      );
      expect(rejected.data.rejectPolicyVersion).toEqual({ version: a, state: 'rejected', decidedBy: 'grace@orchestrator', decisionReason: 'not yet' });
      const foreign = await gql(grace, `mutation { withdrawPolicyVersion(partnerId: "${id}", version: ${b}) { state } }`);
      expect(foreign.errors[0].extensions.code).toBe('FORBIDDEN');
      const withdrawn = await gql(ada, `mutation { withdrawPolicyVersion(partnerId: "${id}", version: ${b}) { state baseVersion } }`);
      expect(withdrawn.data.withdrawPolicyVersion).toEqual({ state: 'withdrawn', baseVersion: 2 });
      const approve = await gql(grace, `mutation { approvePolicyVersion(partnerId: "${id}", version: ${a}, ifMatch: 2) { version } }`);
      expect(approve.errors[0].extensions.code).toBe('CONFLICT');
      const c = await propose(id, ada, 'origin', '"2"');
      const missing = await gql(grace, `mutation { approvePolicyVersion(partnerId: "${id}", version: ${c}) { version } }`);
      expect(missing.errors[0].extensions.code).toBe('PRECONDITION_REQUIRED');
      const approved = await gql(grace, `mutation { approvePolicyVersion(partnerId: "${id}", version: ${c}, ifMatch: 2) { version } }`);
      expect(approved.data.approvePolicyVersion).toEqual({ version: c });
    });
  });

  describe('policy tests with a fixed clock', () => {
    // A rule that applied during 2025 only: its tests still hold once the window has passed.
    const windowed = (tests: object[]) => ({
      partner: { id: 'carrier-windowed', name: 'Windowed Carrier', kind: 'logistics' },
      rules: [
        {
          id: 'own',
          action: 'read',
          subject: 'Shipment',
          fields: ['id', 'carrierId', 'status'],
          conditions: { carrierId: '${partner.id}' },
          purposes: ['shipment-execution'],
        },
        {
          id: 'eta-pilot',
          action: 'read',
          subject: 'Shipment',
          fields: ['carrierId', 'eta'],
          conditions: { carrierId: '${partner.id}' },
          purposes: ['shipment-execution'],
          validFrom: '2025-01-01T00:00:00Z',
          validUntil: '2026-01-01T00:00:00Z',
        },
      ],
      tests,
    });
    const during = {
      name: 'the pilot shows the ETA',
      action: 'read',
      subject: 'Shipment',
      purpose: 'shipment-execution',
      record: { carrierId: '${partner.id}' },
      allowed: ['eta', 'status'],
      now: '2025-06-01T00:00:00Z',
    };
    const before = {
      name: 'not before the pilot',
      action: 'read',
      subject: 'Shipment',
      purpose: 'shipment-execution',
      record: { carrierId: '${partner.id}' },
      allowed: ['status'],
      denied: ['eta'],
      now: '2024-12-31T23:59:59Z',
    };

    it('judges each case at its own `now`; without it, at the present, when the pilot has ended', async () => {
      const put = await as(ada)
        .put('/api/v1/policies/carrier-windowed', windowed([during, before]))
        .expect(200);
      expect(put.body.meta.version).toBe(1);
      const sim = await as(ada)
        .post('/api/v1/policies/carrier-windowed/simulate', { action: 'read', subject: 'Shipment', purpose: 'shipment-execution' })
        .expect(200);
      expect(sim.body.data.tests).toEqual([
        { name: during.name, passed: true, failures: [] },
        { name: before.name, passed: true, failures: [] },
      ]);
      const { now: _, ...present } = during;
      const res = await refused(gw, () => as(ada).put('/api/v1/policies/carrier-windowed', windowed([present]), '"1"'), 400);
      expect(res.res.body.problems).toEqual([{ path: `tests[${during.name}]`, message: "expected 'eta' allowed, but it is denied" }]);
    });

    it('refuses a `now` that is no date', async () => {
      const res = await refused(gw, () => as(ada).put('/api/v1/policies/carrier-windowed', windowed([{ ...during, now: 'next tuesday' }]), '"1"'), 400);
      expect(res.res.body.problems).toEqual([{ path: 'tests[0].now', message: expect.stringMatching(/ISO 8601/) }]);
    });
  });

  describe('policy versions are append-only in the database', () => {
    it('refuses UPDATE and DELETE of a version and of a decision, whoever asks', async () => {
      const id = 'carrier-immutable';
      await fourEyes(id);
      const [before] = await gw.query<{ document: string; author: string }>(
        'SELECT document, author FROM policy_versions WHERE partner_id = ? AND version = 1',
        [id],
      );
      await expect(gw.query("UPDATE policy_versions SET document = '{}' WHERE partner_id = ? AND version = 1", [id])).rejects.toThrow(
        /policy_versions is append-only/,
      );
      await expect(gw.query("UPDATE policy_versions SET author = 'mallory' WHERE partner_id = ?", [id])).rejects.toThrow(/append-only/);
      await expect(gw.query('DELETE FROM policy_versions WHERE partner_id = ?', [id])).rejects.toThrow(/policy_versions is append-only/);
      await expect(gw.query("UPDATE policy_decisions SET decided_by = 'mallory' WHERE partner_id = ?", [id])).rejects.toThrow(
        /policy_decisions is append-only/,
      );
      await expect(gw.query('DELETE FROM policy_decisions WHERE partner_id = ?', [id])).rejects.toThrow(/policy_decisions is append-only/);
      if (gw.dialect === 'postgres') {
        await expect(gw.query('TRUNCATE policy_versions')).rejects.toThrow(/append-only/);
        await expect(gw.query('TRUNCATE policy_decisions')).rejects.toThrow(/append-only/);
      }
      const [after] = await gw.query<{ document: string; author: string }>(
        'SELECT document, author FROM policy_versions WHERE partner_id = ? AND version = 1',
        [id],
      );
      expect(after).toEqual(before);
      const [decided] = await gw.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM policy_decisions WHERE partner_id = ?', [id]);
      expect(Number(decided.n)).toBe(1);
    });
  });

  describe('upgrading a store with earlier versions', () => {
    it('keeps every approval as a decision; open proposals made against the version in force keep it as their base, the others none', async () => {
      const database = await createTestDatabase();
      const dir = mkdtempSync(join(tmpdir(), 'gateway-upgrade-'));
      const options = (migrations: typeof MIGRATIONS): DataSourceOptions =>
        database.url
          ? { type: 'postgres', url: database.url, migrations, migrationsTransactionMode: 'each' }
          : { type: 'better-sqlite3', database: join(dir, 'gateway.sqlite'), migrations, migrationsTransactionMode: 'each' };
      const sql = (q: string) => {
        let n = 0;
        return database.url ? q.replace(/\?/g, () => `$${++n}`) : q;
      };
      const run = async (migrations: typeof MIGRATIONS, work: (ds: DataSource) => Promise<void>) => {
        const ds = await new DataSource(options(migrations)).initialize();
        try {
          await ds.runMigrations();
          await work(ds);
        } finally {
          await ds.destroy();
        }
      };
      const earlier = MIGRATIONS.filter((m) => m.name !== 'PolicyVersionsAppendOnly1735100000000');
      expect(earlier).toHaveLength(MIGRATIONS.length - 1);
      try {
        await run(earlier, async (ds) => {
          const t = '2025-01-01T00:00:00.000Z';
          await ds.query(
            sql(
              "INSERT INTO partners (id, name, kind, status, policy_version, created_at, updated_at) VALUES ('p1', 'P1', 'other', 'active', 2, ?, ?), ('p2', 'P2', 'other', 'active', 3, ?, ?)",
            ),
            [t, t, t, t],
          );
          const v = (partner: string, version: number, state: string, approvedBy: string | null) =>
            ds.query(
              sql(
                "INSERT INTO policy_versions (partner_id, version, document, document_hash, author, created_at, note, state, approved_by) VALUES (?, ?, '{}', 'h', 'ada', ?, NULL, ?, ?)",
              ),
              [partner, version, t, state, approvedBy],
            );
          await v('p1', 1, 'active', null);
          await v('p1', 2, 'active', 'grace'); // a proposal approved before decisions had their own table
          await v('p1', 3, 'proposed', null); // open, newer than the version in force
          await v('p2', 1, 'active', null);
          await v('p2', 2, 'proposed', null); // open, but version 3 came into force after it
          await v('p2', 3, 'active', null);
        });
        await run(MIGRATIONS, async (ds) => {
          expect(await ds.query(sql('SELECT partner_id, version, decision, decided_by FROM policy_decisions ORDER BY partner_id, version'))).toEqual([
            { partner_id: 'p1', version: 2, decision: 'approved', decided_by: 'grace' },
          ]);
          const bases = await ds.query(sql("SELECT partner_id, version, base_version FROM policy_versions WHERE state = 'proposed' ORDER BY partner_id"));
          expect(bases.map((r: Record<string, unknown>) => [r.partner_id, Number(r.version), r.base_version === null ? null : Number(r.base_version)])).toEqual(
            [
              ['p1', 3, 2],
              ['p2', 2, null],
            ],
          );
          await expect(ds.query(sql("UPDATE policy_versions SET note = 'x' WHERE partner_id = 'p1'"))).rejects.toThrow(/append-only/);
        });
      } finally {
        await database.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe('access matrix', () => {
    type Entry = { partnerId: string; subject: string; action: string; purpose: string; fields: string[]; fieldsOnSomeRows: string[] };
    const matrix = async () => (await as(ada).get('/api/v1/access-matrix').expect(200)).body.data as Entry[];
    const entry = (rows: Entry[], partnerId: string, subject: string, action: string, purpose: string) =>
      rows.find((r) => r.partnerId === partnerId && r.subject === subject && r.action === action && r.purpose === purpose)!;

    it('names the fields some rows in scope withhold, beside every granted field', async () => {
      await as(ada)
        .put('/api/v1/policies/carrier-rowwise', {
          partner: { id: 'carrier-rowwise', name: 'Rowwise', kind: 'logistics' },
          rules: [
            {
              id: 'own',
              action: 'read',
              subject: 'Shipment',
              fields: ['id', 'carrierId', 'status', 'destination'],
              conditions: { carrierId: '${partner.id}' },
              purposes: ['x'],
            },
            {
              id: 'eta-on-transit',
              action: 'read',
              subject: 'Shipment',
              fields: ['carrierId', 'status', 'eta'],
              conditions: { carrierId: '${partner.id}', status: 'in_transit' },
              purposes: ['x'],
            },
            {
              id: 'no-destination-when-delayed',
              action: 'read',
              subject: 'Shipment',
              fields: ['destination'],
              conditions: { status: 'delayed' },
              inverted: true,
              purposes: ['x'],
            },
          ],
        })
        .expect(200);
      const rows = await matrix();
      const own = entry(rows, 'carrier-rowwise', 'Shipment', 'read', 'x');
      expect(own.fields).toEqual(expect.arrayContaining(['id', 'carrierId', 'status', 'destination', 'eta']));
      expect([...own.fieldsOnSomeRows].sort()).toEqual(['destination', 'eta']);
      // The demo supplier: order volumes are taken away on restricted rows, the forecast never.
      const northwind = entry(rows, 'supplier-northwind', 'DemandSignal', 'read', 'replenishment-planning');
      expect(northwind.fields).toEqual(expect.arrayContaining(['orderedQty', 'forecastQty']));
      expect(northwind.fieldsOnSomeRows).toEqual(['orderedQty']);
      // A single conditional rule: every field it grants is on every row in scope.
      expect(entry(rows, 'supplier-northwind', 'CapacitySignal', 'read', 'capacity-planning').fieldsOnSomeRows).toEqual([]);

      const csv = await as(ada).get('/api/v1/access-matrix?format=csv').expect(200);
      expect(csv.text.split('\n')[0]).toBe('partnerId,subject,action,purpose,rows,fields,fieldsOnSomeRows');
      expect(csv.text.split('\n')).toContain(
        `supplier-northwind,DemandSignal,read,replenishment-planning,conditional,${northwind.fields.join(' ')},orderedQty`,
      );
    });
  });
});
