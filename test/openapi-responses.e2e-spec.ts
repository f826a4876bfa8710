import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { Response } from 'supertest';
import { ACME, ADMIN, AUDITOR, GOVERNANCE, NORTHWIND, NORTHWIND_CAPACITY, SWIFTLOG } from './support/contract';
import { TestGateway, TokenOptions } from './support/test-app';

/**
 * Every operation of the OpenAPI document (GET /docs-json) answers as the document says: each
 * sample call's status is documented for its operation, and its body matches the schema of that
 * status and content type. An operation without a sample call, or a route the document leaves out,
 * fails the test.
 */
type Doc = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: Record<string, unknown>;
};
interface Ctx {
  gw: TestGateway;
  token: (who: TokenOptions) => Promise<string>;
  ids: Record<string, string>;
}
type Sample = [operation: string, expected: number, run: (c: Ctx) => Promise<Response>];

const auth = async (c: Ctx, who: TokenOptions) => `Bearer ${await c.token(who)}`;
const get =
  (path: string, who?: TokenOptions, headers: Record<string, string> = {}) =>
  async (c: Ctx) => {
    const r = c.gw.http.get(typeof path === 'string' ? path.replace(/\{(\w+)\}/g, (_, k: string) => c.ids[k]) : path).set(headers);
    return who ? r.set('Authorization', await auth(c, who)) : r;
  };
const send =
  (method: 'post' | 'put' | 'patch', path: string, who: TokenOptions, body: unknown, headers: Record<string, string> = {}) =>
  async (c: Ctx) =>
    c.gw.http[method](path.replace(/\{(\w+)\}/g, (_, k: string) => c.ids[k]))
      .set('Authorization', await auth(c, who))
      .set(headers)
      .send(body as object);

const DEMAND = { id: 'ds-oa-1', sku: 'SKU-100', site: 'PLANT-DE-1', region: 'EMEA', periodStart: '2026-12-01', forecastQty: 1200 };
const CAPACITY = { id: 'supplier-northwind.cap-oa-1', site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2026-12-01', availableQty: 5000, riskLevel: 'low' };
const SHIPMENT = {
  id: 'shp-oa-1',
  reference: 'PO-OA-1',
  carrierId: 'carrier-swiftlog',
  shipperId: 'supplier-northwind',
  origin: 'PLANT-DE-1',
  destination: 'DC-US-EAST',
  sku: 'SKU-100',
  quantity: 10,
};
const EVENT = { eventId: 'oa-evt-1', status: 'in_transit', occurredAt: '2026-12-02T09:30:00.000Z', location: 'Rotterdam port' };

/** Runs the call and keeps the id it answers (data.id) as c.ids[name], for the {name} of later paths. */
const keep = (name: string, run: (c: Ctx) => Promise<Response>) => async (c: Ctx) => {
  const res = await run(c);
  c.ids[name] = (res.body as { data?: { id?: string } }).data?.id ?? 'none';
  return res;
};
const del = (path: string, who: TokenOptions) => async (c: Ctx) =>
  c.gw.http.delete(path.replace(/\{(\w+)\}/g, (_, k: string) => c.ids[k])).set('Authorization', await auth(c, who));
// Northwind is no carrier, so no shipment.updated is ever delivered to this address (private addresses are allowed in this test).
const WEBHOOK = { url: 'http://127.0.0.1:9/oa-hook', events: ['shipment.updated'], description: 'openapi sample' };
const AGREEMENT = {
  id: 'agr-oa-1',
  partnerId: 'supplier-northwind',
  title: 'Planning data',
  terms: 'Planning use only',
  purposes: ['replenishment-planning'],
  subjects: ['DemandSignal'],
  validUntil: '2027-12-31T00:00:00.000Z',
};

const SAMPLES: Sample[] = [
  ['GET /health/live', 200, get('/health/live')],
  ['GET /health/ready', 200, get('/health/ready')],
  ['GET /.well-known/jwks.json', 200, get('/.well-known/jwks.json')],

  ['GET /api/v1/demand-signals', 200, get('/api/v1/demand-signals?limit=2', NORTHWIND)],
  ['GET /api/v1/demand-signals', 200, get('/api/v1/demand-signals?sku=SKU-100&fields=id,sku', NORTHWIND)],
  ['GET /api/v1/demand-signals', 400, get('/api/v1/demand-signals?colour=red', NORTHWIND)],
  ['GET /api/v1/demand-signals', 400, get('/api/v1/demand-signals?cursor=nonsense', NORTHWIND)],
  ['GET /api/v1/demand-signals', 401, get('/api/v1/demand-signals')],
  ['GET /api/v1/demand-signals', 401, get('/api/v1/demand-signals', undefined, { Authorization: 'Bearer not-a-token' })],
  ['GET /api/v1/demand-signals', 403, get('/api/v1/demand-signals', AUDITOR)],
  ['GET /api/v1/demand-signals', 403, get('/api/v1/demand-signals?fields=marginPct', NORTHWIND)],
  ['GET /api/v1/demand-signals/{id}', 200, get('/api/v1/demand-signals/{demand}', NORTHWIND)],
  ['GET /api/v1/demand-signals/{id}', 404, get('/api/v1/demand-signals/no-such-row', NORTHWIND)],
  ['POST /api/v1/demand-signals', 201, send('post', '/api/v1/demand-signals', ADMIN, DEMAND, { 'Idempotency-Key': 'oa-demand-1' })],
  ['POST /api/v1/demand-signals', 201, send('post', '/api/v1/demand-signals', ADMIN, DEMAND, { 'Idempotency-Key': 'oa-demand-1' })],
  ['POST /api/v1/demand-signals', 422, send('post', '/api/v1/demand-signals', ADMIN, { ...DEMAND, forecastQty: 1 }, { 'Idempotency-Key': 'oa-demand-1' })],
  ['POST /api/v1/demand-signals', 409, send('post', '/api/v1/demand-signals', ADMIN, DEMAND)],
  ['POST /api/v1/demand-signals', 400, send('post', '/api/v1/demand-signals', ADMIN, { ...DEMAND, id: 'ds-oa-2', forecastQty: 'many' })],
  ['POST /api/v1/demand-signals', 403, send('post', '/api/v1/demand-signals', NORTHWIND, { ...DEMAND, id: undefined })],
  ['POST /api/v1/demand-signals', 413, send('post', '/api/v1/demand-signals', ADMIN, { ...DEMAND, id: 'ds-oa-4', productFamily: 'x'.repeat(1_100_000) })],
  [
    'POST /api/v1/demand-signals',
    415,
    send('post', '/api/v1/demand-signals', ADMIN, JSON.stringify({ ...DEMAND, id: 'ds-oa-5' }), { 'Content-Type': 'application/json; charset=iso-8859-1' }),
  ],

  ['GET /api/v1/capacity-signals', 200, get('/api/v1/capacity-signals', NORTHWIND_CAPACITY)],
  ['GET /api/v1/capacity-signals/{id}', 200, get('/api/v1/capacity-signals/{capacity}', NORTHWIND_CAPACITY)],
  ['GET /api/v1/capacity-signals/{id}', 404, get('/api/v1/capacity-signals/no-such-row', NORTHWIND_CAPACITY)],
  ['POST /api/v1/capacity-signals', 201, send('post', '/api/v1/capacity-signals', NORTHWIND_CAPACITY, CAPACITY)],
  ['POST /api/v1/capacity-signals', 400, send('post', '/api/v1/capacity-signals', NORTHWIND_CAPACITY, { ...CAPACITY, riskLevel: 'purple' })],
  [
    'PATCH /api/v1/capacity-signals/{id}',
    200,
    send('patch', '/api/v1/capacity-signals/supplier-northwind.cap-oa-1', NORTHWIND_CAPACITY, { availableQty: 4000 }),
  ],
  ['PATCH /api/v1/capacity-signals/{id}', 404, send('patch', '/api/v1/capacity-signals/no-such-row', NORTHWIND_CAPACITY, { availableQty: 4000 })],

  ['GET /api/v1/shipments', 200, get('/api/v1/shipments', SWIFTLOG)],
  ['GET /api/v1/shipments/{id}', 200, get('/api/v1/shipments/{shipment}', SWIFTLOG)],
  ['GET /api/v1/shipments/{id}', 404, get('/api/v1/shipments/no-such-row', SWIFTLOG)],
  ['POST /api/v1/shipments', 201, send('post', '/api/v1/shipments', ADMIN, SHIPMENT)],
  ['PATCH /api/v1/shipments/{id}', 200, send('patch', '/api/v1/shipments/shp-oa-1', SWIFTLOG, { lastLocation: 'Hamburg hub' })],
  ['GET /api/v1/shipments/{id}/events', 200, get('/api/v1/shipments/{shipment}/events', SWIFTLOG)],
  ['GET /api/v1/shipments/{id}/events', 404, get('/api/v1/shipments/no-such-row/events', SWIFTLOG)],
  ['POST /api/v1/shipments/{id}/events', 201, send('post', '/api/v1/shipments/shp-oa-1/events', SWIFTLOG, EVENT)],
  ['POST /api/v1/shipments/{id}/events', 409, send('post', '/api/v1/shipments/shp-oa-1/events', SWIFTLOG, EVENT)],
  [
    'POST /api/v1/shipment-events:batch',
    200,
    send('post', '/api/v1/shipment-events:batch', SWIFTLOG, {
      events: [
        { ...EVENT, eventId: 'oa-evt-2', shipmentId: 'shp-oa-1' },
        { ...EVENT, shipmentId: 'shp-oa-1' },
      ],
    }),
  ],
  [
    'POST /api/v1/shipment-events:batch',
    413,
    send('post', '/api/v1/shipment-events:batch', SWIFTLOG, { events: Array.from({ length: 1001 }, () => ({ ...EVENT, shipmentId: 'shp-oa-1' })) }),
  ],
  [
    'POST /api/v1/epcis/capture',
    200,
    send('post', '/api/v1/epcis/capture', SWIFTLOG, {
      '@context': ['https://ref.gs1.org/standards/epcis/epcis-context.jsonld'],
      type: 'EPCISDocument',
      schemaVersion: '2.0',
      creationDate: '2026-03-05T10:00:00.000+01:00',
      epcisBody: {
        eventList: [
          {
            type: 'ObjectEvent',
            eventID: 'urn:uuid:9a1f0e1c-0b57-4d7a-9d44-3f1c8a7e5a01',
            eventTime: '2026-03-05T08:30:00.000+01:00',
            eventTimeZoneOffset: '+01:00',
            epcList: [],
            action: 'OBSERVE',
            bizStep: 'departing',
            disposition: 'in_transit',
            bizTransactionList: [{ type: 'po', bizTransaction: 'PO-OA-1' }],
          },
        ],
      },
    }),
  ],
  ['POST /api/v1/epcis/capture', 400, send('post', '/api/v1/epcis/capture', SWIFTLOG, { type: 'NotEpcis' })],
  ['GET /api/v1/epcis/events', 200, get('/api/v1/epcis/events?shipmentId={shipment}', SWIFTLOG)],
  ['GET /api/v1/epcis/events', 200, get('/api/v1/epcis/events', SWIFTLOG)],
  ['GET /api/v1/epcis/events', 400, get('/api/v1/epcis/events?colour=red', SWIFTLOG)],
  ['GET /api/v1/epcis/events/{eventID}', 200, get(`/api/v1/epcis/events/${encodeURIComponent('urn:uuid:9a1f0e1c-0b57-4d7a-9d44-3f1c8a7e5a01')}`, SWIFTLOG)],
  ['GET /api/v1/epcis/events/{eventID}', 404, get(`/api/v1/epcis/events/${encodeURIComponent('urn:uuid:00000000-0000-4000-8000-000000000000')}`, SWIFTLOG)],

  // Northwind's policy gains aggregate-only rules for the aggregate samples.
  [
    'GET /api/v1/demand-signals/aggregate',
    200,
    async (c) => {
      const policy = ((await get('/api/v1/policies/supplier-northwind', GOVERNANCE)(c)).body as { data: { document: { rules: object[] } } }).data.document;
      const totals = (subject: string, groupBy: string[], field: string, purposes: string[]) => ({
        id: `oa-${subject}-totals`,
        action: 'aggregate',
        subject,
        groupBy,
        measures: { [field]: ['sum'] },
        minGroupSize: 2,
        purposes,
      });
      const rules = [
        ...policy.rules,
        totals('DemandSignal', ['region'], 'forecastQty', ['replenishment-planning']),
        totals('CapacitySignal', ['site'], 'availableQty', ['capacity-planning']),
        totals('Shipment', ['destination'], 'quantity', ['replenishment-planning']),
      ];
      const put = await send('put', '/api/v1/policies/supplier-northwind', GOVERNANCE, { ...policy, rules })(c);
      if (put.status !== 200) throw new Error(`policy not put: ${put.text}`);
      return get('/api/v1/demand-signals/aggregate?groupBy=region&measures=sum:forecastQty', NORTHWIND)(c);
    },
  ],
  ['GET /api/v1/demand-signals/aggregate', 400, get('/api/v1/demand-signals/aggregate?groupBy=region&measures=median:forecastQty', NORTHWIND)],
  ['GET /api/v1/demand-signals/aggregate', 403, get('/api/v1/demand-signals/aggregate?groupBy=region', ACME)],
  ['GET /api/v1/capacity-signals/aggregate', 200, get('/api/v1/capacity-signals/aggregate?groupBy=site&measures=sum:availableQty', NORTHWIND_CAPACITY)],
  ['GET /api/v1/shipments/aggregate', 200, get('/api/v1/shipments/aggregate?groupBy=destination&measures=sum:quantity', NORTHWIND)],
  ['GET /api/v1/shipments/aggregate', 403, get('/api/v1/shipments/aggregate?groupBy=carrierId', NORTHWIND)],

  ['POST /api/v1/me/webhooks', 201, keep('webhook', send('post', '/api/v1/me/webhooks', NORTHWIND, WEBHOOK))],
  ['POST /api/v1/me/webhooks', 400, send('post', '/api/v1/me/webhooks', NORTHWIND, { ...WEBHOOK, events: ['order.created'] })],
  ['POST /api/v1/me/webhooks', 403, send('post', '/api/v1/me/webhooks', ADMIN, WEBHOOK)],
  ['GET /api/v1/me/webhooks', 200, get('/api/v1/me/webhooks', NORTHWIND)],
  ['GET /api/v1/me/webhooks/{id}', 200, get('/api/v1/me/webhooks/{webhook}', NORTHWIND)],
  ['GET /api/v1/me/webhooks/{id}', 404, get('/api/v1/me/webhooks/{webhook}', ACME)],
  ['PATCH /api/v1/me/webhooks/{id}', 200, send('patch', '/api/v1/me/webhooks/{webhook}', NORTHWIND, { description: 'planning' })],
  ['PATCH /api/v1/me/webhooks/{id}', 404, send('patch', '/api/v1/me/webhooks/no-such-hook', NORTHWIND, { description: 'planning' })],
  ['POST /api/v1/me/webhooks/{id}/rotate-secret', 200, send('post', '/api/v1/me/webhooks/{webhook}/rotate-secret', NORTHWIND, {})],
  ['POST /api/v1/me/webhooks/{id}/rotate-secret', 404, send('post', '/api/v1/me/webhooks/no-such-hook/rotate-secret', NORTHWIND, {})],
  ['GET /api/v1/me/webhooks/{id}/deliveries', 200, get('/api/v1/me/webhooks/{webhook}/deliveries?limit=5', NORTHWIND)],
  ['GET /api/v1/me/webhooks/{id}/deliveries', 404, get('/api/v1/me/webhooks/no-such-hook/deliveries', NORTHWIND)],
  ['DELETE /api/v1/me/webhooks/{id}', 204, del('/api/v1/me/webhooks/{webhook}', NORTHWIND)],
  ['DELETE /api/v1/me/webhooks/{id}', 404, del('/api/v1/me/webhooks/{webhook}', NORTHWIND)],

  ['POST /api/v1/agreements', 201, send('post', '/api/v1/agreements', GOVERNANCE, AGREEMENT)],
  ['POST /api/v1/agreements', 201, send('post', '/api/v1/agreements', GOVERNANCE, { ...AGREEMENT, id: 'agr-oa-2' })],
  ['POST /api/v1/agreements', 409, send('post', '/api/v1/agreements', GOVERNANCE, AGREEMENT)],
  ['POST /api/v1/agreements', 404, send('post', '/api/v1/agreements', GOVERNANCE, { ...AGREEMENT, id: 'agr-oa-3', partnerId: 'no-such-partner' })],
  ['POST /api/v1/agreements', 400, send('post', '/api/v1/agreements', GOVERNANCE, { ...AGREEMENT, id: 'agr-oa-4', validUntil: 'soon' })],
  ['GET /api/v1/agreements', 200, get('/api/v1/agreements?partnerId=supplier-northwind', GOVERNANCE)],
  ['GET /api/v1/agreements', 400, get('/api/v1/agreements?colour=red', GOVERNANCE)],
  ['GET /api/v1/agreements/{id}', 200, get('/api/v1/agreements/agr-oa-1', GOVERNANCE)],
  ['GET /api/v1/agreements/{id}', 404, get('/api/v1/agreements/no-such-agreement', GOVERNANCE)],
  ['GET /api/v1/me/agreements', 200, get('/api/v1/me/agreements', NORTHWIND)],
  ['GET /api/v1/me/agreements/{id}', 200, get('/api/v1/me/agreements/agr-oa-1', NORTHWIND)],
  ['GET /api/v1/me/agreements/{id}', 404, get('/api/v1/me/agreements/agr-oa-1', ACME)],
  ['POST /api/v1/me/agreements/{id}/accept', 200, send('post', '/api/v1/me/agreements/agr-oa-1/accept', NORTHWIND, { note: 'agreed' })],
  ['POST /api/v1/me/agreements/{id}/accept', 409, send('post', '/api/v1/me/agreements/agr-oa-1/accept', NORTHWIND, {})],
  ['POST /api/v1/me/agreements/{id}/decline', 200, send('post', '/api/v1/me/agreements/agr-oa-2/decline', NORTHWIND, {})],
  ['POST /api/v1/me/agreements/{id}/decline', 404, send('post', '/api/v1/me/agreements/no-such-agreement/decline', NORTHWIND, {})],
  [
    'POST /api/v1/agreements/{id}/revisions',
    201,
    send('post', '/api/v1/agreements/agr-oa-1/revisions', GOVERNANCE, { terms: 'Planning use only, revised', note: 'clarified' }),
  ],
  ['POST /api/v1/agreements/{id}/revisions', 409, send('post', '/api/v1/agreements/agr-oa-2/revisions', GOVERNANCE, { terms: 'again' })],
  ['POST /api/v1/me/agreements/{id}/terminate', 200, send('post', '/api/v1/me/agreements/agr-oa-1/terminate', NORTHWIND, { note: 'done' })],
  ['POST /api/v1/me/agreements/{id}/terminate', 409, send('post', '/api/v1/me/agreements/agr-oa-1/terminate', NORTHWIND, {})],
  [
    'POST /api/v1/agreements/{id}/terminate',
    200,
    async (c) => {
      expect((await send('post', '/api/v1/agreements', GOVERNANCE, { ...AGREEMENT, id: 'agr-oa-5' })(c)).status).toBe(201);
      return send('post', '/api/v1/agreements/agr-oa-5/terminate', GOVERNANCE, {})(c);
    },
  ],
  ['POST /api/v1/agreements/{id}/terminate', 404, send('post', '/api/v1/agreements/no-such-agreement/terminate', GOVERNANCE, {})],

  ['GET /api/v1/me', 200, get('/api/v1/me', NORTHWIND)],
  ['GET /api/v1/me', 403, get('/api/v1/me', ADMIN)],
  ['GET /api/v1/me/openapi.json', 200, get('/api/v1/me/openapi.json', NORTHWIND)],
  ['GET /api/v1/me/schema.graphql', 200, get('/api/v1/me/schema.graphql', NORTHWIND)],
  ['GET /api/v1/me/access-log', 0, get('/api/v1/me/access-log', NORTHWIND)],
  ['GET /api/v1/me/access-log', 400, get('/api/v1/me/access-log?limit=zero', NORTHWIND)],
  ['GET /api/v1/me/data-access', 0, get('/api/v1/me/data-access', SWIFTLOG)],

  ['GET /api/v1/audit-events', 200, get('/api/v1/audit-events?limit=5', AUDITOR)],
  ['GET /api/v1/audit-events', 400, get('/api/v1/audit-events?colour=red', AUDITOR)],
  ['GET /api/v1/audit-events/export', 200, get('/api/v1/audit-events/export?format=csv', AUDITOR)],
  ['GET /api/v1/audit-events/export', 200, get('/api/v1/audit-events/export?format=ndjson', AUDITOR)],
  ['GET /api/v1/audit-events/export', 400, get('/api/v1/audit-events/export', AUDITOR)],
  ['GET /api/v1/audit-events/verify', 200, get('/api/v1/audit-events/verify', AUDITOR)],
  ['GET /api/v1/audit-events/activity', 200, get('/api/v1/audit-events/activity?bucket=hour', AUDITOR)],
  ['GET /api/v1/audit-events/activity', 400, get('/api/v1/audit-events/activity?bucket=week', AUDITOR)],
  ['GET /api/v1/audit-events/checkpoint', 200, get('/api/v1/audit-events/checkpoint', AUDITOR)],
  ['GET /api/v1/audit-events/checkpoint-keys', 200, get('/api/v1/audit-events/checkpoint-keys', AUDITOR)],
  ['GET /api/v1/audit-events/{id}', 200, get('/api/v1/audit-events/{auditEvent}', AUDITOR)],
  ['GET /api/v1/audit-events/{id}', 404, get('/api/v1/audit-events/no-such-event', AUDITOR)],
  ['GET /api/v1/audit-events/{id}/rules', 200, get('/api/v1/audit-events/{auditEvent}/rules', AUDITOR)],
  ['GET /api/v1/audit-events/{id}/rules', 404, get('/api/v1/audit-events/no-such-event/rules', AUDITOR)],
  ['GET /api/v1/audit-events/{id}/rules', 403, get('/api/v1/audit-events/{auditEvent}/rules', NORTHWIND)],

  ['GET /api/v1/policies', 200, get('/api/v1/policies', GOVERNANCE)],
  ['GET /api/v1/policies/{partnerId}', 200, get('/api/v1/policies/supplier-acme', GOVERNANCE)],
  ['GET /api/v1/policies/{partnerId}', 404, get('/api/v1/policies/no-such-partner', GOVERNANCE)],
  ['GET /api/v1/policies/{partnerId}/versions', 200, get('/api/v1/policies/supplier-acme/versions', GOVERNANCE)],
  ['GET /api/v1/policies/{partnerId}/versions/{version}', 200, get('/api/v1/policies/supplier-acme/versions/1', GOVERNANCE)],
  ['GET /api/v1/policies/{partnerId}/versions/{version}', 400, get('/api/v1/policies/supplier-acme/versions/first', GOVERNANCE)],
  [
    'PUT /api/v1/policies/{partnerId}',
    200,
    async (c) =>
      send(
        'put',
        '/api/v1/policies/supplier-acme',
        GOVERNANCE,
        { ...(c.ids.acmePolicy as unknown as object), note: 'same rules again' },
        { 'If-Match': '"1"' },
      )(c),
  ],
  ['PUT /api/v1/policies/{partnerId}', 412, async (c) => send('put', '/api/v1/policies/supplier-acme', GOVERNANCE, c.ids.acmePolicy, { 'If-Match': '"1"' })(c)],
  ['PUT /api/v1/policies/{partnerId}', 400, send('put', '/api/v1/policies/supplier-acme', GOVERNANCE, { rules: 'none' })],
  ['POST /api/v1/policies/{partnerId}/rollback', 200, send('post', '/api/v1/policies/supplier-acme/rollback', GOVERNANCE, { version: 1, note: 'back' })],
  ['POST /api/v1/policies/{partnerId}/versions/{version}/approve', 409, send('post', '/api/v1/policies/supplier-acme/versions/1/approve', GOVERNANCE, {})],
  [
    'POST /api/v1/policies/{partnerId}/versions/{version}/approve',
    0,
    send('post', '/api/v1/policies/supplier-acme/versions/1/approve', GOVERNANCE, {}, { 'If-Match': '"3"' }),
  ],
  ['POST /api/v1/policies/{partnerId}/versions/{version}/reject', 400, send('post', '/api/v1/policies/supplier-acme/versions/1/reject', GOVERNANCE, {})],
  [
    'POST /api/v1/policies/{partnerId}/versions/{version}/reject',
    0,
    send('post', '/api/v1/policies/supplier-acme/versions/1/reject', GOVERNANCE, { reason: 'no' }),
  ],
  ['POST /api/v1/policies/{partnerId}/versions/{version}/withdraw', 0, send('post', '/api/v1/policies/supplier-acme/versions/1/withdraw', GOVERNANCE, {})],
  [
    'POST /api/v1/policies/{partnerId}/simulate',
    200,
    send('post', '/api/v1/policies/supplier-northwind/simulate', GOVERNANCE, { action: 'read', subject: 'DemandSignal', purpose: 'replenishment-planning' }),
  ],
  ['POST /api/v1/policies/{partnerId}/diff', 200, send('post', '/api/v1/policies/supplier-acme/diff', GOVERNANCE, { from: 1 })],
  ['POST /api/v1/policies/{partnerId}/diff', 404, send('post', '/api/v1/policies/no-such-partner/diff', GOVERNANCE, {})],
  ['GET /api/v1/policies/{partnerId}/shadow', 404, get('/api/v1/policies/supplier-acme/shadow', GOVERNANCE)],
  ['PUT /api/v1/policies/{partnerId}/shadow', 400, send('put', '/api/v1/policies/supplier-acme/shadow', GOVERNANCE, { rules: 'none' })],
  ['PUT /api/v1/policies/{partnerId}/shadow', 200, async (c) => send('put', '/api/v1/policies/supplier-acme/shadow', GOVERNANCE, c.ids.acmePolicy)(c)],
  ['GET /api/v1/policies/{partnerId}/shadow', 200, get('/api/v1/policies/supplier-acme/shadow', GOVERNANCE)],
  ['POST /api/v1/policies/{partnerId}/shadow/promote', 201, send('post', '/api/v1/policies/supplier-acme/shadow/promote', GOVERNANCE, { note: 'from shadow' })],
  ['POST /api/v1/policies/{partnerId}/shadow/promote', 404, send('post', '/api/v1/policies/no-such-partner/shadow/promote', GOVERNANCE, {})],
  ['DELETE /api/v1/policies/{partnerId}/shadow', 204, del('/api/v1/policies/supplier-acme/shadow', GOVERNANCE)],
  ['DELETE /api/v1/policies/{partnerId}/shadow', 404, del('/api/v1/policies/supplier-acme/shadow', GOVERNANCE)],
  ['GET /api/v1/access-matrix', 200, get('/api/v1/access-matrix', GOVERNANCE)],
  ['GET /api/v1/access-matrix', 200, get('/api/v1/access-matrix?format=csv', GOVERNANCE)],
  ['GET /api/v1/partners/{id}/data-quality', 200, get('/api/v1/partners/carrier-swiftlog/data-quality', GOVERNANCE)],
  ['GET /api/v1/partners/{id}/data-quality', 404, get('/api/v1/partners/no-such-partner/data-quality', GOVERNANCE)],
  // Last: Acme's quota is cut to 2 requests a minute, so its third request is refused (429 with Retry-After).
  [
    'GET /api/v1/demand-signals',
    429,
    async (c) => {
      const policy = c.ids.acmePolicy as unknown as { limits?: object };
      const put = await send('put', '/api/v1/policies/supplier-acme', GOVERNANCE, { ...policy, limits: { ...policy.limits, requestsPerMinute: 2 } })(c);
      expect(put.status).toBe(200);
      let res = await get('/api/v1/demand-signals', ACME)(c);
      for (let i = 0; i < 3 && res.status !== 429; i++) res = await get('/api/v1/demand-signals', ACME)(c);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      return res;
    },
  ],
];

describe('OpenAPI document: every operation answers as documented', () => {
  let gw: TestGateway;
  let doc: Doc;
  let ajv: Ajv;
  beforeAll(async () => {
    gw = await TestGateway.start({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    doc = (await gw.http.get('/docs-json')).body as Doc;
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addFormat('int32', { type: 'number', validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= 2 ** 31 });
    ajv.addSchema({ components: doc.components }, 'openapi');
  });
  afterAll(async () => {
    await gw.stop();
  });

  const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.keys(item).map((m) => `${m.toUpperCase()} ${path}`));
  const validators = new Map<string, ValidateFunction>();
  const validatorFor = (schema: unknown, key: string) => {
    let v = validators.get(key);
    if (!v) validators.set(key, (v = ajv.compile(JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"openapi#/components/')) as object)));
    return v;
  };

  it('has a sample call for every documented operation, and documents every route the gateway serves', () => {
    const sampled = new Set(SAMPLES.map(([op]) => op));
    expect(operations().filter((op) => !sampled.has(op))).toEqual([]);
    expect([...sampled].filter((op) => !operations().includes(op))).toEqual([]);
    const router = (gw.app.getHttpAdapter().getInstance() as { router: { stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> } })
      .router;
    const served = router.stack
      .filter((l) => l.route)
      .flatMap((l) => Object.keys(l.route!.methods).map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/\\:/g, ':').replace(/\/:(\w+)/g, '/{$1}')}`));
    const hidden = new Set(['GET /metrics', 'GET /docs-json', 'GET /docs-yaml', 'POST /graphql', 'GET /graphql']);
    expect(
      served
        .filter((op) => op.includes('/api/') || op.startsWith('GET /health') || op.includes('.well-known'))
        .filter((op) => !hidden.has(op) && !operations().includes(op)),
    ).toEqual([]);
  });

  it('every sample answer has a documented status and matches its schema', async () => {
    const ctx: Ctx = { gw, token: (who) => gw.token(who), ids: {} };
    const first = async (path: string, who: TokenOptions) => ((await get(path, who)(ctx)).body as { data: Array<{ id: string }> }).data[0].id;
    ctx.ids.demand = await first('/api/v1/demand-signals', NORTHWIND);
    ctx.ids.capacity = await first('/api/v1/capacity-signals', NORTHWIND_CAPACITY);
    ctx.ids.shipment = await first('/api/v1/shipments', SWIFTLOG);
    ctx.ids.auditEvent = await first('/api/v1/audit-events', AUDITOR);
    (ctx.ids as Record<string, unknown>).acmePolicy = (
      (await get('/api/v1/policies/supplier-acme', GOVERNANCE)(ctx)).body as { data: { document: unknown } }
    ).data.document;

    const problems: string[] = [];
    const statuses = new Map<string, Set<number>>();
    for (const [op, expected, run] of SAMPLES) {
      const [method, path] = op.split(' ');
      const res = await run(ctx);
      statuses.set(op, (statuses.get(op) ?? new Set()).add(res.status));
      if (expected !== 0 && res.status !== expected) problems.push(`${op}: expected ${expected}, got ${res.status} ${res.text.slice(0, 200)}`);
      const responses = doc.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      const documented = responses[String(res.status)];
      if (!documented) {
        problems.push(`${op}: status ${res.status} is not documented (${Object.keys(responses).join(', ')})`);
        continue;
      }
      if (res.status === 304 || res.status === 204) continue;
      const type = String(res.headers['content-type'] ?? '')
        .split(';')[0]
        .trim();
      const media = documented.content?.[type];
      if (!media) {
        problems.push(`${op} ${res.status}: content type ${type} is not documented (${Object.keys(documented.content ?? {}).join(', ')})`);
        continue;
      }
      const validate = validatorFor(media.schema, `${op} ${res.status} ${type}`);
      const body: unknown = /json$/.test(type) && type !== 'application/x-ndjson' ? res.body : res.text;
      if (!validate(body)) problems.push(`${op} ${res.status}: ${ajv.errorsText(validate.errors)}`);
    }
    expect(problems).toEqual([]);
    // The refusals every operation shares were met where cheap; the table covers each operation.
    const seen = new Set([...statuses.values()].flatMap((s) => [...s]));
    expect([...seen].sort()).toEqual(expect.arrayContaining([200, 201, 400, 401, 403, 404, 409, 412, 413, 415, 422, 429]));
  });
});
