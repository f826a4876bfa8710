import type { Response } from 'supertest';
import {
  ACME,
  ADMIN,
  bearer,
  dbIds,
  dbRows,
  demoPolicyFile,
  expectOneDenial,
  expectProblem,
  expectStatus,
  FIELDS,
  GLOBEX,
  GOVERNANCE,
  gql,
  listQuery,
  NORTHSTAR,
  NORTHWIND,
  NORTHWIND_CAPACITY,
  Resource,
  snapshot,
  sortedKeys,
  Subject,
  SWIFTLOG,
} from './support/contract';
import { TestGateway, TokenOptions } from './support/test-app';

jest.setTimeout(60_000);

/**
 * The REST API of docs/api-guide.md, for the demo partners and the demo data set: which rows
 * and fields each caller gets, fields/filters/limit/cursor, the envelope, 404 for rows out of
 * scope, writes and their refusals (nothing written, one deny audit event), problem+json.
 */

const without = (all: string[], ...drop: string[]) => all.filter((f) => !drop.includes(f));

const SUPPLIER_DEMAND = ['id', 'sku', 'productFamily', 'site', 'region', 'periodStart', 'forecastQty', 'orderedQty', 'updatedAt'];
const SHIPPER_SHIPMENT = without(FIELDS.Shipment, 'temperatureC', 'sscc', 'freightCost', 'routingPlan');
const CUSTOMER_SHIPMENT = ['id', 'reference', 'destination', 'sku', 'quantity', 'status', 'eta', 'lastEventAt'];

/** What one caller may read of one resource: the rows (as SQL over the demo data) and the fields. */
interface ReadCase {
  caller: string;
  who: TokenOptions;
  resource: Resource;
  subject: Subject;
  table: string;
  where: string;
  fields: string[];
  /** A field granted on some rows only: withheld where `where` holds. */
  rowDependent?: { field: string; where: string };
  /** A field read rounded to a multiple where `where` holds (a transform, policy-language.md). */
  rounded?: { field: string; where: string; multiple: number };
}

const READS: ReadCase[] = [
  {
    caller: 'northwind (replenishment)',
    who: NORTHWIND,
    resource: 'demand-signals',
    subject: 'DemandSignal',
    table: 'demand_signals',
    where: "sku IN ('SKU-100','SKU-200')",
    fields: SUPPLIER_DEMAND,
    rowDependent: { field: 'orderedQty', where: "region = 'EMEA-RESTRICTED'" },
  },
  {
    caller: 'northwind (replenishment)',
    who: NORTHWIND,
    resource: 'capacity-signals',
    subject: 'CapacitySignal',
    table: 'capacity_signals',
    where: "supplier_id = 'supplier-northwind'",
    fields: FIELDS.CapacitySignal,
  },
  {
    caller: 'northwind (replenishment)',
    who: NORTHWIND,
    resource: 'shipments',
    subject: 'Shipment',
    table: 'shipments',
    where: "shipper_id = 'supplier-northwind'",
    fields: SHIPPER_SHIPMENT,
  },
  {
    caller: 'northwind (capacity)',
    who: NORTHWIND_CAPACITY,
    resource: 'demand-signals',
    subject: 'DemandSignal',
    table: 'demand_signals',
    where: "sku IN ('SKU-100','SKU-200')",
    fields: without(SUPPLIER_DEMAND, 'orderedQty'),
    rounded: { field: 'forecastQty', where: "region = 'EMEA-RESTRICTED'", multiple: 100 },
  },
  {
    caller: 'northwind (capacity)',
    who: NORTHWIND_CAPACITY,
    resource: 'capacity-signals',
    subject: 'CapacitySignal',
    table: 'capacity_signals',
    where: "supplier_id = 'supplier-northwind'",
    fields: FIELDS.CapacitySignal,
  },
  {
    caller: 'acme (replenishment)',
    who: ACME,
    resource: 'demand-signals',
    subject: 'DemandSignal',
    table: 'demand_signals',
    where: "sku IN ('SKU-300','SKU-400')",
    fields: SUPPLIER_DEMAND,
  },
  {
    caller: 'acme (replenishment)',
    who: ACME,
    resource: 'capacity-signals',
    subject: 'CapacitySignal',
    table: 'capacity_signals',
    where: "supplier_id = 'supplier-acme'",
    fields: FIELDS.CapacitySignal,
  },
  {
    caller: 'acme (replenishment)',
    who: ACME,
    resource: 'shipments',
    subject: 'Shipment',
    table: 'shipments',
    where: "shipper_id = 'supplier-acme'",
    fields: SHIPPER_SHIPMENT,
  },
  {
    caller: 'acme (capacity)',
    who: { ...ACME, purpose: 'capacity-planning' },
    resource: 'capacity-signals',
    subject: 'CapacitySignal',
    table: 'capacity_signals',
    where: "supplier_id = 'supplier-acme'",
    fields: FIELDS.CapacitySignal,
  },
  {
    caller: 'swiftlog',
    who: SWIFTLOG,
    resource: 'shipments',
    subject: 'Shipment',
    table: 'shipments',
    where: "carrier_id = 'carrier-swiftlog'",
    fields: FIELDS.Shipment,
  },
  {
    caller: 'northstar',
    who: NORTHSTAR,
    resource: 'shipments',
    subject: 'Shipment',
    table: 'shipments',
    where: "carrier_id = 'carrier-northstar'",
    fields: FIELDS.Shipment,
  },
  {
    caller: 'globex',
    who: GLOBEX,
    resource: 'shipments',
    subject: 'Shipment',
    table: 'shipments',
    where: "destination IN ('DC-US-EAST','DC-US-WEST')",
    fields: CUSTOMER_SHIPMENT,
  },
  { caller: 'admin', who: ADMIN, resource: 'demand-signals', subject: 'DemandSignal', table: 'demand_signals', where: '1=1', fields: FIELDS.DemandSignal },
  {
    caller: 'admin',
    who: ADMIN,
    resource: 'capacity-signals',
    subject: 'CapacitySignal',
    table: 'capacity_signals',
    where: '1=1',
    fields: FIELDS.CapacitySignal,
  },
  { caller: 'admin', who: ADMIN, resource: 'shipments', subject: 'Shipment', table: 'shipments', where: '1=1', fields: FIELDS.Shipment },
];

/** Resources a partner's policy (for its purpose) grants no read of at all: 403. */
const NO_READ: Array<{ caller: string; who: TokenOptions; resource: Resource }> = [
  { caller: 'northwind (capacity)', who: NORTHWIND_CAPACITY, resource: 'shipments' },
  { caller: 'acme (capacity)', who: { ...ACME, purpose: 'capacity-planning' }, resource: 'demand-signals' },
  { caller: 'acme (capacity)', who: { ...ACME, purpose: 'capacity-planning' }, resource: 'shipments' },
  { caller: 'swiftlog', who: SWIFTLOG, resource: 'demand-signals' },
  { caller: 'swiftlog', who: SWIFTLOG, resource: 'capacity-signals' },
  { caller: 'northstar', who: NORTHSTAR, resource: 'demand-signals' },
  { caller: 'northstar', who: NORTHSTAR, resource: 'capacity-signals' },
  { caller: 'globex', who: GLOBEX, resource: 'demand-signals' },
  { caller: 'globex', who: GLOBEX, resource: 'capacity-signals' },
  { caller: 'northwind with a purpose its policy does not know', who: { ...NORTHWIND, purpose: 'marketing' }, resource: 'demand-signals' },
];

/** A 404 body with the asked-for id (which it may name) taken out, to compare two 404s. */
const anonymous404 = (res: Response, id: string) => JSON.parse(JSON.stringify(res.body).split(id).join('<id>'));

describe('REST contract (demo partners)', () => {
  let gw: TestGateway;
  const get = async (who: TokenOptions, url: string) => gw.http.get(url).set('Authorization', await bearer(gw, who));
  const send = async (who: TokenOptions, method: 'post' | 'patch', url: string, body: object, headers: Record<string, string> = {}) => {
    let req = gw.http[method](url).set('Authorization', await bearer(gw, who));
    for (const [k, v] of Object.entries(headers)) req = req.set(k, v);
    return req.send(body);
  };

  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  describe('lists and single rows, per partner', () => {
    it.each(READS.map((c) => [`${c.caller}: ${c.resource}`, c] as const))('%s: exactly the rows and fields the policy grants', async (_, c) => {
      const expected = await dbRows(gw, c.table, c.where);
      const hidden = new Set(c.rowDependent ? await dbIds(gw, c.table, `(${c.where}) AND ${c.rowDependent.where}`) : []);
      expect(expected.length).toBeGreaterThan(0);
      const rounded = new Set(c.rounded ? await dbIds(gw, c.table, `(${c.where}) AND ${c.rounded.where}`) : []);
      const res = await get(c.who, `/api/v1/${c.resource}?limit=1000`).then((r) => expectStatus(r, 200));

      expect(sortedKeys(res.body)).toEqual(['data', 'meta']);
      expect(sortedKeys(res.body.meta)).toEqual([
        'fields',
        'nextCursor',
        'policyVersion',
        'purpose',
        'redactedFields',
        ...(c.rounded ? ['transformedFields'] : []),
      ]);
      expect(res.body.meta).toEqual({
        nextCursor: null,
        fields: c.fields,
        redactedFields: hidden.size > 0 ? [c.rowDependent!.field] : [],
        policyVersion: c.who.partner ? 1 : null,
        purpose: c.who.purpose ?? null,
        ...(c.rounded ? { transformedFields: [c.rounded.field] } : {}),
      });
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(expected.map((r) => r.id));
      res.body.data.forEach((row: Record<string, unknown>, i: number) => {
        const fields = hidden.has(row.id as string) ? without(c.fields, c.rowDependent!.field) : c.fields;
        expect(sortedKeys(row)).toEqual([...fields].sort());
        for (const f of fields) {
          const stored = expected[i][f];
          const want =
            rounded.has(row.id as string) && f === c.rounded!.field ? Math.round(Number(stored) / c.rounded!.multiple) * c.rounded!.multiple : stored;
          expect([row.id, f, row[f]]).toEqual([row.id, f, want]);
        }
      });
      if (c.rounded) expect(rounded.size).toBeGreaterThan(0);
    });

    it.each(READS.map((c) => [`${c.caller}: ${c.resource}`, c] as const))('%s: GET /:id answers one row exactly as listed', async (_, c) => {
      const list = (await get(c.who, `/api/v1/${c.resource}?limit=1000`)).body.data as Array<Record<string, unknown>>;
      const hidden = c.rowDependent ? await dbIds(gw, c.table, `(${c.where}) AND ${c.rowDependent.where}`) : [];
      const picks = new Set([list[0], list[list.length - 1], ...list.filter((r) => hidden.includes(r.id as string)).slice(0, 1)]);
      const rounded = c.rounded ? await dbIds(gw, c.table, `(${c.where}) AND ${c.rounded.where}`) : [];
      if (rounded.length > 0) picks.add(list.find((r) => r.id === rounded[0])!);
      for (const row of picks) {
        const res = await get(c.who, `/api/v1/${c.resource}/${row.id}`).then((r) => expectStatus(r, 200));
        expect(res.body.data).toEqual(row);
        expect(res.body.meta).toEqual({
          nextCursor: null,
          fields: c.fields,
          redactedFields: hidden.includes(row.id as string) ? [c.rowDependent!.field] : [],
          policyVersion: c.who.partner ? 1 : null,
          purpose: c.who.purpose ?? null,
          ...(rounded.includes(row.id as string) ? { transformedFields: [c.rounded!.field] } : {}),
        });
      }
    });

    it.each(READS.filter((c) => c.where !== '1=1').map((c) => [`${c.caller}: ${c.resource}`, c] as const))(
      '%s: a row outside the scope is 404, exactly as a missing id',
      async (_, c) => {
        const outside = await dbIds(gw, c.table, `NOT (${c.where})`);
        expect(outside.length).toBeGreaterThan(0);
        const missing = `${outside[0]}-missing`;
        const foreign = await get(c.who, `/api/v1/${c.resource}/${outside[0]}`);
        const absent = await get(c.who, `/api/v1/${c.resource}/${missing}`);
        expectProblem(foreign, 404, 'NOT_FOUND');
        expectProblem(absent, 404, 'NOT_FOUND');
        expect(anonymous404(foreign, outside[0])).toEqual(anonymous404(absent, missing));
        expect(foreign.headers['content-type']).toEqual(absent.headers['content-type']);
      },
    );

    it.each(NO_READ.map((c) => [`${c.caller}: ${c.resource}`, c] as const))('%s: no rule grants a read at all, 403 and audited', async (_, c) => {
      const seq = await gw.headSeq();
      expectProblem(await get(c.who, `/api/v1/${c.resource}`), 403);
      await expectOneDenial(gw, seq, 403);
    });

    it('the customer sees only deliveries to its sites, with status and ETA but no carrier, route or cost', async () => {
      const res = await get(GLOBEX, '/api/v1/shipments').then((r) => expectStatus(r, 200));
      expect(res.body.data.length).toBeGreaterThan(0);
      for (const row of res.body.data) {
        expect(['DC-US-EAST', 'DC-US-WEST']).toContain(row.destination);
        expect(row).toHaveProperty('status');
        expect(row).toHaveProperty('eta');
        for (const secret of ['carrierId', 'shipperId', 'origin', 'lastLocation', 'freightCost', 'routingPlan', 'temperatureC', 'sscc'])
          expect(row).not.toHaveProperty(secret);
      }
      const refused = expectProblem(await get(GLOBEX, '/api/v1/shipments?fields=id,carrierId,freightCost'), 403, 'FORBIDDEN_FIELDS');
      expect(refused.fields).toEqual(['carrierId', 'freightCost']);
    });
  });

  describe('fields=', () => {
    it('returns only the asked-for fields, in every row, and names them in meta.fields', async () => {
      const res = await get(ACME, '/api/v1/demand-signals?fields=sku,id,forecastQty').then((r) => expectStatus(r, 200));
      expect(res.body.data.length).toBeGreaterThan(0);
      for (const row of res.body.data) expect(sortedKeys(row)).toEqual(['forecastQty', 'id', 'sku']);
      expect(res.body.meta.fields).toEqual(['id', 'sku', 'forecastQty']);
      const one = await get(SWIFTLOG, '/api/v1/shipments/shp-0001?fields=status,freightCost').then((r) => expectStatus(r, 200));
      expect(one.body.data).toEqual({ status: expect.any(String), freightCost: 6840 });
    });

    it('refuses a field no rule grants with 403 FORBIDDEN_FIELDS naming each, on lists and single rows', async () => {
      const seq = await gw.headSeq();
      const list = expectProblem(await get(NORTHWIND, '/api/v1/demand-signals?fields=id,unitPrice,customerName,marginPct'), 403, 'FORBIDDEN_FIELDS');
      expect(list.fields).toEqual(['unitPrice', 'customerName', 'marginPct']);
      for (const f of ['unitPrice', 'customerName', 'marginPct']) expect(list.detail).toContain(f);
      await expectOneDenial(gw, seq, 403);
      const single = expectProblem(await get(NORTHWIND, '/api/v1/shipments/shp-0001?fields=id,routingPlan'), 403, 'FORBIDDEN_FIELDS');
      expect(single.fields).toEqual(['routingPlan']);
      // capacity planning grants no order volumes on any row: that is a 403, not a redaction
      expect(expectProblem(await get(NORTHWIND_CAPACITY, '/api/v1/demand-signals?fields=id,orderedQty'), 403, 'FORBIDDEN_FIELDS').fields).toEqual([
        'orderedQty',
      ]);
    });

    it('refuses a field that does not exist with 400 VALIDATION_FAILED', async () => {
      const body = expectProblem(await get(NORTHWIND, '/api/v1/demand-signals?fields=id,colour'), 400, 'VALIDATION_FAILED');
      expect(body.detail).toContain('colour');
    });
  });

  describe('row-dependent field rights (Northwind: no order volumes in EMEA-RESTRICTED)', () => {
    it('leaves orderedQty out of restricted rows only, and names it in redactedFields', async () => {
      const res = await get(NORTHWIND, '/api/v1/demand-signals?fields=id,region,orderedQty').then((r) => expectStatus(r, 200));
      const restricted = res.body.data.filter((r: { region: string }) => r.region === 'EMEA-RESTRICTED');
      const open = res.body.data.filter((r: { region: string }) => r.region !== 'EMEA-RESTRICTED');
      expect(restricted.length).toBe(3);
      expect(open.length).toBeGreaterThan(0);
      for (const row of restricted) expect(sortedKeys(row)).toEqual(['id', 'region']);
      for (const row of open) expect(sortedKeys(row)).toEqual(['id', 'orderedQty', 'region']);
      expect(open.some((r: { orderedQty: unknown }) => typeof r.orderedQty === 'number')).toBe(true);
      expect(res.body.meta.redactedFields).toEqual(['orderedQty']);
      expect(res.body.meta.fields).toEqual(['id', 'region', 'orderedQty']);
    });

    it('names nothing in redactedFields when no row on the page withholds a field', async () => {
      const emea = await get(NORTHWIND, '/api/v1/demand-signals?region=EMEA').then((r) => expectStatus(r, 200));
      expect(emea.body.data.length).toBeGreaterThan(0);
      expect(emea.body.meta.redactedFields).toEqual([]);
      const noOrders = await get(NORTHWIND, '/api/v1/demand-signals?fields=id,forecastQty').then((r) => expectStatus(r, 200));
      expect(noOrders.body.meta.redactedFields).toEqual([]);
    });

    it('a restricted row fetched alone leaves the field out too', async () => {
      const [id] = await dbIds(gw, 'demand_signals', "region = 'EMEA-RESTRICTED'");
      const res = await get(NORTHWIND, `/api/v1/demand-signals/${id}`).then((r) => expectStatus(r, 200));
      expect(res.body.data).not.toHaveProperty('orderedQty');
      expect(res.body.data.forecastQty).toEqual(expect.any(Number));
      expect(res.body.meta.redactedFields).toEqual(['orderedQty']);
    });

    it('the audit event of a partial read says partial and names the withheld field', async () => {
      const seq = await gw.headSeq();
      await get(NORTHWIND, '/api/v1/demand-signals').then((r) => expectStatus(r, 200));
      const [event] = await gw.auditSince(seq);
      expect(event).toMatchObject({ decision: 'partial', status: 200 });
      expect(String(event.fields_denied)).toContain('orderedQty');
    });
  });

  describe('equality filters', () => {
    it('filter by text fields', async () => {
      const res = await get(NORTHWIND, '/api/v1/demand-signals?sku=SKU-200&region=AMER').then((r) => expectStatus(r, 200));
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(await dbIds(gw, 'demand_signals', "sku = 'SKU-200' AND region = 'AMER'"));
      expect(res.body.data.length).toBeGreaterThan(0);
      const none = await get(NORTHWIND, '/api/v1/demand-signals?sku=SKU-300').then((r) => expectStatus(r, 200));
      expect(none.body.data).toEqual([]); // another supplier's SKU: the filter cannot widen the scope
    });

    it('filter by typed numbers (integers and decimals)', async () => {
      const [row] = await dbRows(gw, 'demand_signals', "sku = 'SKU-100' AND region = 'AMER'");
      const res = await get(NORTHWIND, `/api/v1/demand-signals?forecastQty=${row.forecastQty}`).then((r) => expectStatus(r, 200));
      expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(
        await dbIds(gw, 'demand_signals', "sku IN ('SKU-100','SKU-200') AND forecast_qty = ?", [row.forecastQty]),
      );
      for (const r of res.body.data) expect(r.forecastQty).toBe(row.forecastQty);

      const cap = await get(NORTHWIND, '/api/v1/capacity-signals?unitCost=74.9').then((r) => expectStatus(r, 200));
      expect(cap.body.data.length).toBe(3);
      for (const r of cap.body.data) expect([r.sku, r.unitCost]).toEqual(['SKU-200', 74.9]);

      const shp = await get(SWIFTLOG, '/api/v1/shipments?quantity=480').then((r) => expectStatus(r, 200));
      expect(shp.body.data.map((r: { id: string }) => r.id)).toEqual(['shp-0001']);
      const temp = await get(SWIFTLOG, '/api/v1/shipments?temperatureC=4').then((r) => expectStatus(r, 200));
      expect(temp.body.data.map((r: { reference: string }) => r.reference).sort()).toEqual(['TO-2025-0201', 'TO-2025-0203']);
    });

    it('a number filter that is not a number is 400 VALIDATION_FAILED; an unknown field too', async () => {
      expect(expectProblem(await get(NORTHWIND, '/api/v1/demand-signals?forecastQty=lots'), 400, 'VALIDATION_FAILED').detail).toContain('forecastQty');
      expect(expectProblem(await get(NORTHWIND, '/api/v1/demand-signals?colour=red'), 400, 'VALIDATION_FAILED').detail).toContain('colour');
    });

    it('a filter on a field the caller may not read is 403 FORBIDDEN_FIELDS naming it, and audited', async () => {
      const cases: Array<[TokenOptions, string, string[]]> = [
        [NORTHWIND, '/api/v1/demand-signals?unitPrice=84.5', ['unitPrice']],
        [NORTHWIND, '/api/v1/demand-signals?customerName=Initech%20GmbH&marginPct=22.5', ['customerName', 'marginPct']],
        [GLOBEX, '/api/v1/shipments?carrierId=carrier-swiftlog', ['carrierId']],
        [NORTHWIND, '/api/v1/shipments?freightCost=6840', ['freightCost']],
        [NORTHWIND_CAPACITY, '/api/v1/demand-signals?orderedQty=285', ['orderedQty']],
      ];
      for (const [who, url, fields] of cases) {
        const seq = await gw.headSeq();
        expect(expectProblem(await get(who, url), 403, 'FORBIDDEN_FIELDS').fields).toEqual(fields);
        await expectOneDenial(gw, seq, 403);
      }
    });

    it('a filter on a row-dependent field matches only rows where the caller may see it', async () => {
      const [restricted] = await dbRows(gw, 'demand_signals', "region = 'EMEA-RESTRICTED' AND ordered_qty IS NOT NULL");
      const admin = await get(ADMIN, `/api/v1/demand-signals?orderedQty=${restricted.orderedQty}`).then((r) => expectStatus(r, 200));
      expect(admin.body.data.map((r: { id: string }) => r.id)).toContain(restricted.id);
      const nw = await get(NORTHWIND, `/api/v1/demand-signals?orderedQty=${restricted.orderedQty}`).then((r) => expectStatus(r, 200));
      expect(nw.body.data.map((r: { id: string }) => r.id)).not.toContain(restricted.id);
      const [open] = await dbRows(gw, 'demand_signals', "sku = 'SKU-100' AND region = 'EMEA' AND ordered_qty IS NOT NULL");
      const seen = await get(NORTHWIND, `/api/v1/demand-signals?orderedQty=${open.orderedQty}`).then((r) => expectStatus(r, 200));
      expect(seen.body.data.map((r: { id: string }) => r.id)).toContain(open.id);
    });
  });

  describe('purposes', () => {
    it.each([['supplier-northwind'], ['supplier-acme'], ['carrier-swiftlog'], ['carrier-northstar'], ['customer-globex']])(
      '%s without a purpose: 400 PURPOSE_REQUIRED naming the purposes its policy knows',
      async (partner) => {
        const known = [...new Set(demoPolicyFile(partner).rules.flatMap((r) => (r.purposes as string[] | undefined) ?? []))].sort();
        const seq = await gw.headSeq();
        const body = expectProblem(await get({ roles: ['partner'], partner }, '/api/v1/shipments'), 400, 'PURPOSE_REQUIRED');
        expect(body.purposes).toEqual(known);
        for (const p of known) expect(body.detail).toContain(p);
        await expectOneDenial(gw, seq, 400);
      },
    );

    it('takes the purpose from X-Purpose; header and claim that differ are 400', async () => {
      const who = { roles: ['partner'], partner: 'supplier-northwind' };
      const res = await gw.http
        .get('/api/v1/demand-signals')
        .set('Authorization', await bearer(gw, who))
        .set('X-Purpose', 'capacity-planning')
        .expect(200);
      expect(res.body.meta.purpose).toBe('capacity-planning');
      expect(res.body.meta.fields).not.toContain('orderedQty');
      const same = await gw.http
        .get('/api/v1/demand-signals')
        .set('Authorization', await bearer(gw, NORTHWIND))
        .set('X-Purpose', 'replenishment-planning')
        .expect(200);
      expect(same.body.meta.purpose).toBe('replenishment-planning');
      const conflict = await gw.http
        .get('/api/v1/demand-signals')
        .set('Authorization', await bearer(gw, NORTHWIND))
        .set('X-Purpose', 'capacity-planning');
      expectProblem(conflict, 400, 'PURPOSE_CONFLICT');
    });
  });

  describe('shipment events follow their shipment', () => {
    it("the customer reads milestones of its deliveries, without locations or notes, and nobody else's", async () => {
      const res = await get(GLOBEX, '/api/v1/shipments/shp-0001/events').then((r) => expectStatus(r, 200));
      expect(res.body.data.length).toBe(2);
      for (const e of res.body.data) expect(sortedKeys(e)).toEqual(['id', 'occurredAt', 'shipmentId', 'status']);
      const [other] = await dbIds(gw, 'shipments', "destination = 'DC-EU-CENTRAL'");
      expectProblem(await get(GLOBEX, `/api/v1/shipments/${other}/events`), 404, 'NOT_FOUND');
    });

    it('the shipper reads locations but not carrier notes; the carrier reads everything', async () => {
      const acme = await get(ACME, '/api/v1/shipments/shp-0005/events').then((r) => expectStatus(r, 200));
      expect(acme.body.data.length).toBe(3);
      for (const e of acme.body.data) expect(sortedKeys(e)).toEqual(['id', 'location', 'occurredAt', 'shipmentId', 'status']);
      const carrier = await get(NORTHSTAR, '/api/v1/shipments/shp-0005/events').then((r) => expectStatus(r, 200));
      for (const e of carrier.body.data) expect(sortedKeys(e)).toEqual([...FIELDS.ShipmentEvent].sort());
      expectProblem(await get(ACME, '/api/v1/shipments/shp-0001/events'), 404, 'NOT_FOUND');
    });
  });

  describe('writes', () => {
    const demand = {
      sku: 'SKU-100',
      productFamily: 'Drive Units',
      site: 'DC-EU-NORTH',
      region: 'NORDICS',
      periodStart: '2026-01-01',
      forecastQty: 640,
      orderedQty: 600,
      unitPrice: 88.1,
      customerName: 'Hooli AB',
      marginPct: 19.5,
    };
    const shipment = {
      reference: 'ASN-2026-9001',
      carrierId: 'carrier-swiftlog',
      shipperId: 'supplier-northwind',
      origin: 'PLANT-DE-1',
      destination: 'DC-US-WEST',
      sku: 'SKU-100',
      quantity: 72,
      freightCost: 990,
      routingPlan: 'A7 > Hamburg > sea',
    };

    it('admin (no partner, no purpose) loads a demand signal; the supplier then sees it without customer economics', async () => {
      const seq = await gw.headSeq();
      const res = await send(ADMIN, 'post', '/api/v1/demand-signals', { id: 'ds-9001', ...demand }).then((r) => expectStatus(r, 201));
      expect(sortedKeys(res.body)).toEqual(['data', 'meta']);
      expect(res.body.data).toEqual({ id: 'ds-9001', ...demand, updatedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/) });
      const [row] = await dbRows(gw, 'demand_signals', 'id = ?', ['ds-9001']);
      expect(row).toMatchObject(demand);
      const [event] = await gw.auditSince(seq);
      expect(event).toMatchObject({ decision: 'allow', status: 201 });

      const seen = await get(NORTHWIND, '/api/v1/demand-signals/ds-9001').then((r) => expectStatus(r, 200));
      expect(seen.body.data).toMatchObject({ id: 'ds-9001', forecastQty: 640, orderedQty: 600 });
      expect(seen.body.data).not.toHaveProperty('unitPrice');
      expectProblem(await get(ACME, '/api/v1/demand-signals/ds-9001'), 404, 'NOT_FOUND');
    });

    it('a replayed Idempotency-Key returns the first answer and writes nothing', async () => {
      const body = { ...demand, site: 'DC-EU-SOUTH', region: 'IBERIA' };
      const first = await send(ADMIN, 'post', '/api/v1/demand-signals', body, { 'Idempotency-Key': 'rest-contract-1' }).then((r) => expectStatus(r, 201));
      const before = await snapshot(gw);
      const again = await send(ADMIN, 'post', '/api/v1/demand-signals', body, { 'Idempotency-Key': 'rest-contract-1' }).then((r) => expectStatus(r, 201));
      expect(again.body).toEqual(first.body);
      expect(await snapshot(gw)).toEqual(before);
      expect(await dbIds(gw, 'demand_signals', "region = 'IBERIA'")).toEqual([first.body.data.id]);
    });

    it('admin creates a shipment; its carrier and its customer see it, another carrier does not', async () => {
      const res = await send(ADMIN, 'post', '/api/v1/shipments', { id: 'shp-9001', ...shipment }).then((r) => expectStatus(r, 201));
      expect(res.body.data).toMatchObject({ id: 'shp-9001', ...shipment, status: 'planned', eta: null, lastEventAt: null });
      expect(await dbIds(gw, 'shipments', 'id = ?', ['shp-9001'])).toEqual(['shp-9001']);
      expect((await get(SWIFTLOG, '/api/v1/shipments/shp-9001').then((r) => expectStatus(r, 200))).body.data).toMatchObject({
        freightCost: 990,
        carrierId: 'carrier-swiftlog',
      });
      expect(sortedKeys((await get(GLOBEX, '/api/v1/shipments/shp-9001').then((r) => expectStatus(r, 200))).body.data)).toEqual([...CUSTOMER_SHIPMENT].sort());
      expectProblem(await get(NORTHSTAR, '/api/v1/shipments/shp-9001'), 404, 'NOT_FOUND');
    });

    it('a carrier event updates status, lastLocation and lastEventAt; an older event is kept but does not overwrite', async () => {
      const id = 'shp-0007'; // swiftlog, picked_up
      const newer = await send(SWIFTLOG, 'post', `/api/v1/shipments/${id}/events`, {
        status: 'in_transit',
        occurredAt: '2026-02-10T12:00:00Z',
        location: 'Indianapolis hub',
        note: 'On the road',
      }).then((r) => expectStatus(r, 201));
      expect(newer.body.data).toMatchObject({
        shipmentId: id,
        status: 'in_transit',
        occurredAt: '2026-02-10T12:00:00.000Z',
        location: 'Indianapolis hub',
        recordedBy: 'carrier-swiftlog',
      });
      const after = (await get(SWIFTLOG, `/api/v1/shipments/${id}`)).body.data;
      expect(after).toMatchObject({ status: 'in_transit', lastLocation: 'Indianapolis hub', lastEventAt: '2026-02-10T12:00:00.000Z' });

      const older = await send(SWIFTLOG, 'post', `/api/v1/shipments/${id}/events`, {
        status: 'delayed',
        occurredAt: '2026-02-09T08:00:00Z',
        location: 'Columbus yard',
      }).then((r) => expectStatus(r, 201));
      const still = (await get(SWIFTLOG, `/api/v1/shipments/${id}`)).body.data;
      expect(still).toMatchObject({ status: 'in_transit', lastLocation: 'Indianapolis hub', lastEventAt: '2026-02-10T12:00:00.000Z' });
      const events = (await get(SWIFTLOG, `/api/v1/shipments/${id}/events`)).body.data.map((e: { id: string }) => e.id);
      expect(events).toEqual(expect.arrayContaining([newer.body.data.id, older.body.data.id]));
      const shipperView = (await get(ACME, `/api/v1/shipments/${id}`).then((r) => expectStatus(r, 200))).body.data;
      expect(shipperView).toMatchObject({ status: 'in_transit', lastLocation: 'Indianapolis hub' });
    });

    it('a supplier publishes and maintains its own capacity, including its unit cost', async () => {
      const created = await send(NORTHWIND_CAPACITY, 'post', '/api/v1/capacity-signals', {
        site: 'PLANT-DE-1',
        sku: 'SKU-200',
        periodStart: '2026-06-01',
        availableQty: 1000,
        riskLevel: 'low',
        unitCost: 70,
      }).then((r) => expectStatus(r, 201));
      expect(created.body.data).toMatchObject({ supplierId: 'supplier-northwind', availableQty: 1000, unitCost: 70 });
      const id = created.body.data.id as string;
      const patched = await send(NORTHWIND_CAPACITY, 'patch', `/api/v1/capacity-signals/${id}`, {
        availableQty: 750,
        riskLevel: 'high',
        riskNotes: 'Furnace relining',
        unitCost: 72.5,
      }).then((r) => expectStatus(r, 200));
      expect(patched.body.data).toMatchObject({ id, availableQty: 750, riskLevel: 'high', riskNotes: 'Furnace relining', unitCost: 72.5 });
      const [row] = await dbRows(gw, 'capacity_signals', 'id = ?', [id]);
      expect(row).toMatchObject({ supplierId: 'supplier-northwind', availableQty: 750, riskLevel: 'high', unitCost: 72.5 });
    });

    describe('refused writes change nothing and write exactly one deny audit event', () => {
      const refusals: Array<{
        name: string;
        who: TokenOptions;
        method: 'post' | 'patch';
        url: string;
        body: object;
        status: number;
        code?: string;
        names?: string[];
      }> = [
        { name: 'a supplier loading demand', who: NORTHWIND, method: 'post', url: '/api/v1/demand-signals', body: demand, status: 403 },
        { name: 'a carrier creating a shipment', who: SWIFTLOG, method: 'post', url: '/api/v1/shipments', body: shipment, status: 403 },
        {
          name: 'a carrier setting its freight cost',
          who: SWIFTLOG,
          method: 'patch',
          url: '/api/v1/shipments/shp-0002',
          body: { status: 'delayed', freightCost: 1 },
          status: 403,
          code: 'FORBIDDEN_FIELDS',
          names: ['freightCost'],
        },
        {
          name: 'a carrier handing its shipment to another carrier',
          who: SWIFTLOG,
          method: 'patch',
          url: '/api/v1/shipments/shp-0002',
          body: { carrierId: 'carrier-northstar', routingPlan: 'x' },
          status: 403,
          code: 'FORBIDDEN_FIELDS',
          names: ['carrierId', 'routingPlan'],
        },
        {
          name: "a carrier updating another carrier's shipment",
          who: NORTHSTAR,
          method: 'patch',
          url: '/api/v1/shipments/shp-0002',
          body: { status: 'delivered' },
          status: 404,
          code: 'NOT_FOUND',
        },
        {
          name: "a carrier recording an event on another carrier's shipment",
          who: NORTHSTAR,
          method: 'post',
          url: '/api/v1/shipments/shp-0002/events',
          body: { status: 'delivered', occurredAt: '2026-03-01T00:00:00Z' },
          status: 404,
          code: 'NOT_FOUND',
        },
        {
          name: 'the customer recording an event on its own delivery',
          who: GLOBEX,
          method: 'post',
          url: '/api/v1/shipments/shp-0001/events',
          body: { status: 'delivered', occurredAt: '2026-03-01T00:00:00Z' },
          status: 403,
        },
        {
          name: 'the customer updating its own delivery',
          who: GLOBEX,
          method: 'patch',
          url: '/api/v1/shipments/shp-0001',
          body: { status: 'delivered' },
          status: 403,
        },
        {
          name: "a supplier publishing another supplier's capacity",
          who: NORTHWIND_CAPACITY,
          method: 'post',
          url: '/api/v1/capacity-signals',
          body: { supplierId: 'supplier-acme', site: 'PLANT-US-1', sku: 'SKU-300', periodStart: '2026-06-01', availableQty: 1, riskLevel: 'low' },
          status: 403,
          code: 'OUT_OF_SCOPE',
        },
        {
          name: 'a supplier moving its capacity to another supplier',
          who: NORTHWIND_CAPACITY,
          method: 'patch',
          url: '/api/v1/capacity-signals/cap-0001',
          body: { supplierId: 'supplier-acme' },
          status: 403,
          code: 'OUT_OF_SCOPE',
        },
        {
          name: "a supplier updating another supplier's capacity",
          who: NORTHWIND_CAPACITY,
          method: 'patch',
          url: '/api/v1/capacity-signals/cap-0007',
          body: { availableQty: 1 },
          status: 404,
          code: 'NOT_FOUND',
        },
        {
          name: 'an unknown body field',
          who: ADMIN,
          method: 'post',
          url: '/api/v1/shipments',
          body: { ...shipment, colour: 'red' },
          status: 400,
          code: 'VALIDATION_FAILED',
          names: ['colour'],
        },
        {
          name: 'bad values',
          who: SWIFTLOG,
          method: 'post',
          url: '/api/v1/shipments/shp-0002/events',
          body: { status: 'teleported', occurredAt: 'yesterday' },
          status: 400,
          code: 'VALIDATION_FAILED',
          names: ['status', 'occurredAt'],
        },
        {
          name: 'a bad risk level',
          who: NORTHWIND_CAPACITY,
          method: 'patch',
          url: '/api/v1/capacity-signals/cap-0001',
          body: { riskLevel: 'apocalyptic', availableQty: -5 },
          status: 400,
          code: 'VALIDATION_FAILED',
          names: ['riskLevel', 'availableQty'],
        },
        {
          name: 'a partner write without a purpose',
          who: { roles: ['partner'], partner: 'carrier-swiftlog' },
          method: 'patch',
          url: '/api/v1/shipments/shp-0002',
          body: { status: 'delayed' },
          status: 400,
          code: 'PURPOSE_REQUIRED',
        },
        {
          name: 'an id that already exists',
          who: ADMIN,
          method: 'post',
          url: '/api/v1/demand-signals',
          body: { id: 'ds-0001', ...demand },
          status: 409,
          code: 'CONFLICT',
        },
      ];

      it.each(refusals.map((r) => [r.name, r] as const))('%s', async (_, r) => {
        const before = await snapshot(gw);
        const seq = await gw.headSeq();
        const res = await send(r.who, r.method, r.url, r.body);
        const problem = expectProblem(res, r.status, r.code);
        for (const name of r.names ?? []) expect(problem.detail).toContain(name);
        if (r.code === 'FORBIDDEN_FIELDS') expect(problem.fields).toEqual(r.names);
        expect(await snapshot(gw)).toEqual(before);
        await expectOneDenial(gw, seq, r.status);
      });
    });
  });

  describe('errors are problem+json', () => {
    it('for unknown routes, unauthenticated calls and bad query parameters alike', async () => {
      expectProblem(await get(NORTHWIND, '/api/v1/no-such-thing'), 404);
      expectProblem(await gw.http.get('/api/v1/demand-signals'), 401, 'UNAUTHENTICATED');
      expectProblem(await get(NORTHWIND, '/api/v1/demand-signals/ds-0001?limit=3'), 400, 'VALIDATION_FAILED');
      expectProblem(
        await gw.http
          .post('/api/v1/demand-signals')
          .set('Authorization', await bearer(gw, ADMIN))
          .set('content-type', 'application/json')
          .send('{"sku":'),
        400,
        'VALIDATION_FAILED',
      );
    });
  });

  describe('policy documents', () => {
    it('a document naming an unknown subject, action, field, operator or placeholder is refused whole, listing every problem', async () => {
      const gov = await bearer(gw, GOVERNANCE);
      const inForce = await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', gov).expect(200);
      const document = {
        partner: { id: 'supplier-northwind', name: 'Northwind Components', kind: 'supplier', attributes: { skus: ['SKU-100'] } },
        rules: [
          { id: 'r1', action: 'read', subject: 'Invoice', fields: ['id'] },
          { id: 'r2', action: 'delete', subject: 'DemandSignal', fields: ['id'] },
          { id: 'r3', action: 'read', subject: 'DemandSignal', fields: ['id', 'colour'] },
          { id: 'r4', action: 'read', subject: 'DemandSignal', fields: ['id', 'sku'], conditions: { sku: { $regex: 'SKU' } } },
          { id: 'r5', action: 'read', subject: 'DemandSignal', fields: ['id', 'sku'], conditions: { sku: { $in: '${partner.attributes.plants}' } } },
        ],
      };
      const res = await gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', gov).send(document);
      const problem = expectProblem(res, 400, 'POLICY_INVALID');
      const listed = JSON.stringify(problem.problems);
      for (const bad of ['Invoice', 'delete', 'colour', '$regex', 'partner.attributes.plants']) expect(listed).toContain(bad);
      const after = await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', gov).expect(200);
      expect(after.body.data).toEqual(inForce.body.data);
      expect((await get(NORTHWIND, '/api/v1/demand-signals')).body.meta.policyVersion).toBe(1);
    });
  });
});

describe('REST paging (limit and cursor)', () => {
  let gw: TestGateway;
  let northwindIds: string[];
  const BULK = 600;
  const get = async (who: TokenOptions, url: string) => gw.http.get(url).set('Authorization', await bearer(gw, who));

  /** Follows nextCursor from the first page; returns the ids and the page sizes. */
  async function walk(who: TokenOptions, base: string): Promise<{ ids: string[]; pages: number[] }> {
    const ids: string[] = [];
    const pages: number[] = [];
    let cursor: string | null = null;
    do {
      const url: string = cursor ? `${base}&cursor=${encodeURIComponent(cursor)}` : base;
      const res = await get(who, url).then((r) => expectStatus(r, 200));
      ids.push(...res.body.data.map((r: { id: string }) => r.id));
      pages.push(res.body.data.length);
      cursor = res.body.meta.nextCursor;
      expect(pages.length).toBeLessThan(100);
    } while (cursor);
    return { ids, pages };
  }

  beforeAll(async () => {
    gw = await TestGateway.start();
    // Enough Northwind demand (SKU-200) to need several pages and to exceed its maxPageSize (500).
    for (let start = 0; start < BULK; start += 100) {
      const rows = Array.from({ length: 100 }, (_, i) => {
        const n = String(start + i + 1).padStart(4, '0');
        return [
          `ds-bulk-${n}`,
          'SKU-200',
          'Drive Units',
          'DC-EU-CENTRAL',
          'BULK',
          '2026-01-01',
          100 + ((start + i) % 7),
          90,
          130,
          'Bulk Buyer',
          20,
          '2025-12-01T00:00:00.000Z',
        ];
      });
      await gw.query(
        `INSERT INTO demand_signals (id, sku, product_family, site, region, period_start, forecast_qty, ordered_qty, unit_price, customer_name, margin_pct, updated_at) VALUES ${rows.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?)').join(',')}`,
        rows.flat(),
      );
    }
    northwindIds = await dbIds(gw, 'demand_signals', "sku IN ('SKU-100','SKU-200')");
    expect(northwindIds.length).toBeGreaterThan(500);
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('defaults to 100 rows with a next cursor', async () => {
    const res = await get(NORTHWIND, '/api/v1/demand-signals').then((r) => expectStatus(r, 200));
    expect(res.body.data).toHaveLength(100);
    expect(res.body.data.map((r: { id: string }) => r.id)).toEqual(northwindIds.slice(0, 100));
    expect(res.body.meta.nextCursor).toEqual(expect.any(String));
  });

  it("clamps limit to the policy's maxPageSize (500 for Northwind; 1000 for admin)", async () => {
    const nw = await get(NORTHWIND, '/api/v1/demand-signals?limit=100000').then((r) => expectStatus(r, 200));
    expect(nw.body.data).toHaveLength(500);
    expect(nw.body.meta.nextCursor).toEqual(expect.any(String));
    const admin = await get(ADMIN, '/api/v1/demand-signals?limit=100000').then((r) => expectStatus(r, 200));
    expect(admin.body.data).toHaveLength(Math.min(1000, (await dbIds(gw, 'demand_signals')).length));
  });

  it('limit must be a whole number of at least 1', async () => {
    for (const bad of ['0', '-1', 'ten', '2.5']) expectProblem(await get(NORTHWIND, `/api/v1/demand-signals?limit=${bad}`), 400, 'VALIDATION_FAILED');
  });

  it('walking nextCursor visits every row exactly once, in order, and ends with a null cursor', async () => {
    const { ids, pages } = await walk(NORTHWIND, '/api/v1/demand-signals?limit=97&fields=id');
    expect(ids).toEqual(northwindIds);
    expect(new Set(ids).size).toBe(ids.length);
    expect(pages.slice(0, -1).every((n) => n === 97)).toBe(true);
    expect(pages[pages.length - 1]).toBe(northwindIds.length % 97 || 97);
  });

  it('cursors keep the filters of the walk and the caller scope', async () => {
    const { ids, pages } = await walk(NORTHWIND, '/api/v1/demand-signals?sku=SKU-100&limit=4');
    expect(ids).toEqual(await dbIds(gw, 'demand_signals', "sku = 'SKU-100'"));
    expect(pages).toEqual([4, 4, 3]);
    const exact = await get(NORTHWIND, '/api/v1/demand-signals?region=EMEA-RESTRICTED&limit=3').then((r) => expectStatus(r, 200));
    expect(exact.body.data).toHaveLength(3);
    expect(exact.body.meta.nextCursor).toBeNull();
    const acme = await walk(ACME, '/api/v1/demand-signals?limit=5');
    expect(acme.ids).toEqual(await dbIds(gw, 'demand_signals', "sku IN ('SKU-300','SKU-400')"));
  });

  it('a hand-made cursor cannot widen the scope', async () => {
    const forged = Buffer.from(JSON.stringify({ s: 'DemandSignal', k: '' })).toString('base64url');
    const res = await get(NORTHWIND, `/api/v1/demand-signals?limit=500&cursor=${forged}`);
    if (res.status === 200) {
      expect(res.body.data.length).toBeGreaterThan(0);
      for (const row of res.body.data) expect(['SKU-100', 'SKU-200']).toContain(row.sku);
    } else {
      expectProblem(res, 400, 'INVALID_CURSOR');
    }
  });

  it('GraphQL clamps first to maxPageSize the same way', async () => {
    const r = await gql(gw, NORTHWIND, listQuery('demandSignals', ['id']), { first: 1000 });
    expect(r.errors).toEqual([]);
    expect(r.data!.demandSignals.nodes.map((n: { id: string }) => n.id)).toEqual(northwindIds.slice(0, 500));
    expect(r.data!.demandSignals.pageInfo.hasNextPage).toBe(true);
  });

  it('a garbage, forged or foreign cursor is 400 INVALID_CURSOR', async () => {
    const shipmentsCursor = (await get(SWIFTLOG, '/api/v1/shipments?limit=1').then((r) => expectStatus(r, 200))).body.meta.nextCursor as string;
    expect(shipmentsCursor).toEqual(expect.any(String));
    const b64 = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
    const bad = [
      'garbage',
      '!!!',
      b64('not json'),
      b64({}),
      b64({ s: 'DemandSignal' }),
      b64({ s: 'DemandSignal', k: 42 }),
      b64({ s: 'DemandSignal', k: 'x'.repeat(100) }),
      b64([1, 2]),
      b64(null),
      b64({ s: 'Shipment', k: 'ds-0001' }),
      shipmentsCursor,
    ];
    for (const cursor of bad) {
      const seq = await gw.headSeq();
      expectProblem(await get(NORTHWIND, `/api/v1/demand-signals?cursor=${encodeURIComponent(cursor)}`), 400, 'INVALID_CURSOR');
      await expectOneDenial(gw, seq, 400);
    }
  });
});
