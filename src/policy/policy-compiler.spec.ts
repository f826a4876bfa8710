import { subject } from '@casl/ability';
import { permittedFieldsOf } from '@casl/ability/extra';
import { compilePolicy } from './policy-compiler';
import { PolicyDocument } from './policy-document';

const doc: PolicyDocument = {
  partner: { id: 'supplier-x', name: 'X', kind: 'supplier', attributes: { skus: ['SKU-1', 'SKU-2'] } },
  rules: [
    {
      id: 'demand',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['id', 'sku', 'forecastQty', 'region'],
      conditions: { sku: { $in: '${partner.attributes.skus}' } },
      purposes: ['planning'],
    },
    {
      id: 'hide-qty',
      action: 'read',
      subject: 'DemandSignal',
      fields: ['forecastQty'],
      conditions: { region: 'RESTRICTED' },
      inverted: true,
      reason: 'embargo',
    },
    { id: 'own-capacity', action: ['read', 'create'], subject: 'CapacitySignal', conditions: { supplierId: '${partner.id}' } },
    { id: 'temporary', action: 'read', subject: 'Shipment', validFrom: '2026-01-01T00:00:00Z', validUntil: '2026-02-01T00:00:00Z' },
  ],
};
const fieldsFrom = (rule: { fields?: string[] }) => rule.fields ?? ['id', 'sku', 'forecastQty', 'region', 'unitPrice'];

describe('compilePolicy', () => {
  it('resolves placeholders and honours purposes', () => {
    const { ability } = compilePolicy(doc, 1, 'planning');
    expect(ability.can('read', subject('DemandSignal', { sku: 'SKU-1', region: 'EU' }))).toBe(true);
    expect(ability.can('read', subject('DemandSignal', { sku: 'SKU-9', region: 'EU' }))).toBe(false);
    const other = compilePolicy(doc, 1, 'marketing').ability;
    expect(other.can('read', subject('DemandSignal', { sku: 'SKU-1', region: 'EU' }))).toBe(false);
    expect(other.can('create', subject('CapacitySignal', { supplierId: 'supplier-x' }))).toBe(true);
    expect(other.can('create', subject('CapacitySignal', { supplierId: 'supplier-y' }))).toBe(false);
  });

  it('lets an inverted rule take a field away on matching rows only', () => {
    const { ability } = compilePolicy(doc, 1, 'planning');
    const open = permittedFieldsOf(ability, 'read', subject('DemandSignal', { sku: 'SKU-1', region: 'EU' }), { fieldsFrom });
    const restricted = permittedFieldsOf(ability, 'read', subject('DemandSignal', { sku: 'SKU-1', region: 'RESTRICTED' }), { fieldsFrom });
    expect(open.sort()).toEqual(['forecastQty', 'id', 'region', 'sku']);
    expect(restricted.sort()).toEqual(['id', 'region', 'sku']);
  });

  it('honours validity windows and knows when to recompile', () => {
    const before = compilePolicy(doc, 1, 'planning', Date.parse('2025-12-31T00:00:00Z'));
    expect(before.ability.can('read', 'Shipment')).toBe(false);
    expect(before.expiresAt).toBe(Date.parse('2026-01-01T00:00:00Z'));
    const during = compilePolicy(doc, 1, 'planning', Date.parse('2026-01-15T00:00:00Z'));
    expect(during.ability.can('read', 'Shipment')).toBe(true);
    expect(during.expiresAt).toBe(Date.parse('2026-02-01T00:00:00Z'));
    const after = compilePolicy(doc, 1, 'planning', Date.parse('2026-03-01T00:00:00Z'));
    expect(after.ability.can('read', 'Shipment')).toBe(false);
    expect(after.expiresAt).toBe(Infinity);
  });

  it('never treats null as less than a number', () => {
    const d: PolicyDocument = { ...doc, rules: [{ id: 'small', action: 'read', subject: 'DemandSignal', conditions: { orderedQty: { $lt: 5 } } }] };
    const { ability } = compilePolicy(d, 1, null);
    expect(ability.can('read', subject('DemandSignal', { orderedQty: 3 }))).toBe(true);
    expect(ability.can('read', subject('DemandSignal', { orderedQty: null }))).toBe(false);
  });
});
