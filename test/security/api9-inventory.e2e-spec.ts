import { GovernedDataService } from '../../src/access/governed-data.service';
import { GovernedWriteService } from '../../src/access/governed-write.service';
import { AuditService } from '../../src/audit/audit.service';
import { PartnerRateLimitGuard } from '../../src/transport/guards/partner-rate-limit.guard';
import { expectProblem } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { refused } from './support/attack';
import { ALL_ROLES, concrete, expressRoutes, graphqlOperations, nestRoutes, operationFor, schemaFields } from './support/inventory';

jest.setTimeout(180_000);

/**
 * OWASP API9:2023 Improper Inventory Management. The surface is enumerated from the running
 * gateway (Nest's discovery, Express's router, the GraphQL schema), not from a list in this file:
 * every route and root field has a governance marker (@Roles, or @Public from a short allow-list),
 * lives under an audited prefix, is documented, and refuses an anonymous caller with 401 and an
 * audit event. A new endpoint that forgets any of this fails here.
 */

/** The only routes that may answer without a token (operators and key discovery). */
// The console's sign-in settings and its demo sign-in (which answers 404 unless the gateway runs as
// the embedded demo: not production, no identity provider, reached over loopback; docs/console.md).
const PUBLIC_ALLOW_LIST = [
  'GET /.well-known/jwks.json',
  'GET /console/settings.json',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
  'POST /console/demo-token',
];
/** Swagger UI and its OpenAPI document, registered on Express directly by SwaggerModule. */
const SWAGGER = /^\/docs(-json|-yaml|\/.*)?$/;

describe('API9 inventory', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('REST', () => {
    it('Nest\u2019s routes and Express\u2019s router agree: nothing is routed outside a controller but Swagger', () => {
      const nest = nestRoutes(gw)
        .map((r) => `${r.method} ${r.path}`)
        .sort();
      const express = [...new Set(expressRoutes(gw).map((r) => `${r.method} ${r.path}`))].filter((r) => !r.startsWith('HEAD ')).sort();
      expect(nest.length).toBeGreaterThan(20);
      expect(express.filter((r) => !SWAGGER.test(r.split(' ')[1]))).toEqual(nest);
    });

    it('every route is @Public from the allow-list, or carries @Roles naming known roles', () => {
      const routes = nestRoutes(gw);
      expect(
        routes
          .filter((r) => r.isPublic)
          .map((r) => `${r.method} ${r.path}`)
          .sort(),
      ).toEqual(PUBLIC_ALLOW_LIST);
      const ungoverned = routes.filter((r) => !r.isPublic && (!r.roles || r.roles.length === 0));
      expect(ungoverned).toEqual([]);
      for (const r of routes.filter((x) => !x.isPublic)) for (const role of r.roles!) expect(ALL_ROLES).toContain(role);
    });

    it('every governed route lives under /api/v1, where every request is audited', () => {
      expect(
        nestRoutes(gw)
          .filter((r) => !r.isPublic && !r.path.startsWith('/api/v1/'))
          .map((r) => `${r.method} ${r.path}`),
      ).toEqual([]);
    });

    it('every governed route is in the OpenAPI document, with the bearer requirement', async () => {
      const doc = (await gw.http.get('/docs-json').expect(200)).body as { paths: Record<string, Record<string, { security?: unknown[] }>> };
      for (const r of nestRoutes(gw).filter((x) => !x.isPublic)) {
        const openapiPath = r.path.replace(/\/:([A-Za-z_]+)/g, '/{$1}');
        const op = doc.paths[openapiPath]?.[r.method.toLowerCase()];
        expect({ route: `${r.method} ${r.path}`, documented: Boolean(op) }).toEqual({ route: `${r.method} ${r.path}`, documented: true });
        expect({ route: `${r.method} ${r.path}`, security: op.security }).toEqual({
          route: `${r.method} ${r.path}`,
          security: expect.arrayContaining([expect.objectContaining({ bearer: [] })]),
        });
      }
    });

    it('every governed route refuses an anonymous caller: 401 problem+json, one deny audit event, nothing written', async () => {
      const routes = nestRoutes(gw).filter((r) => !r.isPublic);
      for (const r of routes) {
        const url = concrete(r.path);
        const { res, event } = await refused(
          gw,
          () => {
            const req = gw.http[r.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](url);
            return ['POST', 'PUT', 'PATCH'].includes(r.method) ? req.send({}) : req;
          },
          401,
        );
        expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
        expectProblem(res, 401, 'UNAUTHENTICATED');
        expect(event.actor_sub ?? null).toBeNull();
      }
    });

    it('the public routes answer without a token and reveal no partner data', async () => {
      // The demo sign-in (POST) has its own refusals in test/console-sign-in.e2e-spec.ts.
      for (const r of PUBLIC_ALLOW_LIST.filter((route) => route.startsWith('GET '))) {
        const res = await gw.http.get(r.split(' ')[1]);
        expect([200, 503]).toContain(res.status);
        expect(res.text).not.toMatch(/freightCost|customerName|routingPlan|unitCost/);
      }
    });

    it('the gateway runs the governed services (the ungoverned benchmark gateway is its own entry, src/bench)', () => {
      expect(gw.app.get(GovernedDataService).constructor).toBe(GovernedDataService);
      expect(gw.app.get(GovernedWriteService).constructor).toBe(GovernedWriteService);
      expect(gw.app.get(AuditService).constructor).toBe(AuditService);
      expect(gw.app.get(PartnerRateLimitGuard).constructor).toBe(PartnerRateLimitGuard);
    });
  });

  describe('GraphQL', () => {
    it('resolver methods and the schema\u2019s root fields are the same set', () => {
      const ops = graphqlOperations(gw)
        .map((o) => `${o.kind}.${o.name}`)
        .sort();
      const fields = schemaFields(gw)
        .map((f) => `${f.kind}.${f.field.name}`)
        .sort();
      expect(ops.length).toBeGreaterThan(10);
      expect(ops).toEqual(fields);
    });

    it('every Query, Mutation and Subscription carries @Roles naming known roles; none is public', () => {
      const ops = graphqlOperations(gw);
      expect(ops.filter((o) => o.isPublic)).toEqual([]);
      expect(ops.filter((o) => !o.roles || o.roles.length === 0)).toEqual([]);
      for (const o of ops) for (const role of o.roles!) expect(ALL_ROLES).toContain(role);
    });

    it('every Query and Mutation refuses an anonymous caller with 401 and an audit event', async () => {
      for (const { kind, field } of schemaFields(gw).filter((f) => f.kind !== 'Subscription')) {
        const query = operationFor(kind, field);
        const { res } = await refused(gw, () => gw.http.post('/graphql').set('content-type', 'application/json').send({ query }), 401);
        expect({ field: `${kind}.${field.name}`, status: res.status, code: res.body.errors?.[0]?.extensions?.code }).toEqual({
          field: `${kind}.${field.name}`,
          status: 401,
          code: 'UNAUTHENTICATED',
        });
        expect(res.body.data ?? null).toBeNull();
      }
    });
  });
});
