import { compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument } from '../policy/policy-document';
import { parseRange } from './me.service';
import { conditionsInWords, subjectsView } from './partner-view';

const doc: PolicyDocument = {
  partner: { id: 'supplier-x', name: 'X', kind: 'supplier', attributes: { skus: ['SKU-1', 'SKU-2'] } },
  rules: [
    {
      id: 'demand',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['id', 'sku', 'region', 'forecastQty'],
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
      reason: 'plan',
    },
    { id: 'prices-in-eu', action: 'read', subject: 'DemandSignal', fields: ['id', 'unitPrice', 'region'], conditions: { region: 'EU' } },
    {
      id: 'hide-qty',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['forecastQty'],
      conditions: { region: 'RESTRICTED' },
      inverted: true,
      reason: 'embargo',
    },
    { id: 'all-shipments', action: 'read', subject: 'Shipment', fields: ['id', 'status'] },
    { id: 'events', action: 'read', subject: 'ShipmentEvent', fields: ['id', 'status'] },
  ],
};

describe('subjectsView', () => {
  const view = subjectsView(compilePolicy(doc, 3, null), 'sqlite');

  it('says which fields are on every row of the scope and which only on some', () => {
    const read = view.DemandSignal!.read!;
    expect(read.scope).toBe('region is EU or sku is one of SKU-1, SKU-2');
    const rows = Object.fromEntries(read.fields.map((f) => [f.field, f.rows]));
    // id and region are granted by both rules that scope the rows; sku only by one of them.
    expect(rows).toEqual({ id: 'all', sku: 'some', region: 'all', forecastQty: 'some', unitPrice: 'some' });
    expect(read.fields.find((f) => f.field === 'forecastQty')).toEqual({
      field: 'forecastQty',
      rows: 'some',
      ruleIds: ['hide-qty', 'demand'],
      reasons: ['Withheld where region is RESTRICTED: embargo', 'plan'],
    });
  });

  it("judges by rule priority: a row-wide refusal between a wider grant and a narrower one takes the wider grant's fields from its rows", () => {
    const ordered = subjectsView(
      compilePolicy(
        {
          partner: { id: 'carrier-x', name: 'X', kind: 'logistics' },
          rules: [
            { id: 'wide', action: 'read', subject: 'Shipment', fields: ['id', 'status', 'eta', 'carrierId'] },
            { id: 'not-delayed', action: 'read', subject: 'Shipment', conditions: { status: 'delayed' }, inverted: true },
            { id: 'narrow', action: 'read', subject: 'Shipment', fields: ['id', 'status'] },
            { id: 'same-conditions', action: 'read', subject: 'CapacitySignal', fields: ['id', 'site'], conditions: { site: 'A' } },
            { id: 'more-fields', action: 'read', subject: 'CapacitySignal', fields: ['id', 'site', 'sku'], conditions: { site: 'A' } },
          ],
        },
        1,
        null,
      ),
      'sqlite',
    );
    // A later rule has the higher priority: on a delayed row `narrow` grants id and status, and the
    // refusal above `wide` takes eta and carrierId away.
    expect(Object.fromEntries(ordered.Shipment!.read!.fields.map((f) => [f.field, f.rows]))).toEqual({
      id: 'all',
      status: 'all',
      eta: 'some',
      carrierId: 'some',
    });
    // Two rules under the same conditions: every field either grants is on every row.
    expect(ordered.CapacitySignal!.read!.fields.every((f) => f.rows === 'all')).toBe(true);
  });

  it('leaves out what nothing grants, and says whose shipments events follow', () => {
    expect(Object.keys(view)).toEqual(['DemandSignal', 'Shipment', 'ShipmentEvent']);
    expect(Object.keys(view.Shipment!)).toEqual(['read']);
    expect(view.Shipment!.read!.scope).toBe('all rows');
    expect(view.ShipmentEvent!.read!.scope).toBe('events of shipments you may read (shipments where all rows)');
  });
});

describe('conditionsInWords', () => {
  it('spells out every operator', () => {
    expect(conditionsInWords({ a: 1, b: { $ne: null }, c: { $nin: ['x', 'y'] }, d: { $gte: 2, $lt: 5 }, e: null })).toBe(
      'a is 1 and b is not empty and c is none of x, y and d is at least 2 and d is less than 5 and e is empty',
    );
    expect(conditionsInWords({})).toBeNull();
    expect(conditionsInWords(undefined)).toBeNull();
  });
});

describe('parseRange', () => {
  const now = Date.parse('2026-12-02T12:00:00Z');
  it('defaults to the last 30 days and refuses more than 92 or a reversed range', () => {
    expect(parseRange(undefined, undefined, now)).toEqual({ from: '2026-11-02T12:00:00.000Z', to: '2026-12-02T12:00:00.000Z' });
    expect(parseRange('2026-11-01', '2026-11-02', now)).toEqual({ from: '2026-11-01T00:00:00.000Z', to: '2026-11-02T00:00:00.000Z' });
    expect(() => parseRange('2026-01-01', '2026-12-01', now)).toThrow(/92 days/);
    expect(() => parseRange('2026-11-02', '2026-11-01', now)).toThrow(/before/);
    expect(() => parseRange('soon', undefined, now)).toThrow(/ISO 8601/);
    expect(() => parseRange(['2026-11-01', '2026-11-02'], undefined, now)).toThrow(/ISO 8601/);
  });
});
