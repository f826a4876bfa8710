import { AUDITOR, bearer, GLOBEX, GOVERNANCE, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * The agreement lifecycle of contract section 14, on the store the suite runs on: offer, accept,
 * decline, revise, terminate (by either side) and expiry at validUntil, each judged on the partner's
 * very next request; rules resting on an agreement; audit events naming the agreements that granted.
 */
describe('data-sharing agreements', () => {
  let gw: TestGateway;
  let gov: string;
  let northwind: string;
  let globex: string;
  let auditor: string;
  const inDays = (d: number) => new Date(Date.now() + d * 86_400_000).toISOString();

  beforeAll(async () => {
    gw = await TestGateway.start();
    [gov, northwind, globex, auditor] = await Promise.all([bearer(gw, GOVERNANCE), bearer(gw, NORTHWIND), bearer(gw, GLOBEX), bearer(gw, AUDITOR)]);
  });
  afterAll(async () => {
    await gw.stop();
  });

  const offer = (body: Record<string, unknown>) => gw.http.post('/api/v1/agreements').set('Authorization', gov).send(body);
  const unitPrices = () => gw.http.get('/api/v1/demand-signals').query({ fields: 'id,unitPrice' }).set('Authorization', northwind);
  const lastEvent = async () =>
    (
      await gw.http.get('/api/v1/audit-events').query({ partnerId: 'supplier-northwind', limit: '1000' }).set('Authorization', auditor).expect(200)
    ).body.data.sort((a: { seq: number }, b: { seq: number }) => b.seq - a.seq)[0];

  /** Puts Northwind's document in force with one more rule, granting unitPrice under the given agreement. */
  async function putUnitPriceRule(agreement: string, status: number, purposes = ['replenishment-planning']) {
    const current = (await gw.http.get('/api/v1/policies/supplier-northwind').set('Authorization', gov).expect(200)).body.data.document;
    current.rules = current.rules.filter((r: { id: string }) => r.id !== 'unit-price-under-agreement');
    current.rules.push({
      id: 'unit-price-under-agreement',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['id', 'sku', 'unitPrice'],
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
      purposes,
      agreement,
    });
    return gw.http.put('/api/v1/policies/supplier-northwind').set('Authorization', gov).send(current).expect(status);
  }

  it("the diff of a draft names the agreement each changed rule rests on, and shows a rule's agreement changing", async () => {
    const doc = (await gw.http.get('/api/v1/policies/customer-globex').set('Authorization', gov).expect(200)).body.data.document;
    const rule = doc.rules.find((r: { id: string }) => r.id === 'inbound-delivery-locations');
    rule.agreement = 'agr-globex-deliveries';
    doc.rules.push({
      id: 'event-locations',
      action: 'read',
      subject: 'ShipmentEvent',
      fields: ['location'],
      purposes: ['delivery-tracking'],
      agreement: 'agr-globex-deliveries',
    });
    const diff = (await gw.http.post('/api/v1/policies/customer-globex/diff').set('Authorization', gov).send({ document: doc }).expect(200)).body.data;
    expect(diff.rules).toEqual([
      {
        ruleId: 'inbound-delivery-locations',
        change: 'changed',
        subject: 'Shipment',
        agreementBefore: 'agr-globex-locations',
        agreementAfter: 'agr-globex-deliveries',
      },
      { ruleId: 'event-locations', change: 'added', subject: 'ShipmentEvent', agreementBefore: null, agreementAfter: 'agr-globex-deliveries' },
    ]);
    expect(diff.agreements).toEqual({
      'agr-globex-deliveries': { status: 'active', title: 'Delivery tracking', validUntil: expect.any(String) },
      'agr-globex-locations': { status: 'offered', title: 'Live location of inbound deliveries', validUntil: expect.any(String) },
    });
    const change = (subject: string) =>
      diff.changes.find((c: Record<string, string>) => c.purpose === 'delivery-tracking' && c.subject === subject && c.action === 'read');
    // Same fields, same conditions: only the agreement they rest on changed.
    expect(change('Shipment')).toMatchObject({
      gained: [],
      lost: [],
      conditionsChanged: [],
      agreementChanged: ['destination', 'lastLocation'],
      agreementsBefore: ['agr-globex-locations'],
      agreementsAfter: ['agr-globex-deliveries'],
    });
    expect(change('ShipmentEvent')).toMatchObject({ gained: ['location'], agreementsBefore: [], agreementsAfter: ['agr-globex-deliveries'] });

    const unknown = structuredClone(doc);
    unknown.rules.find((r: { id: string }) => r.id === 'event-locations').agreement = 'agr-nope';
    const named = (await gw.http.post('/api/v1/policies/customer-globex/diff').set('Authorization', gov).send({ document: unknown }).expect(200)).body.data;
    expect(named.agreements['agr-nope']).toEqual({ status: 'unknown', title: null, validUntil: null });
  });

  it('demo: Globex has an offer it has not accepted; its rule grants nothing until Globex accepts, and stops when it terminates', async () => {
    const list = await gw.http.get('/api/v1/agreements').query({ partnerId: 'customer-globex' }).set('Authorization', gov).expect(200);
    expect(list.body.data.map((a: { id: string; status: string }) => [a.id, a.status])).toEqual([
      ['agr-globex-deliveries', 'active'],
      ['agr-globex-locations', 'offered'],
    ]);
    const one = await gw.http.get('/api/v1/agreements/agr-globex-locations').set('Authorization', gov).expect(200);
    expect(one.body.data.dependents).toEqual([{ partnerId: 'customer-globex', ruleIds: ['inbound-delivery-locations'] }]);

    const read = () => gw.http.get('/api/v1/shipments').query({ fields: 'id,lastLocation' }).set('Authorization', globex);
    expect((await read().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');

    const mine = await gw.http.get('/api/v1/me/agreements').set('Authorization', globex).expect(200);
    expect(mine.body.data.map((a: { id: string }) => a.id)).toEqual(['agr-globex-deliveries', 'agr-globex-locations']);
    const accepted = await gw.http.post('/api/v1/me/agreements/agr-globex-locations/accept').set('Authorization', globex).send({ note: 'ok' }).expect(200);
    expect(accepted.body.data).toMatchObject({
      status: 'active',
      history: [{ action: 'offered' }, { action: 'accepted', role: 'partner', by: 'user@customer-globex', note: 'ok' }],
    });

    const granted = await read().expect(200);
    expect(granted.body.data.length).toBeGreaterThan(0);
    const event = (
      await gw.http.get('/api/v1/audit-events').query({ partnerId: 'customer-globex', limit: '1000' }).set('Authorization', auditor).expect(200)
    ).body.data.find((e: { operation: string; status: number; ruleIds: string[] }) => e.operation === 'GET /api/v1/shipments' && e.status === 200);
    expect(event.agreementIds).toEqual(['agr-globex-locations']);
    expect(event.ruleIds).toContain('inbound-delivery-locations');

    const matrix = (await gw.http.get('/api/v1/access-matrix').set('Authorization', gov).expect(200)).body.data;
    expect(
      matrix.find((r: Record<string, string>) => r.partnerId === 'customer-globex' && r.subject === 'Shipment' && r.action === 'read').agreementIds,
    ).toEqual(['agr-globex-locations']);
    expect(
      matrix.find((r: Record<string, string>) => r.partnerId === 'supplier-northwind' && r.subject === 'DemandSignal' && r.action === 'read').agreementIds,
    ).toEqual([]);

    const sim = await gw.http
      .post('/api/v1/policies/customer-globex/simulate')
      .set('Authorization', gov)
      .send({ action: 'read', subject: 'Shipment', purpose: 'delivery-tracking', withoutAgreements: ['agr-globex-locations'] })
      .expect(200);
    expect(sim.body.data.impact.Shipment.fieldsLost).toEqual(['lastLocation']);
    expect(sim.body.data.fields.find((f: { field: string }) => f.field === 'lastLocation').possible).toBe(false);

    await gw.http.post('/api/v1/me/agreements/agr-globex-locations/terminate').set('Authorization', globex).expect(200);
    expect((await read().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    expect((await gw.http.post('/api/v1/me/agreements/agr-globex-locations/accept').set('Authorization', globex).expect(409)).body.code).toBe('CONFLICT');
  });

  it('refuses an inverted period, a validUntil in the past, an unknown partner, and names the field', async () => {
    const base = { partnerId: 'supplier-northwind', title: 'T', terms: 'Terms', purposes: ['replenishment-planning'], subjects: ['DemandSignal'] };
    // A day that does not exist is refused, not rolled over into the next month.
    const noSuchDay = await offer({ ...base, validFrom: '2026-02-30T00:00:00Z', validUntil: inDays(5) }).expect(400);
    expect(noSuchDay.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: ['validFrom'] });
    expect((await offer({ ...base, validUntil: '2031-04-31' }).expect(400)).body.fields).toEqual(['validUntil']);
    const inverted = await offer({ ...base, validFrom: inDays(10), validUntil: inDays(5) }).expect(400);
    expect(inverted.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: ['validUntil'] });
    const past = await offer({ ...base, validFrom: inDays(-10), validUntil: inDays(-1) }).expect(400);
    expect(past.body).toMatchObject({ code: 'VALIDATION_FAILED', fields: ['validUntil'] });
    expect((await offer({ ...base, subjects: ['Nope'], validUntil: inDays(5) }).expect(400)).body.fields).toEqual(['subjects']);
    expect((await offer({ ...base, partnerId: 'no-such-partner', validUntil: inDays(5) }).expect(404)).body.code).toBe('NOT_FOUND');
    expect((await gw.query('SELECT id FROM agreements WHERE partner_id = ?', ['no-such-partner'])).length).toBe(0);
  });

  it('a rule naming an unknown agreement, or one not covering its purposes or subject, is refused with its path', async () => {
    await offer({
      id: 'agr-narrow',
      partnerId: 'supplier-northwind',
      title: 'Narrow',
      terms: 'x',
      purposes: ['capacity-planning'],
      subjects: ['CapacitySignal'],
      validUntil: inDays(30),
    }).expect(201);
    const unknown = await putUnitPriceRule('agr-nope', 400);
    expect(unknown.body.code).toBe('POLICY_INVALID');
    expect(unknown.body.problems.map((p: { path: string }) => p.path)).toEqual([expect.stringMatching(/^rules\[\d+\]\.agreement$/)]);
    const outside = await putUnitPriceRule('agr-narrow', 400);
    expect(outside.body.problems.map((p: { path: string }) => p.path.replace(/\[\d+\]/, '[i]')).sort()).toEqual(['rules[i].purposes[0]', 'rules[i].subject']);
    const globexs = await putUnitPriceRule('agr-globex-deliveries', 400);
    expect(globexs.body.problems[0].path).toMatch(/\.agreement$/);
  });

  it('offer, accept, revise (accept again), terminate by governance; each judged on the next request and audited', async () => {
    const created = await offer({
      id: 'agr-prices',
      partnerId: 'supplier-northwind',
      title: 'Prices',
      terms: 'Unit prices for planning.',
      purposes: ['replenishment-planning'],
      subjects: ['DemandSignal'],
      validUntil: inDays(30),
    }).expect(201);
    expect(created.body.data).toMatchObject({ id: 'agr-prices', status: 'offered', revision: 1, createdBy: 'officer@orchestrator' });
    await putUnitPriceRule('agr-prices', 200);
    expect((await unitPrices().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');

    await gw.http.post('/api/v1/me/agreements/agr-prices/accept').set('Authorization', northwind).expect(200);
    expect((await unitPrices().expect(200)).body.data[0]).toHaveProperty('unitPrice');
    expect((await lastEvent()).agreementIds).toEqual(['agr-prices']);

    const revised = await gw.http
      .post('/api/v1/agreements/agr-prices/revisions')
      .set('Authorization', gov)
      .send({ terms: 'Amended terms.', note: 'clarified' })
      .expect(201);
    expect(revised.body.data).toMatchObject({ status: 'offered', revision: 2, terms: 'Amended terms.' });
    // The events of the offer and the revision record the answers' 201, not 200.
    const changes = await gw.query<{ operation: string; status: number }>(
      "SELECT operation, status FROM audit_events WHERE operation IN ('POST /api/v1/agreements', 'POST /api/v1/agreements/:id/revisions') AND resource_ids LIKE '%agr-prices%' ORDER BY seq",
    );
    expect(changes.map((e) => [e.operation, Number(e.status)])).toEqual([
      ['POST /api/v1/agreements', 201],
      ['POST /api/v1/agreements/:id/revisions', 201],
    ]);
    expect(revised.body.data.history.at(-1)).toMatchObject({ action: 'revised', revision: 2, previous: { terms: 'Unit prices for planning.' } });
    expect((await unitPrices().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    await gw.http.post('/api/v1/me/agreements/agr-prices/accept').set('Authorization', northwind).expect(200);
    await unitPrices().expect(200);

    const ended = await gw.http.post('/api/v1/agreements/agr-prices/terminate').set('Authorization', gov).send({ note: 'contract ended' }).expect(200);
    expect(ended.body.data.status).toBe('terminated');
    expect((await unitPrices().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    expect(
      (await gw.http.get('/api/v1/agreements').query({ status: 'terminated' }).set('Authorization', gov).expect(200)).body.data.map(
        (a: { id: string }) => a.id,
      ),
    ).toContain('agr-prices');

    const events = (await gw.http.get('/api/v1/audit-events').query({ resourceId: 'agr-prices', limit: '1000' }).set('Authorization', auditor).expect(200)).body
      .data;
    const transitions = events
      .filter((e: { subject: string; action: string }) => e.subject === 'Agreement' && e.action !== 'read')
      .sort((a: { seq: number }, b: { seq: number }) => a.seq - b.seq)
      .map((e: { action: string; agreementIds: string[] }) => [e.action, e.agreementIds]);
    expect(transitions).toEqual([
      ['create', ['agr-prices']],
      ['accept', ['agr-prices']],
      ['update', ['agr-prices']],
      ['accept', ['agr-prices']],
      ['terminate', ['agr-prices']],
    ]);
    const verify = await gw.http.get('/api/v1/audit-events/verify').set('Authorization', auditor).expect(200);
    expect(verify.body.ok).toBe(true);
  });

  it("a partner declines an offer, and sees no other partner's agreements", async () => {
    await offer({
      id: 'agr-decline',
      partnerId: 'supplier-northwind',
      title: 'D',
      terms: 'x',
      purposes: ['replenishment-planning'],
      subjects: ['DemandSignal'],
      validUntil: inDays(3),
    }).expect(201);
    expect((await gw.http.post('/api/v1/me/agreements/agr-decline/decline').set('Authorization', northwind).expect(200)).body.data.status).toBe('declined');
    expect((await gw.http.post('/api/v1/me/agreements/agr-globex-deliveries/terminate').set('Authorization', northwind).expect(404)).body.code).toBe(
      'NOT_FOUND',
    );
    expect((await gw.http.get('/api/v1/me/agreements/agr-globex-deliveries').set('Authorization', northwind).expect(404)).body.code).toBe('NOT_FOUND');
    await gw.http.post('/api/v1/agreements').set('Authorization', northwind).send({}).expect(403);
    const soon = await gw.http.get('/api/v1/agreements').query({ expiringWithinDays: '10' }).set('Authorization', gov).expect(200);
    expect(soon.body.data.map((a: { id: string }) => a.id)).not.toContain('agr-decline');
  });

  it('expires at validUntil without a restart: the next request after it is judged without the agreement', async () => {
    const until = new Date(Date.now() + 4000).toISOString();
    await offer({
      id: 'agr-short',
      partnerId: 'supplier-northwind',
      title: 'Short',
      terms: 'x',
      purposes: ['replenishment-planning'],
      subjects: ['DemandSignal'],
      validUntil: until,
    }).expect(201);
    await putUnitPriceRule('agr-short', 200);
    await gw.http.post('/api/v1/me/agreements/agr-short/accept').set('Authorization', northwind).expect(200);
    const soon = await gw.http.get('/api/v1/agreements').query({ expiringWithinDays: '1' }).set('Authorization', gov).expect(200);
    expect(soon.body.data.map((a: { id: string }) => a.id)).toEqual(['agr-short']);
    await unitPrices().expect(200);
    // Wait until the agreement's period is over (no fixed sleep: until the clock passes validUntil).
    while (Date.now() <= Date.parse(until)) await new Promise((r) => setTimeout(r, Date.parse(until) - Date.now() + 20));
    expect((await unitPrices().expect(403)).body.code).toBe('FORBIDDEN_FIELDS');
    const one = await gw.http.get('/api/v1/agreements/agr-short').set('Authorization', gov).expect(200);
    expect(one.body.data).toMatchObject({ status: 'expired', dependents: [{ partnerId: 'supplier-northwind', ruleIds: ['unit-price-under-agreement'] }] });
  });
});
