import { AUDITOR, bearer, expectProblem, expectStatus, GLOBEX, gql, GOVERNANCE, SWIFTLOG } from '../support/contract';
import { TestGateway } from '../support/test-app';

jest.setTimeout(120_000);

/**
 * A refused request is audited as completely as an allowed one: the record id it addressed and the
 * purpose it declared, whatever refused it (validation, policy, scope, rate limit). An auditor
 * finds every event that addressed or returned a record (`resourceId`) or that returned or was
 * denied a field (`field`), refusals included, on REST and GraphQL and on both databases.
 */
describe('audit of refusals', () => {
  let gw: TestGateway;
  let auditor: string;
  let swiftNoPurpose: string;
  const FOREIGN = 'shp-0003'; // Northstar's shipment: outside SwiftLog's scope
  const OWN = 'shp-0001';

  beforeAll(async () => {
    gw = await TestGateway.start();
    auditor = await bearer(gw, AUDITOR);
    swiftNoPurpose = await bearer(gw, { ...SWIFTLOG, purpose: undefined });
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** The one audit event a request wrote, in the auditor's view. */
  async function audited(send: () => PromiseLike<unknown>): Promise<Record<string, any>> {
    const seq = await gw.headSeq();
    await send();
    const events = await gw.auditSince(seq);
    expect(events).toHaveLength(1);
    const res = expectStatus(await gw.http.get(`/api/v1/audit-events/${events[0].event_id}`).set('Authorization', auditor));
    return res.body.data;
  }

  describe('a refused request names what it addressed and the purpose it declared', () => {
    it('403 PATCH of a field the carrier may not write: the shipment id and the purpose', async () => {
      const event = await audited(async () =>
        expectProblem(
          await gw.http
            .patch(`/api/v1/shipments/${OWN}`)
            .set('Authorization', swiftNoPurpose)
            .set('X-Purpose', 'shipment-execution')
            .send({ destination: 'Elsewhere' }),
          403,
          'FORBIDDEN_FIELDS',
        ),
      );
      expect(event).toMatchObject({ status: 403, decision: 'deny', resourceIds: [OWN], purpose: 'shipment-execution', fieldsDenied: ['destination'] });
    });

    it("404 PATCH of another carrier's shipment names the id asked for", async () => {
      const event = await audited(async () =>
        expectProblem(
          await gw.http
            .patch(`/api/v1/shipments/${FOREIGN}`)
            .set('Authorization', await bearer(gw, SWIFTLOG))
            .send({ status: 'delivered' }),
          404,
          'NOT_FOUND',
        ),
      );
      expect(event).toMatchObject({ status: 404, resourceIds: [FOREIGN], purpose: 'shipment-execution' });
    });

    it("404 GET of another carrier's shipment names the id asked for", async () => {
      const event = await audited(async () =>
        expectProblem(await gw.http.get(`/api/v1/shipments/${FOREIGN}`).set('Authorization', await bearer(gw, SWIFTLOG)), 404),
      );
      expect(event).toMatchObject({ status: 404, resourceIds: [FOREIGN], purpose: 'shipment-execution' });
    });

    it('400 validation failure of PATCH /shipments/:id names the id and the declared purpose', async () => {
      const event = await audited(async () =>
        expectProblem(
          await gw.http
            .patch(`/api/v1/shipments/${OWN}`)
            .set('Authorization', swiftNoPurpose)
            .set('X-Purpose', 'shipment-execution')
            .send({ eta: '2026-W05-3' }),
          400,
          'VALIDATION_FAILED',
        ),
      );
      expect(event).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', resourceIds: [OWN], purpose: 'shipment-execution' });
    });

    it('400 PURPOSE_REQUIRED: no purpose was declared, none is recorded', async () => {
      const event = await audited(async () =>
        expectProblem(await gw.http.get(`/api/v1/shipments/${OWN}`).set('Authorization', swiftNoPurpose), 400, 'PURPOSE_REQUIRED'),
      );
      expect(event).toMatchObject({ status: 400, code: 'PURPOSE_REQUIRED', resourceIds: [OWN], purpose: null });
    });

    it('a purpose the policy does not know is recorded: 403 on the list, 404 on the record (nothing readable for it)', async () => {
      const list = await audited(async () =>
        expectProblem(await gw.http.get('/api/v1/shipments').set('Authorization', swiftNoPurpose).set('X-Purpose', 'marketing'), 403, 'FORBIDDEN'),
      );
      expect(list).toMatchObject({ status: 403, resourceIds: [], purpose: 'marketing' });
      const patch = await audited(async () =>
        expectProblem(
          await gw.http.patch(`/api/v1/shipments/${OWN}`).set('Authorization', swiftNoPurpose).set('X-Purpose', 'marketing').send({ status: 'delayed' }),
          404,
        ),
      );
      expect(patch).toMatchObject({ status: 404, resourceIds: [OWN], purpose: 'marketing' });
    });

    it('a malformed declared purpose is recorded as declared', async () => {
      const event = await audited(async () =>
        expectProblem(
          await gw.http.get(`/api/v1/shipments/${OWN}`).set('Authorization', swiftNoPurpose).set('X-Purpose', 'Not A Purpose'),
          400,
          'VALIDATION_FAILED',
        ),
      );
      expect(event).toMatchObject({ resourceIds: [OWN], purpose: 'Not A Purpose' });
    });

    it('GraphQL: a refused mutation and a null (not found) shipment name the ids asked for', async () => {
      const mutation = await audited(() =>
        gql(gw, SWIFTLOG, `mutation { updateShipment(id: "${FOREIGN}", input: { status: delivered }) { id } }`.replace('delivered', '"delivered"')),
      );
      expect(mutation).toMatchObject({ transport: 'graphql', decision: 'deny', resourceIds: [FOREIGN], purpose: 'shipment-execution' });
      const invalid = await audited(() =>
        gql(gw, { ...SWIFTLOG, purpose: undefined }, `mutation { updateShipment(id: "${OWN}", input: { eta: "2026-032" }) { id } }`, undefined, {
          'X-Purpose': 'shipment-execution',
        }),
      );
      expect(invalid).toMatchObject({ code: 'VALIDATION_FAILED', resourceIds: [OWN], purpose: 'shipment-execution' });
      const read = await audited(() => gql(gw, SWIFTLOG, `{ shipment(id: "${FOREIGN}") { id status } }`));
      expect(read).toMatchObject({ code: 'NOT_FOUND', resourceIds: [FOREIGN], purpose: 'shipment-execution' });
    });

    it('a push names the shipments its events addressed, refused ones included', async () => {
      const event = await audited(async () =>
        expectStatus(
          await gw.http
            .post('/api/v1/shipment-events:batch')
            .set('Authorization', await bearer(gw, SWIFTLOG))
            .send({
              events: [
                { eventId: 'ar-1', shipmentId: OWN, status: 'in_transit', occurredAt: '2026-04-01T10:00:00Z' },
                { eventId: 'ar-2', shipmentId: FOREIGN, status: 'delivered', occurredAt: '2026-04-01T10:00:00Z' },
              ],
            }),
        ),
      );
      expect(event).toMatchObject({ decision: 'partial', purpose: 'shipment-execution' });
      expect(event.resourceIds).toEqual(expect.arrayContaining([OWN, FOREIGN]));
    });

    it('429: a rate-limited request names the id and the purpose too', async () => {
      const governance = await bearer(gw, GOVERNANCE);
      const document = {
        partner: { id: 'carrier-tiny', name: 'Tiny Carrier', kind: 'logistics', attributes: {} },
        limits: { requestsPerMinute: 1, maxPageSize: 10 },
        rules: [
          {
            id: 'own',
            action: 'read',
            subject: 'Shipment',
            fields: ['id', 'status', 'carrierId'],
            conditions: { carrierId: '${partner.id}' },
            purposes: ['shipment-execution'],
          },
        ],
      };
      expectStatus(await gw.http.put('/api/v1/policies/carrier-tiny').set('Authorization', governance).send(document), 200);
      const tiny = await bearer(gw, { roles: ['partner'], partner: 'carrier-tiny', purpose: 'shipment-execution' });
      await gw.http.get(`/api/v1/shipments/${OWN}`).set('Authorization', tiny);
      const event = await audited(async () => expectProblem(await gw.http.get(`/api/v1/shipments/${OWN}`).set('Authorization', tiny), 429, 'RATE_LIMITED'));
      expect(event).toMatchObject({ status: 429, resourceIds: [OWN], purpose: 'shipment-execution' });
    });
  });

  describe('the auditor filters by resource id and by field', () => {
    async function allEvents(): Promise<Array<Record<string, any>>> {
      const res = expectStatus(await gw.http.get('/api/v1/audit-events?limit=1000').set('Authorization', auditor));
      expect(res.body.meta.nextCursor).toBeNull();
      return res.body.data;
    }

    beforeAll(async () => {
      // An allowed read that returns the foreign shipment and withholds a field: Globex may not see freightCost.
      await gw.http.get(`/api/v1/shipments/${FOREIGN}`).set('Authorization', await bearer(gw, { roles: ['admin'], sub: 'loader@orchestrator' }));
      await gw.http.get('/api/v1/shipments?fields=id,freightCost').set('Authorization', await bearer(gw, GLOBEX));
    });

    it('?resourceId= returns exactly the events that addressed or returned that record, refusals included', async () => {
      const expected = (await allEvents()).filter((e) => e.resourceIds.includes(FOREIGN)).map((e) => e.id);
      const res = expectStatus(await gw.http.get(`/api/v1/audit-events?resourceId=${FOREIGN}&limit=1000`).set('Authorization', auditor));
      expect(res.body.data.map((e: { id: string }) => e.id)).toEqual(expected);
      const decisions = new Set(res.body.data.map((e: { decision: string }) => e.decision));
      expect(decisions.has('deny')).toBe(true);
      expect(decisions.has('allow')).toBe(true);
      // The REST 404s of the PATCH and the GET, the GraphQL refused mutation and the null shipment.
      expect(res.body.data.filter((e: { decision: string }) => e.decision === 'deny').length).toBeGreaterThanOrEqual(4);
    });

    it('?field= returns exactly the events that returned or were denied that field', async () => {
      const all = await allEvents();
      for (const field of ['freightCost', 'destination', 'status']) {
        const expected = all.filter((e) => e.fieldsReturned.includes(field) || e.fieldsDenied.includes(field)).map((e) => e.id);
        expect(expected.length).toBeGreaterThan(0);
        const res = expectStatus(await gw.http.get(`/api/v1/audit-events?field=${field}&limit=1000`).set('Authorization', auditor));
        expect({ field, ids: res.body.data.map((e: { id: string }) => e.id) }).toEqual({ field, ids: expected });
      }
    });

    it('filters combine, and a value that is no id matches nothing rather than everything', async () => {
      const all = await allEvents();
      const expected = all.filter((e) => e.resourceIds.includes(OWN) && e.decision === 'deny').map((e) => e.id);
      const both = expectStatus(await gw.http.get(`/api/v1/audit-events?resourceId=${OWN}&decision=deny&limit=1000`).set('Authorization', auditor));
      expect(both.body.data.map((e: { id: string }) => e.id)).toEqual(expected);
      for (const q of ['resourceId=%25', 'resourceId=shp-000', 'resourceId=%5B%5D', 'field=%22', 'field=freight']) {
        const none = expectStatus(await gw.http.get(`/api/v1/audit-events?${q}`).set('Authorization', auditor));
        expect({ q, n: none.body.data.length }).toEqual({ q, n: 0 });
      }
    });

    it('the export and GraphQL auditEvents take the same filters', async () => {
      const rest = expectStatus(await gw.http.get(`/api/v1/audit-events?resourceId=${FOREIGN}&limit=1000`).set('Authorization', auditor));
      const ids = rest.body.data.map((e: { id: string }) => e.id);
      const exported = expectStatus(await gw.http.get(`/api/v1/audit-events/export?format=ndjson&resourceId=${FOREIGN}`).set('Authorization', auditor));
      const exportedIds = exported.text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).id);
      expect(exportedIds.slice(0, ids.length)).toEqual(ids);
      const r = await gql(
        gw,
        AUDITOR,
        'query ($f: AuditEventFilter) { auditEvents(filter: $f, first: 1000) { nodes { id resourceIds fieldsDenied fieldsReturned } } }',
        { f: { resourceId: FOREIGN } },
      );
      expect(r.errors).toEqual([]);
      expect(r.data!.auditEvents.nodes.map((e: { id: string }) => e.id).slice(0, ids.length)).toEqual(ids);
      const byField = await gql(
        gw,
        AUDITOR,
        'query ($f: AuditEventFilter) { auditEvents(filter: $f, first: 1000) { nodes { fieldsDenied fieldsReturned } } }',
        { f: { field: 'freightCost' } },
      );
      expect(byField.data!.auditEvents.nodes.length).toBeGreaterThan(0);
      for (const e of byField.data!.auditEvents.nodes) expect([...e.fieldsDenied, ...e.fieldsReturned]).toContain('freightCost');
    });

    it('a filter value the store cannot compare is 400 naming it', async () => {
      const body = expectProblem(await gw.http.get('/api/v1/audit-events?resourceId=a%00b').set('Authorization', auditor), 400, 'VALIDATION_FAILED');
      expect(body.detail).toMatch(/^resourceId /);
      const long = expectProblem(await gw.http.get(`/api/v1/audit-events?field=${'f'.repeat(129)}`).set('Authorization', auditor), 400, 'VALIDATION_FAILED');
      expect(long.detail).toMatch(/^field /);
    });
  });
});
