import { ADMIN, AUDITOR, bearer, expectProblem, expectStatus, GOVERNANCE, SWIFTLOG } from '../support/contract';
import { TestGateway, TokenOptions } from '../support/test-app';
import { refused } from './support/attack';
import { ALL_ROLES, concrete, nestRoutes, operationFor, graphqlOperations, schemaFields } from './support/inventory';

jest.setTimeout(180_000);

/**
 * OWASP API5:2023 Broken Function Level Authorization: every route and every GraphQL root field
 * called with each role it does not name (partner, governance, auditor and admin tokens on each
 * other's functions), method-override headers, and path spellings that might slip past a route's
 * guard. Each refusal is audited and writes nothing.
 */

const TOKEN_OF: Record<(typeof ALL_ROLES)[number], TokenOptions> = {
  partner: SWIFTLOG,
  governance: GOVERNANCE,
  auditor: AUDITOR,
  admin: ADMIN,
};

describe('API5 function level authorization', () => {
  let gw: TestGateway;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    gw = await TestGateway.start();
    for (const role of ALL_ROLES) tokens[role] = await bearer(gw, TOKEN_OF[role]);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('every REST route refuses every role it does not name: 403 FORBIDDEN_ROLE', async () => {
    let checked = 0;
    for (const r of nestRoutes(gw).filter((x) => !x.isPublic)) {
      for (const role of ALL_ROLES.filter((x) => !r.roles!.includes(x))) {
        const { res } = await refused(
          gw,
          () => {
            const req = gw.http[r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete(r.path)).set('Authorization', tokens[role]);
            return ['POST', 'PUT', 'PATCH'].includes(r.method) ? req.send({}) : req;
          },
          403,
        );
        expect({ route: `${r.method} ${r.path}`, role, code: res.body.code }).toEqual({ route: `${r.method} ${r.path}`, role, code: 'FORBIDDEN_ROLE' });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it('every GraphQL Query and Mutation refuses every role it does not name', async () => {
    const roles = new Map(graphqlOperations(gw).map((o) => [`${o.kind}.${o.name}`, o.roles!]));
    let checked = 0;
    for (const { kind, field } of schemaFields(gw).filter((f) => f.kind !== 'Subscription')) {
      for (const role of ALL_ROLES.filter((x) => !roles.get(`${kind}.${field.name}`)!.includes(x))) {
        const { res } = await refused(gw, () =>
          gw.http
            .post('/graphql')
            .set('Authorization', tokens[role])
            .send({ query: operationFor(kind, field) }),
        );
        expect({ field: `${kind}.${field.name}`, role, codes: res.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code) }).toEqual({
          field: `${kind}.${field.name}`,
          role,
          codes: ['FORBIDDEN_ROLE'],
        });
        expect(res.body.data?.[field.name] ?? null).toBeNull();
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  describe('method override headers are ignored', () => {
    it.each(['X-HTTP-Method-Override', 'X-Method-Override', 'X-HTTP-Method'])('%s: PUT on POST /policies/:id (governance) is no PUT', async (header) => {
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/api/v1/policies/supplier-acme')
            .set('Authorization', tokens.governance)
            .set(header, 'PUT')
            .send({ partner: { id: 'supplier-acme', name: 'Acme', kind: 'supplier' }, rules: [] }),
        404,
      );
      expectProblem(res, 404);
    });

    it.each(['X-HTTP-Method-Override', 'X-Method-Override'])('%s: PATCH on POST /shipments/:id (carrier) is no PATCH', async (header) => {
      const { res } = await refused(
        gw,
        () => gw.http.post('/api/v1/shipments/shp-0001').set('Authorization', tokens.partner).set(header, 'PATCH').send({ status: 'delivered' }),
        404,
      );
      expectProblem(res, 404);
    });

    it('?_method=DELETE on an audit event (auditor) is no DELETE; no route changes or deletes audit events', async () => {
      const [{ id }] = await gw.query<{ id: string }>('SELECT event_id AS id FROM audit_events ORDER BY seq LIMIT 1');
      for (const [method, url] of [
        ['post', `/api/v1/audit-events/${id}?_method=DELETE`],
        ['delete', `/api/v1/audit-events/${id}`],
        ['patch', `/api/v1/audit-events/${id}`],
        ['put', `/api/v1/audit-events/${id}`],
      ] as const) {
        const { res } = await refused(
          gw,
          () => gw.http[method](url).set('Authorization', tokens.auditor).set('X-HTTP-Method-Override', 'DELETE').send({ decision: 'allow' }),
          404,
        );
        expectProblem(res, 404);
      }
      expect(await gw.query('SELECT seq FROM audit_events WHERE event_id = ?', [id])).toHaveLength(1);
    });

    it('a GraphQL mutation over GET is refused (mutations need POST)', async () => {
      const query = encodeURIComponent('mutation { rollbackPolicy(partnerId: "supplier-acme", version: 1) { version } }');
      const { res } = await refused(gw, () =>
        gw.http.get(`/graphql?query=${query}`).set('Authorization', tokens.governance).set('apollo-require-preflight', 'true'),
      );
      expect(res.status).toBe(405);
    });
  });

  describe('path spellings reach the same guard, or nothing', () => {
    it.each([
      ['/api/v1/../api/v1/policies', 404],
      ['/api/v1/./policies', 404],
      ['/api/v1/%70olicies', 404],
      ['/api/v1/policies%2F..%2Faudit-events', 404],
      ['/api/v1/shipments/..%2F..%2Fpolicies', 404],
      ['/api/v1/policies;x=1', 404],
      ['/API/V1/policies', 403],
      ['/Api/V1/Policies', 403],
      ['/api/v1/policies/', 403],
      ['/api/v1/policies//', 404],
      ['/api/v1/audit-events/verify/', 403],
    ])('a partner token on %s: %i, audited', async (path, status) => {
      const { res } = await refused(gw, () => gw.http.get(path).set('Authorization', tokens.partner), status);
      expectProblem(res, status);
      expect(JSON.stringify(res.body)).not.toMatch(/"document"|"rules"/);
    });

    it('paths outside the audited prefix are not routed at all', async () => {
      for (const path of ['//api/v1/policies', '/api%2Fv1/policies', '/api/v1%2Fpolicies', '/./api/v1/policies']) {
        const res = await gw.http.get(path).set('Authorization', tokens.partner);
        expectProblem(res, 404);
        expect(JSON.stringify(res.body)).not.toMatch(/"document"|"rules"/);
      }
    });

    it('control: the governance officer reaches policies under any case or trailing slash, the same rules apply', async () => {
      for (const path of ['/API/V1/policies', '/api/v1/policies/']) expectStatus(await gw.http.get(path).set('Authorization', tokens.governance));
    });
  });
});
