import type { Response } from 'supertest';
import { bearer, dbIds, expectProblem, expectStatus, gql, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';
import { PUSH_TALLIES, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API2:2023 Broken Authentication, beyond test/auth.e2e-spec.ts (which covers malformed
 * headers and failed verification on reads): ambiguous credentials (repeated Authorization
 * headers), credentials anywhere but the Authorization header on writes, and a partner whose
 * status is suspended. Every refusal is the same 401 body, audited, and writes nothing.
 */
describe('API2 broken authentication', () => {
  let gw: TestGateway;
  let valid: string;
  let shipment: string;
  /** The body of a request without any credential. */
  let anonymous: Record<string, unknown>;

  const patch = (headers: Record<string, string | string[]>, url = `/api/v1/shipments/${shipment}`) => {
    let req = gw.http.patch(url).set('content-type', 'application/json');
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v as string);
    return req.send({ status: 'delayed', lastLocation: 'attacker' });
  };

  const expect401 = (res: Response) => {
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect(res.body).toEqual({ ...anonymous, instance: res.body.instance });
    expect(res.headers['www-authenticate']).toMatch(/^Bearer\b/);
  };

  beforeAll(async () => {
    gw = await TestGateway.start();
    valid = await bearer(gw, SWIFTLOG);
    shipment = (await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-swiftlog']))[0];
    anonymous = (await gw.http.patch(`/api/v1/shipments/${shipment}`).send({ status: 'delayed' })).body;
    expect(anonymous).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    // control: the valid credential alone is accepted (on a read, so the data stays as seeded)
    expectStatus(await gw.http.get(`/api/v1/shipments/${shipment}`).set('Authorization', valid));
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('missing, empty or non-Bearer credentials on a write', () => {
    it.each([
      ['no Authorization', () => ({})],
      ['empty Authorization', () => ({ Authorization: '' })],
      ['Basic credentials', () => ({ Authorization: 'Basic ZGlzcGF0Y2g6c2VjcmV0' })],
      ['Bearer with two spaces before the token', () => ({ Authorization: valid.replace('Bearer ', 'Bearer  ') })],
      ['the token without a scheme', () => ({ Authorization: valid.slice('Bearer '.length) })],
      ['Bearer followed by a comma-joined second credential', () => ({ Authorization: `${valid}, Basic ZGlzcGF0Y2g6c2VjcmV0` })],
    ])('%s: 401', async (_, headers: () => Record<string, string>) => {
      const { res } = await refused(gw, () => patch(headers()), 401);
      expect401(res);
    });
  });

  describe('repeated Authorization headers are ambiguous and refused, whichever comes first', () => {
    it.each([
      ['valid, then garbage', () => [valid, 'Bearer x.y.z']],
      ['garbage, then valid', () => ['Bearer x.y.z', valid]],
      ['valid twice', () => [valid, valid]],
      ['valid, then Basic', () => [valid, 'Basic ZGlzcGF0Y2g6c2VjcmV0']],
    ])('REST write: %s', async (_, values) => {
      const { res } = await refused(gw, () => patch({ Authorization: values() }), 401);
      expect401(res);
    });

    it('GraphQL: valid, then garbage', async () => {
      const { res } = await refused(
        gw,
        () =>
          gw.http
            .post('/graphql')
            .set('Authorization', [valid, 'Bearer x.y.z'] as unknown as string)
            .send({ query: 'mutation ($id: ID!) { updateShipment(id: $id, input: { status: "delayed" }) { id } }', variables: { id: shipment } }),
        401,
      );
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('a valid token anywhere but the Authorization header is ignored', () => {
    const raw = () => valid.slice('Bearer '.length);
    it.each([
      ['?access_token= on a write', () => patch({}, `/api/v1/shipments/${shipment}?access_token=${raw()}`)],
      ['a cookie', () => patch({ Cookie: `access_token=${raw()}; Authorization=${encodeURIComponent(valid)}` })],
      ['X-Access-Token', () => patch({ 'X-Access-Token': raw() })],
      ['X-Auth-Token', () => patch({ 'X-Auth-Token': raw() })],
      ['X-Forwarded-Authorization', () => patch({ 'X-Forwarded-Authorization': valid })],
      ['Proxy-Authorization', () => patch({ 'Proxy-Authorization': valid })],
      ['an access_token member of the JSON body', () => gw.http.patch(`/api/v1/shipments/${shipment}`).send({ access_token: raw(), status: 'delayed' })],
    ])('%s: 401', async (_, call) => {
      const { res } = await refused(gw, call, 401);
      expect401(res);
    });

    it('GraphQL extensions and variables carrying the token: 401', async () => {
      const { res } = await refused(
        gw,
        () =>
          gw.http.post('/graphql').send({
            query: '{ shipments { nodes { id } } }',
            extensions: { authorization: valid, headers: { Authorization: valid } },
            variables: { authorization: valid },
          }),
        401,
      );
      expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    });
  });

  describe('a suspended partner', () => {
    beforeAll(async () => {
      await gw.query("UPDATE partners SET status = 'suspended' WHERE id = ?", ['carrier-swiftlog']);
    });
    afterAll(async () => {
      await gw.query("UPDATE partners SET status = 'active' WHERE id = ?", ['carrier-swiftlog']);
    });

    it.each([
      ['GET /shipments', () => gw.http.get('/api/v1/shipments').set('Authorization', valid), []],
      ['GET /shipments/:id', () => gw.http.get(`/api/v1/shipments/${shipment}`).set('Authorization', valid), []],
      ['PATCH /shipments/:id', () => patch({ Authorization: valid }), []],
      [
        'POST /shipments/:id/events',
        () =>
          gw.http.post(`/api/v1/shipments/${shipment}/events`).set('Authorization', valid).send({ status: 'delivered', occurredAt: new Date().toISOString() }),
        [PUSH_TALLIES],
      ],
      [
        'POST /shipment-events:batch',
        () =>
          gw.http
            .post('/api/v1/shipment-events:batch')
            .set('Authorization', valid)
            .send({ events: [{ eventId: 'susp-1', shipmentId: shipment, status: 'delivered', occurredAt: new Date().toISOString() }] }),
        [PUSH_TALLIES],
      ],
    ] as Array<[string, () => Promise<Response>, string[]]>)('is refused on %s with a valid token (403 PARTNER_SUSPENDED)', async (_, call, ignore) => {
      const { res } = await refused(gw, call, { status: 403, ignore });
      expectProblem(res, 403, 'PARTNER_SUSPENDED');
      expect(JSON.stringify(res.body)).not.toContain('freightCost');
    });

    it('is refused over GraphQL, with no data', async () => {
      const { res } = await refused(gw, () => gql(gw, SWIFTLOG, '{ shipments { nodes { id freightCost } } }'));
      expect(res.data ?? null).toBeNull();
      expect(res.errors.map((e) => e.extensions?.code)).toEqual(['PARTNER_SUSPENDED']);
    });

    it('is back once reactivated (the check is made on every request, not cached)', async () => {
      await gw.query("UPDATE partners SET status = 'active' WHERE id = ?", ['carrier-swiftlog']);
      expectStatus(await gw.http.get('/api/v1/shipments').set('Authorization', valid));
      await gw.query("UPDATE partners SET status = 'suspended' WHERE id = ?", ['carrier-swiftlog']);
      expectProblem(await gw.http.get('/api/v1/shipments').set('Authorization', valid), 403, 'PARTNER_SUSPENDED');
    });
  });
});
