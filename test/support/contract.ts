import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { parse } from 'yaml';
import { TestGateway, TokenOptions } from './test-app';

/**
 * Shared vocabulary of the contract e2e tests: the demo callers, problem+json and audit
 * assertions, GraphQL calls and database snapshots for "a refused write changes nothing".
 */

export const NORTHWIND: TokenOptions = { roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' };
export const NORTHWIND_CAPACITY: TokenOptions = { ...NORTHWIND, purpose: 'capacity-planning' };
export const ACME: TokenOptions = { roles: ['partner'], partner: 'supplier-acme', purpose: 'replenishment-planning' };
export const SWIFTLOG: TokenOptions = { roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' };
export const NORTHSTAR: TokenOptions = { roles: ['partner'], partner: 'carrier-northstar', purpose: 'shipment-execution' };
export const GLOBEX: TokenOptions = { roles: ['partner'], partner: 'customer-globex', purpose: 'delivery-tracking' };
export const ADMIN: TokenOptions = { sub: 'loader@orchestrator', roles: ['admin'] };
export const GOVERNANCE: TokenOptions = { sub: 'officer@orchestrator', roles: ['governance'] };
export const AUDITOR: TokenOptions = { sub: 'auditor@orchestrator', roles: ['auditor'] };

export type Resource = 'demand-signals' | 'capacity-signals' | 'shipments';
export type Subject = 'DemandSignal' | 'CapacitySignal' | 'Shipment';

export const RESOURCES: Array<{ resource: Resource; subject: Subject; table: string; list: string; single: string }> = [
  { resource: 'demand-signals', subject: 'DemandSignal', table: 'demand_signals', list: 'demandSignals', single: 'demandSignal' },
  { resource: 'capacity-signals', subject: 'CapacitySignal', table: 'capacity_signals', list: 'capacitySignals', single: 'capacitySignal' },
  { resource: 'shipments', subject: 'Shipment', table: 'shipments', list: 'shipments', single: 'shipment' },
];

/** Every field of each subject. */
export const FIELDS: Record<Subject | 'ShipmentEvent', string[]> = {
  DemandSignal: [
    'id',
    'sku',
    'productFamily',
    'site',
    'region',
    'periodStart',
    'forecastQty',
    'orderedQty',
    'unitPrice',
    'customerName',
    'marginPct',
    'updatedAt',
  ],
  CapacitySignal: [
    'id',
    'supplierId',
    'site',
    'sku',
    'periodStart',
    'availableQty',
    'committedQty',
    'leadTimeDays',
    'riskLevel',
    'riskNotes',
    'unitCost',
    'updatedAt',
  ],
  Shipment: [
    'id',
    'reference',
    'carrierId',
    'shipperId',
    'origin',
    'destination',
    'sku',
    'quantity',
    'status',
    'eta',
    'lastLocation',
    'lastEventAt',
    'temperatureC',
    'sscc',
    'freightCost',
    'routingPlan',
    'updatedAt',
  ],
  ShipmentEvent: ['id', 'shipmentId', 'status', 'occurredAt', 'location', 'note', 'recordedBy'],
};

const NUMERIC = new Set([
  'forecastQty',
  'orderedQty',
  'unitPrice',
  'marginPct',
  'availableQty',
  'committedQty',
  'leadTimeDays',
  'unitCost',
  'quantity',
  'temperatureC',
  'freightCost',
]);

export const column = (field: string): string => field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const camel = (col: string): string => col.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** The demo policy documents as written in policies/*.yaml. */
export function demoPolicyFile(partnerId: string): { rules: Array<Record<string, unknown>>; limits?: { maxPageSize?: number } } {
  return parse(readFileSync(join(__dirname, '..', '..', 'policies', `${partnerId}.yaml`), 'utf8'));
}

export function demoPartnerIds(): string[] {
  return readdirSync(join(__dirname, '..', '..', 'policies'))
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.replace(/\.yaml$/, ''))
    .sort();
}

export async function bearer(gw: TestGateway, who: TokenOptions): Promise<string> {
  return `Bearer ${await gw.token(who)}`;
}

/** Rows of a data table as the API names them (camelCase, numbers as numbers), ordered by id. */
export async function dbRows(gw: TestGateway, table: string, where = '1=1', params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const rows = await gw.query(`SELECT * FROM ${table} WHERE ${where} ORDER BY id`, params);
  return rows.map((raw) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(raw)) {
      const f = camel(k);
      out[f] = v !== null && NUMERIC.has(f) ? Number(v) : v;
    }
    return out;
  });
}

export async function dbIds(gw: TestGateway, table: string, where = '1=1', params: unknown[] = []): Promise<string[]> {
  return (await dbRows(gw, table, where, params)).map((r) => String(r.id));
}

/** Everything a write could touch, to prove a refused write changed nothing. */
export async function snapshot(gw: TestGateway): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['demand_signals', 'capacity_signals', 'shipments', 'shipment_events']) out[table] = await gw.query(`SELECT * FROM ${table} ORDER BY id`);
  out.idempotency_keys = await gw.query('SELECT scope, idem_key FROM idempotency_keys ORDER BY scope, idem_key');
  return out;
}

/** Asserts the status, showing the body when it differs (supertest's own expect() needs the request object). */
export function expectStatus(res: Response, status = 200): Response {
  if (res.status !== status) throw new Error(`expected HTTP ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  return res;
}

/** A problem+json error with the contract's members. */
export function expectProblem(res: Response, status: number, code?: string): Record<string, unknown> {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code: code ?? res.body?.code });
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toEqual(
    expect.objectContaining({
      type: expect.any(String),
      title: expect.any(String),
      status,
      detail: expect.any(String),
      code: expect.any(String),
    }),
  );
  return res.body;
}

/** The audit events written since `seq` (exactly `n` of them). */
export async function auditedSince(gw: TestGateway, seq: number, n = 1): Promise<Array<Record<string, unknown>>> {
  const events = await gw.auditSince(seq);
  expect(events).toHaveLength(n);
  return events;
}

export async function expectOneDenial(gw: TestGateway, seq: number, status: number): Promise<Record<string, unknown>> {
  const [event] = await auditedSince(gw, seq, 1);
  expect({ decision: event.decision, status: Number(event.status) }).toEqual({ decision: 'deny', status });
  return event;
}

export interface GqlResult {
  status: number;
  data: Record<string, any> | null | undefined;
  errors: Array<{ message: string; path?: Array<string | number>; extensions?: Record<string, any> }>;
  body: any;
}

export async function gql(
  gw: TestGateway,
  who: TokenOptions | string | null,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GqlResult> {
  let req = gw.http.post('/graphql').set('content-type', 'application/json');
  if (who !== null) req = req.set('Authorization', typeof who === 'string' ? who : await bearer(gw, who));
  for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
  const res = await req.send({ query, variables });
  return { status: res.status, data: res.body?.data, errors: res.body?.errors ?? [], body: res.body };
}

/** A GraphQL connection query asking for the given fields of every node. */
export function listQuery(root: string, fields: string[], args = '$first: Int, $after: String', passed = 'first: $first, after: $after'): string {
  return `query (${args}) { ${root}(${passed}) { nodes { ${fields.join(' ')} } pageInfo { endCursor hasNextPage } } }`;
}

export function sortedKeys(o: object): string[] {
  return Object.keys(o).sort();
}
