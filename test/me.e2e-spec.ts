import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { buildSchema, GraphQLObjectType, isObjectType } from 'graphql';
import {
  ADMIN,
  AUDITOR,
  bearer,
  demoPartnerIds,
  demoPolicyFile,
  expectProblem,
  expectStatus,
  FIELDS,
  GLOBEX,
  GOVERNANCE,
  gql,
  NORTHWIND,
  RESOURCES,
  SWIFTLOG,
} from './support/contract';
import { TestGateway, TokenOptions } from './support/test-app';

jest.setTimeout(300_000);

/**
 * Contract section 10: a partner's own view. What GET /api/v1/me promises is checked against what
 * the REST reads then return, for every demo partner and each of its purposes; the OpenAPI and SDL
 * views against /me; the access log and data-access report against the requests actually made.
 */

type FieldRight = { field: string; rows: 'all' | 'some'; ruleIds: string[]; reasons: string[] };
type ActionView = { scope: string; fields: FieldRight[] };
type SubjectsView = Record<string, Record<string, ActionView>>;

const partner = (id: string, purpose?: string): TokenOptions => ({ roles: ['partner'], partner: id, ...(purpose ? { purpose } : {}) });
const purposesOf = (id: string): string[] => [...new Set(demoPolicyFile(id).rules.flatMap((r) => (r.purposes as string[] | undefined) ?? []))].sort();
const names = (view: ActionView | undefined): string[] => (view?.fields ?? []).map((f) => f.field);

/** Validates OpenAPI documents with @seriousme/openapi-schema-validator (an ES module, so in its own Node process). */
function validateOpenApi(docs: unknown[]): Array<{ valid: boolean; errors?: unknown }> {
  const script = `
    import { Validator } from '@seriousme/openapi-schema-validator';
    let input = '';
    for await (const chunk of process.stdin) input += chunk;
    const out = [];
    for (const doc of JSON.parse(input)) {
      const v = new Validator();
      const res = await v.validate(doc);
      out.push({ valid: res.valid, version: v.version, errors: res.errors });
    }
    process.stdout.write(JSON.stringify(out));`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input: JSON.stringify(docs), cwd: join(__dirname, '..'), encoding: 'utf8' });
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout);
}

describe('a partner\u2019s own view (contract section 10)', () => {
  let gw: TestGateway;
  const auth = (who: TokenOptions) => bearer(gw, who);
  const me = async (who: TokenOptions, headers: Record<string, string> = {}) => {
    let req = gw.http.get('/api/v1/me').set('Authorization', await auth(who));
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return expectStatus(await req).body.data;
  };

  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('GET /me names the partner, its purposes, the purpose in use, version, limits, quota and transparency', async () => {
    const data = await me(partner('supplier-northwind'), { 'X-Purpose': 'replenishment-planning' });
    expect(data.partner).toEqual({ id: 'supplier-northwind', name: 'Northwind Components', kind: 'supplier' });
    expect(data.purposes).toEqual(['capacity-planning', 'replenishment-planning']);
    expect(data.purpose).toBe('replenishment-planning');
    expect(data.policyVersion).toBe(1);
    expect(data.limits).toEqual({ requestsPerMinute: 600, maxPageSize: 500 });
    expect(data.transparency).toEqual({ accessLog: true, dataAccess: true });
    // /me counts as one request, like any other; the quota is read after counting it, nothing more.
    expect(data.quota.resetSeconds).toBeGreaterThan(0);
    const again = await me(partner('supplier-northwind'), { 'X-Purpose': 'replenishment-planning' });
    expect(again.quota.remaining).toBe(data.quota.remaining - 1);
    // The row-dependent field: order volumes are taken away in the restricted region (the rows stay).
    const demand = data.subjects.DemandSignal.read as ActionView;
    expect(demand.scope).toBe('sku is one of SKU-100, SKU-200');
    expect(demand.fields.find((f) => f.field === 'orderedQty')).toEqual({
      field: 'orderedQty',
      rows: 'some',
      ruleIds: ['no-order-volumes-in-restricted-region', 'demand-for-supplied-skus'],
      reasons: [expect.stringMatching(/^Withheld where region is EMEA-RESTRICTED: Order volumes/), expect.stringMatching(/^Suppliers plan replenishment/)],
    });
    expect(demand.fields.find((f) => f.field === 'forecastQty')).toEqual(expect.objectContaining({ rows: 'all', ruleIds: ['demand-for-supplied-skus'] }));
    expect(data.subjects.CapacitySignal.update.scope).toBe('supplierId is supplier-northwind');
    expect(data.byPurpose).toEqual([{ purpose: 'replenishment-planning', subjects: data.subjects }]);
  });

  it('a field granted on every row of the scope is "all" even when more than one rule makes the scope', async () => {
    // Capacity planning: a second rule (the restricted programme's rounded forecast, under the same SKU
    // condition and one more) adds rows to no one: every field of the first rule is on every row.
    const capacity = (await me(partner('supplier-northwind', 'capacity-planning'))).subjects.DemandSignal.read as ActionView;
    const rows = Object.fromEntries(capacity.fields.map((f) => [f.field, f.rows]));
    for (const f of ['id', 'sku', 'productFamily', 'site', 'region', 'periodStart', 'updatedAt']) expect({ f, rows: rows[f] }).toEqual({ f, rows: 'all' });
    // The exact forecast is taken away on the restricted rows (and given rounded there).
    expect(rows.forecastQty).toBe('some');
    // Globex: two shipment rules under the same condition, one adding lastLocation.
    const globex = (await me(partner('customer-globex'))).byPurpose[0].subjects.Shipment.read as ActionView;
    expect(globex.fields.filter((f) => f.rows === 'some')).toEqual([]);
  });

  it('with no purpose, /me lists every purpose apart, each exactly as /me under that purpose', async () => {
    for (const id of demoPartnerIds()) {
      const all = await me(partner(id));
      expect(all.purpose).toBeNull();
      expect(all.subjects).toBeNull();
      expect(all.byPurpose.map((p: { purpose: string }) => p.purpose)).toEqual(purposesOf(id));
      for (const entry of all.byPurpose) expect(entry.subjects).toEqual((await me(partner(id, entry.purpose))).subjects);
    }
  });

  it('for every demo partner and purpose, REST reads return exactly what /me promises', async () => {
    let checkedSome = 0;
    for (const id of demoPartnerIds()) {
      for (const purpose of purposesOf(id)) {
        const who = partner(id, purpose);
        const subjects: SubjectsView = (await me(who)).subjects;
        const token = await auth(who);
        for (const { resource, subject } of RESOURCES) {
          const read = subjects[subject]?.read;
          const res = await gw.http.get(`/api/v1/${resource}?limit=500`).set('Authorization', token);
          const where = `${id}/${purpose}/${subject}`;
          if (!read) {
            expect({ where, status: res.status }).toEqual({ where, status: 403 });
            continue;
          }
          expectStatus(res);
          const listed = names(read);
          expect({ where, fields: res.body.meta.fields }).toEqual({ where, fields: listed });
          const all = read.fields.filter((f) => f.rows === 'all').map((f) => f.field);
          for (const row of res.body.data as Array<Record<string, unknown>>) {
            for (const key of Object.keys(row)) expect({ where, key, listed: listed.includes(key) }).toEqual({ where, key, listed: true });
            for (const f of all) expect({ where, row: row.id, field: f, present: f in row }).toEqual({ where, row: row.id, field: f, present: true });
          }
          for (const f of read.fields.filter((x) => x.rows === 'some')) {
            const rows = res.body.data as Array<Record<string, unknown>>;
            if (rows.some((r) => !(f.field in r))) {
              expect(res.body.meta.redactedFields).toContain(f.field);
              checkedSome++;
            }
          }
          for (const f of FIELDS[subject].filter((x) => !listed.includes(x))) {
            const refused = await gw.http.get(`/api/v1/${resource}?fields=id,${f}`).set('Authorization', token);
            expect({ where, f, status: refused.status, code: refused.body.code }).toEqual({ where, f, status: 403, code: 'FORBIDDEN_FIELDS' });
          }
        }
        // Tracking events follow the shipment: fields as /me lists them for ShipmentEvent.
        const events = subjects.ShipmentEvent?.read;
        if (events && subjects.Shipment?.read) {
          const shipments = expectStatus(await gw.http.get('/api/v1/shipments?fields=id').set('Authorization', token)).body.data as Array<{ id: string }>;
          for (const s of shipments.slice(0, 3)) {
            const res = expectStatus(await gw.http.get(`/api/v1/shipments/${s.id}/events`).set('Authorization', token));
            expect(res.body.meta.fields).toEqual(names(events));
            for (const row of res.body.data) expect(Object.keys(row).sort()).toEqual([...names(events)].sort());
          }
        }
      }
    }
    // The demo data holds rows of the restricted region, so a row-dependent field was seen withheld.
    expect(checkedSome).toBeGreaterThan(0);
  });

  it('write rights in /me are what the write path enforces (a carrier updates tracking fields only)', async () => {
    const subjects: SubjectsView = (await me(SWIFTLOG)).subjects;
    const update = names(subjects.Shipment.update);
    expect(update).toEqual(['status', 'eta', 'lastLocation', 'lastEventAt', 'temperatureC']);
    const [ship] = expectStatus(await gw.http.get('/api/v1/shipments?limit=1').set('Authorization', await auth(SWIFTLOG))).body.data;
    const ok = await gw.http
      .patch(`/api/v1/shipments/${ship.id}`)
      .set('Authorization', await auth(SWIFTLOG))
      .send({ lastLocation: 'Depot 7' });
    expectStatus(ok, 200);
    const refused = await gw.http
      .patch(`/api/v1/shipments/${ship.id}`)
      .set('Authorization', await auth(SWIFTLOG))
      .send({ freightCost: 1 });
    expectProblem(refused, 403, 'FORBIDDEN_FIELDS');
  });

  it('only partners have a view of their own; /me is audited like every request', async () => {
    for (const who of [GOVERNANCE, AUDITOR, ADMIN]) {
      expectProblem(await gw.http.get('/api/v1/me').set('Authorization', await auth(who)), 403);
      expectProblem(await gw.http.get('/api/v1/me/access-log').set('Authorization', await auth(who)), 403);
    }
    const before = await gw.headSeq();
    await me(GLOBEX);
    const [event] = await gw.auditSince(before);
    expect(event).toEqual(
      expect.objectContaining({ operation: 'GET /api/v1/me', actor_partner_id: 'customer-globex', decision: 'allow', purpose: 'delivery-tracking' }),
    );
    expectProblem(
      await gw.http
        .get('/api/v1/me')
        .set('Authorization', await auth(GLOBEX))
        .set('X-Purpose', 'other-purpose'),
      400,
      'PURPOSE_CONFLICT',
    );
    for (const path of ['/api/v1/me?x=1', '/api/v1/me/openapi.json?x=1', '/api/v1/me/schema.graphql?x=1', '/api/v1/me/data-access?x=1']) {
      expectProblem(await gw.http.get(path).set('Authorization', await auth(GLOBEX)), 400, 'VALIDATION_FAILED');
    }
  });

  it('GET /me/openapi.json is a valid OpenAPI 3.1 document of only the operations and fields of the purpose in use', async () => {
    const main = expectStatus(await gw.http.get('/docs-json')).body as { paths: Record<string, Record<string, unknown>> };
    const docs: Array<Record<string, any>> = [];
    for (const id of demoPartnerIds()) {
      for (const purpose of purposesOf(id)) {
        const who = partner(id, purpose);
        const subjects: SubjectsView = (await me(who)).subjects;
        const res = expectStatus(await gw.http.get('/api/v1/me/openapi.json').set('Authorization', await auth(who)));
        const doc = res.body;
        docs.push(doc);
        const where = `${id}/${purpose}`;
        expect(doc.openapi).toBe('3.1.0');
        for (const { resource, subject } of RESOURCES) {
          const read = subjects[subject]?.read;
          const listOp = doc.paths[`/api/v1/${resource}`]?.get;
          expect({ where, subject, list: Boolean(listOp) }).toEqual({ where, subject, list: Boolean(read) });
          if (read) expect({ where, subject, props: Object.keys(doc.components.schemas[subject].properties) }).toEqual({ where, subject, props: names(read) });
          else expect(doc.components.schemas[subject]).toBeUndefined();
          for (const action of ['create', 'update'] as const) {
            const body = doc.components.schemas[`${subject}${action === 'create' ? 'Create' : 'Update'}Body`];
            const granted = subjects[subject]?.[action];
            expect({ where, subject, action, body: Boolean(body) }).toEqual({ where, subject, action, body: Boolean(granted) });
            if (body) for (const p of Object.keys(body.properties)) expect(names(granted)).toContain(p);
          }
        }
        // Every operation is one the gateway really serves, with the method it serves.
        for (const [path, ops] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
          for (const method of Object.keys(ops)) expect({ path, method, served: Boolean(main.paths[path]?.[method]) }).toEqual({ path, method, served: true });
        }
        expect(JSON.stringify(doc)).not.toMatch(/audit-events|\/policies/);
      }
    }
    const results = validateOpenApi(docs);
    expect(results).toEqual(docs.map(() => expect.objectContaining({ valid: true, version: '3.1' })));
    // A partner's own webhook endpoints and agreements are operations it may call whatever its policy grants.
    for (const doc of docs) {
      expect(Object.keys(doc.paths['/api/v1/me/webhooks']).sort()).toEqual(['get', 'post']);
      expect(Object.keys(doc.paths['/api/v1/me/webhooks/{id}']).sort()).toEqual(['delete', 'get', 'patch']);
      expect(doc.paths['/api/v1/me/webhooks/{id}/deliveries'].get).toBeDefined();
      expect(doc.paths['/api/v1/me/agreements'].get).toBeDefined();
      expect(doc.paths['/api/v1/me/agreements/{id}/accept'].post).toBeDefined();
    }
    // The carrier can update tracking only: the PATCH body holds exactly those fields.
    const carrier = docs[demoPartnerIds().indexOf('carrier-swiftlog')];
    expect(Object.keys(carrier.components.schemas.ShipmentUpdateBody.properties)).toEqual(['status', 'eta', 'lastLocation', 'lastEventAt', 'temperatureC']);
    expect(carrier.paths['/api/v1/shipments'].post).toBeUndefined();
    expect(carrier.paths['/api/v1/shipments/{id}/events'].post).toBeDefined();
    // With no purpose in use, there is no view to describe.
    expectProblem(await gw.http.get('/api/v1/me/openapi.json').set('Authorization', await auth(partner('carrier-swiftlog'))), 400, 'PURPOSE_REQUIRED');
  });

  it('GET /me/schema.graphql is SDL that builds and holds exactly the readable fields and usable root fields', async () => {
    for (const id of demoPartnerIds()) {
      for (const purpose of purposesOf(id)) {
        const who = partner(id, purpose);
        const subjects: SubjectsView = (await me(who)).subjects;
        const res = expectStatus(await gw.http.get('/api/v1/me/schema.graphql').set('Authorization', await auth(who)));
        expect(res.headers['content-type']).toMatch(/^text\/plain/);
        const schema = buildSchema(res.text);
        const where = `${id}/${purpose}`;
        const query = Object.keys(schema.getQueryType()!.getFields()).sort();
        // Aggregate queries appear for the subjects the policy shares as totals under the purpose.
        const aggregates = demoPolicyFile(id)
          .rules.filter((r) => r.action === 'aggregate' && (!r.purposes || (r.purposes as string[]).includes(purpose)))
          .map((r) => `${String(r.subject).charAt(0).toLowerCase()}${String(r.subject).slice(1)}Aggregate`);
        const expected = [...RESOURCES.filter((r) => subjects[r.subject]?.read).flatMap((r) => [r.list, r.single]), ...aggregates].sort();
        expect({ where, query }).toEqual({ where, query: expected });
        for (const { subject } of RESOURCES) {
          const type = schema.getType(subject);
          if (!subjects[subject]?.read) continue;
          expect(isObjectType(type)).toBe(true);
          expect({ where, subject, fields: Object.keys((type as GraphQLObjectType).getFields()).sort() }).toEqual({
            where,
            subject,
            fields: [...names(subjects[subject].read)].sort(),
          });
        }
        const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {}).sort();
        const expectedMutations = [
          ...(subjects.DemandSignal?.create ? ['createDemandSignal'] : []),
          ...(subjects.CapacitySignal?.create || subjects.CapacitySignal?.update ? ['upsertCapacitySignal'] : []),
          ...(subjects.Shipment?.update ? ['updateShipment'] : []),
          ...(subjects.Shipment?.update && subjects.ShipmentEvent?.create ? ['recordShipmentEvent'] : []),
        ].sort();
        expect({ where, mutations }).toEqual({ where, mutations: expectedMutations });
        expect(res.text).not.toMatch(/auditEvents|policies|accessMatrix/);

        // Every field the SDL offers comes back from /graphql, on every row where /me says "all".
        for (const r of RESOURCES.filter((x) => subjects[x.subject]?.read)) {
          const offered = Object.keys((schema.getType(r.subject) as GraphQLObjectType).getFields());
          const out = await gql(gw, who, `{ ${r.list}(first: 50) { nodes { ${offered.join(' ')} } } }`);
          const all = subjects[r.subject].read.fields.filter((f) => f.rows === 'all').map((f) => f.field);
          const withheld = out.errors.filter((e) => all.includes(String(e.path?.[e.path.length - 1])));
          expect({ where, subject: r.subject, withheld }).toEqual({ where, subject: r.subject, withheld: [] });
          expect(out.data?.[r.list]?.nodes).toEqual(expect.any(Array));
        }
      }
    }
  });

  it('introspection of /graphql answers the caller\u2019s view: a partner sees the SDL of /me/schema.graphql, other roles the served schema', async () => {
    const introspect = '{ __schema { queryType { fields { name } } mutationType { fields { name } } types { name fields { name } } } }';
    for (const id of demoPartnerIds()) {
      for (const purpose of purposesOf(id)) {
        const who = partner(id, purpose);
        const sdl = buildSchema(expectStatus(await gw.http.get('/api/v1/me/schema.graphql').set('Authorization', await auth(who))).text);
        const out = await gql(gw, who, introspect);
        expect(out.errors).toEqual([]);
        const where = `${id}/${purpose}`;
        const types = new Map<string, string[]>(
          (out.data!.__schema.types as Array<{ name: string; fields: Array<{ name: string }> | null }>)
            .filter((t) => !t.name.startsWith('__'))
            .map((t) => [t.name, (t.fields ?? []).map((f) => f.name).sort()]),
        );
        const expected = new Map(
          Object.values(sdl.getTypeMap())
            .filter((t) => !t.name.startsWith('__'))
            .map((t) => [t.name, isObjectType(t) ? Object.keys(t.getFields()).sort() : []]),
        );
        expect({ where, types: [...types.keys()].sort() }).toEqual({ where, types: [...expected.keys()].sort() });
        for (const [name, fields] of expected) expect({ where, name, fields: types.get(name) }).toEqual({ where, name, fields });
        const one = await gql(gw, who, '{ __type(name: "AuditEvent") { name } }');
        expect(one.data?.__type).toBeNull();
      }
    }
    const admin = await gql(gw, ADMIN, introspect);
    expect(admin.data!.__schema.queryType.fields.map((f: { name: string }) => f.name)).toEqual(
      expect.arrayContaining(['auditEvents', 'policies', 'shipments']),
    );
    const mixed = await gql(gw, GLOBEX, '{ __schema { queryType { name } } shipments { nodes { id } } }');
    expect(mixed.errors.map((e) => e.extensions?.code)).toEqual(['VALIDATION_FAILED']);
    expect(mixed.data ?? null).toBeNull();
    const hidden = await gql(gw, GLOBEX, 'query { ...Q } fragment Q on Query { s: __schema { types { name } } }');
    expect(hidden.data!.s.types.map((t: { name: string }) => t.name)).not.toContain('AuditEvent');
    const noPurpose = await gql(gw, partner('customer-globex'), '{ __schema { queryType { name } } }');
    expect(noPurpose.errors.map((e) => e.extensions?.code)).toEqual(['PURPOSE_REQUIRED']);
  });

  it('GET /me/access-log holds the partner\u2019s own events only, as the auditor sees them, paged and filtered', async () => {
    await gw.http.get('/api/v1/shipments').set('Authorization', await auth(GLOBEX));
    await gw.http.get('/api/v1/demand-signals').set('Authorization', await auth(NORTHWIND));
    await gw.http.get('/api/v1/capacity-signals').set('Authorization', await auth(GLOBEX));
    const own = (await gw.query<{ n: string | number }>("SELECT COUNT(*) AS n FROM audit_events WHERE actor_partner_id = 'customer-globex'"))[0];
    const res = expectStatus(await gw.http.get('/api/v1/me/access-log?limit=1000').set('Authorization', await auth(GLOBEX)));
    const events = res.body.data as Array<Record<string, any>>;
    expect(events.length).toBeGreaterThan(2);
    expect(new Set(events.map((e) => e.actor.partnerId))).toEqual(new Set(['customer-globex']));
    expect(events).toHaveLength(Number(own.n));
    expect(events.map((e) => e.operation)).toEqual(expect.arrayContaining(['GET /api/v1/shipments', 'GET /api/v1/capacity-signals']));

    // The same event, field for field, as the auditor's API gives it.
    const sample = events.find((e) => e.operation === 'GET /api/v1/shipments')!;
    const audited = expectStatus(await gw.http.get(`/api/v1/audit-events/${sample.id}`).set('Authorization', await auth(AUDITOR))).body.data;
    expect(sample).toEqual(audited);

    // Filters and paging as section 8.
    const denied = expectStatus(await gw.http.get('/api/v1/me/access-log?decision=deny').set('Authorization', await auth(GLOBEX))).body.data as Array<
      Record<string, any>
    >;
    expect(denied.map((e) => e.operation)).toContain('GET /api/v1/capacity-signals');
    expect(new Set(denied.map((e) => e.decision))).toEqual(new Set(['deny']));
    const first = expectStatus(await gw.http.get('/api/v1/me/access-log?limit=1').set('Authorization', await auth(GLOBEX))).body;
    expect(first.data).toHaveLength(1);
    const second = expectStatus(
      await gw.http.get(`/api/v1/me/access-log?limit=1&cursor=${first.meta.nextCursor}`).set('Authorization', await auth(GLOBEX)),
    ).body;
    expect(second.data[0].seq).toBeGreaterThan(first.data[0].seq);
    expect(second.data[0].actor.partnerId).toBe('customer-globex');

    expectProblem(await gw.http.get('/api/v1/me/access-log?partnerId=supplier-northwind').set('Authorization', await auth(GLOBEX)), 403, 'FORBIDDEN');
    expectProblem(await gw.http.get('/api/v1/me/access-log?bogus=1').set('Authorization', await auth(GLOBEX)), 400, 'VALIDATION_FAILED');
  });

  it('GET /me/data-access counts other partners\u2019 reads of a carrier\u2019s shipments, per day and field, without values', async () => {
    const shipment = expectStatus(
      await gw.http
        .post('/api/v1/shipments')
        .set('Authorization', await auth(ADMIN))
        .send({
          id: 'shp-me-0001',
          reference: 'PO-ME-1',
          carrierId: 'carrier-swiftlog',
          shipperId: 'supplier-northwind',
          origin: 'PLANT-DE-1',
          destination: 'DC-US-EAST',
          sku: 'SKU-100',
          quantity: 10,
        }),
      201,
    ).body.data;
    const day = new Date().toISOString().slice(0, 10);
    const report = async () => expectStatus(await gw.http.get('/api/v1/me/data-access').set('Authorization', await auth(SWIFTLOG))).body;
    const count = (rows: Array<Record<string, unknown>>, partnerId: string, field: string) =>
      Number(rows.find((r) => r.partnerId === partnerId && r.subject === 'Shipment' && r.field === field && r.day === day)?.count ?? 0);

    const northstar = async () =>
      expectStatus(await gw.http.get('/api/v1/me/data-access').set('Authorization', await auth({ ...SWIFTLOG, partner: 'carrier-northstar' }))).body;
    const before = (await report()).data;
    const northstarBefore = (await northstar()).data;
    // The customer reads the new shipment (its destination is one of the customer's sites).
    expectStatus(await gw.http.get(`/api/v1/shipments/${shipment.id}?fields=id,status,eta`).set('Authorization', await auth(GLOBEX)));
    // The carrier's own read, the orchestrator's read and a refused read do not count.
    expectStatus(await gw.http.get(`/api/v1/shipments/${shipment.id}`).set('Authorization', await auth(SWIFTLOG)));
    expectStatus(await gw.http.get(`/api/v1/shipments/${shipment.id}`).set('Authorization', await auth(ADMIN)));
    expectProblem(
      await gw.http.get(`/api/v1/shipments/${shipment.id}?fields=id,freightCost`).set('Authorization', await auth(GLOBEX)),
      403,
      'FORBIDDEN_FIELDS',
    );
    const after = await report();
    for (const row of after.data) expect(Object.keys(row).sort()).toEqual(['count', 'day', 'field', 'partnerId', 'subject']);
    expect(count(after.data, 'customer-globex', 'status') - count(before, 'customer-globex', 'status')).toBe(1);
    expect(count(after.data, 'customer-globex', 'eta') - count(before, 'customer-globex', 'eta')).toBe(1);
    expect(count(after.data, 'customer-globex', 'destination') - count(before, 'customer-globex', 'destination')).toBe(0);
    expect(count(after.data, 'customer-globex', 'freightCost')).toBe(0);
    expect(after.data.map((r: { partnerId: string }) => r.partnerId)).not.toContain('carrier-swiftlog');
    expect(JSON.stringify(after.data)).not.toContain('PO-ME-1');

    // The shipper reads the tracking events the carrier recorded on it: they count as ShipmentEvent
    // fields, not as fields of the shipment (whose id the events read names as its scope check).
    expectStatus(
      await gw.http
        .post(`/api/v1/shipments/${shipment.id}/events`)
        .set('Authorization', await auth(SWIFTLOG))
        .send({ status: 'picked_up', occurredAt: new Date().toISOString(), location: 'PLANT-DE-1' }),
      201,
    );
    const beforeEvents = (await report()).data;
    const events = expectStatus(await gw.http.get(`/api/v1/shipments/${shipment.id}/events?fields=id,status`).set('Authorization', await auth(NORTHWIND))).body
      .data;
    expect(events).toHaveLength(1);
    const afterEvents = (await report()).data;
    const eventCount = (rows: Array<Record<string, unknown>>, field: string) =>
      Number(rows.find((r) => r.partnerId === 'supplier-northwind' && r.subject === 'ShipmentEvent' && r.field === field && r.day === day)?.count ?? 0);
    expect(eventCount(afterEvents, 'status') - eventCount(beforeEvents, 'status')).toBe(1);
    expect(eventCount(afterEvents, 'location') - eventCount(beforeEvents, 'location')).toBe(0);
    const shipmentStatus = (rows: Array<Record<string, unknown>>) =>
      Number(rows.find((r) => r.partnerId === 'supplier-northwind' && r.subject === 'Shipment' && r.field === 'status' && r.day === day)?.count ?? 0);
    expect(shipmentStatus(afterEvents)).toBe(shipmentStatus(beforeEvents));
    // Another carrier's report does not count reads of this carrier's shipment.
    const northstarAfter = (await northstar()).data;
    expect(count(northstarAfter, 'customer-globex', 'status')).toBe(count(northstarBefore, 'customer-globex', 'status'));

    // Bounded by from/to: a window that ends before today holds none of today's reads; bad ranges are 400.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000).toISOString().slice(0, 10);
    const past = expectStatus(await gw.http.get(`/api/v1/me/data-access?from=${tenDaysAgo}&to=${yesterday}`).set('Authorization', await auth(SWIFTLOG))).body;
    expect(past.data.filter((r: { day: string }) => r.day === day)).toEqual([]);
    expectProblem(
      await gw.http.get('/api/v1/me/data-access?from=2025-01-01&to=2025-12-31').set('Authorization', await auth(SWIFTLOG)),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(
      await gw.http.get('/api/v1/me/data-access?from=2025-02-01&to=2025-01-01').set('Authorization', await auth(SWIFTLOG)),
      400,
      'VALIDATION_FAILED',
    );
    expectProblem(await gw.http.get('/api/v1/me/data-access?from=yesterday').set('Authorization', await auth(SWIFTLOG)), 400, 'VALIDATION_FAILED');
  });

  it('governance switches transparency off per partner: 403 TRANSPARENCY_DISABLED; the document is validated', async () => {
    const officer = await auth(GOVERNANCE);
    const doc = demoPolicyFile('customer-globex') as Record<string, unknown>;
    const put = (body: object) => gw.http.put('/api/v1/policies/customer-globex').set('Authorization', officer).send(body);

    const bad = expectProblem(await put({ ...doc, transparency: { accessLog: 'no', audit: true } }), 400, 'POLICY_INVALID');
    expect((bad.problems as Array<{ path: string }>).map((p) => p.path).sort()).toEqual(['transparency.accessLog', 'transparency.audit']);

    expectStatus(await put({ ...doc, transparency: { accessLog: false } }));
    expect((await me(GLOBEX)).transparency).toEqual({ accessLog: false, dataAccess: true });
    expectProblem(await gw.http.get('/api/v1/me/access-log').set('Authorization', await auth(GLOBEX)), 403, 'TRANSPARENCY_DISABLED');
    expectStatus(await gw.http.get('/api/v1/me/data-access').set('Authorization', await auth(GLOBEX)));
    const openapi = expectStatus(await gw.http.get('/api/v1/me/openapi.json').set('Authorization', await auth(GLOBEX))).body;
    expect(openapi.paths['/api/v1/me/access-log']).toBeUndefined();
    expect(openapi.paths['/api/v1/me/data-access']).toBeDefined();

    expectStatus(await put({ ...doc, transparency: { accessLog: true, dataAccess: false } }));
    expectStatus(await gw.http.get('/api/v1/me/access-log').set('Authorization', await auth(GLOBEX)));
    const before = await gw.headSeq();
    expectProblem(await gw.http.get('/api/v1/me/data-access').set('Authorization', await auth(GLOBEX)), 403, 'TRANSPARENCY_DISABLED');
    const [event] = await gw.auditSince(before);
    expect(event).toEqual(expect.objectContaining({ decision: 'deny', code: 'TRANSPARENCY_DISABLED' }));
  });
});
