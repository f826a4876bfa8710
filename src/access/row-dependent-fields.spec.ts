import { subject as asSubject } from '@casl/ability';
import { permittedFields } from './subject-plans';
import { SHIPMENT_STATUSES } from '../data/subjects';
import { compilePolicy } from '../policy/policy-compiler';
import { PolicyDocument, PolicyRule } from '../policy/policy-document';
import { fieldsOnSomeRows } from '../policy/row-dependent-fields';

const me = 'carrier-me';
const doc = (rules: Array<Omit<PolicyRule, 'id' | 'action' | 'subject'>>): PolicyDocument => ({
  partner: { id: me, name: 'Me', kind: 'logistics' },
  rules: rules.map((r, i) => ({ id: `r${i}`, action: 'read', subject: 'Shipment', ...r })),
});
const own = { carrierId: me };
const rows = [me, 'carrier-other'].flatMap((carrierId) => SHIPMENT_STATUSES.map((status) => ({ carrierId, status })));

/** The answer, checked against CASL row by row: a field not named is permitted on every row in scope. */
function onSomeRows(d: PolicyDocument, granted: string[]): string[] {
  const { ability } = compilePolicy(d, null, null);
  const some = fieldsOnSomeRows(ability, 'read', 'Shipment', granted);
  for (const row of rows.filter((r) => ability.can('read', asSubject('Shipment', { ...r })))) {
    const permitted = permittedFields(ability, 'read', 'Shipment', row);
    for (const f of granted.filter((g) => !some.includes(g))) expect({ row, f, permitted: permitted.includes(f) }).toEqual({ row, f, permitted: true });
  }
  return some;
}

describe('fieldsOnSomeRows', () => {
  it('one conditional rule: every field it grants is on every row in scope', () => {
    expect(onSomeRows(doc([{ fields: ['id', 'status'], conditions: own }]), ['id', 'status'])).toEqual([]);
  });

  it('a narrower grant adds its fields on its rows only', () => {
    const d = doc([
      { fields: ['id', 'carrierId', 'status'], conditions: own },
      { fields: ['carrierId', 'status', 'eta'], conditions: { ...own, status: 'in_transit' } },
    ]);
    expect(onSomeRows(d, ['id', 'carrierId', 'status', 'eta'])).toEqual(['eta']);
  });

  it('grants over rows that merely overlap are both row-dependent', () => {
    const d = doc([
      { fields: ['id', 'carrierId'], conditions: own },
      { fields: ['status', 'eta'], conditions: { status: 'delayed' } },
    ]);
    expect(onSomeRows(d, ['id', 'carrierId', 'status', 'eta'])).toEqual(['id', 'carrierId', 'status', 'eta']);
  });

  it('an inverted rule makes the fields it names row-dependent, unless a later grant overrides it everywhere', () => {
    const taken = doc([
      { fields: ['id', 'carrierId', 'status', 'eta'], conditions: own },
      { fields: ['eta'], conditions: { status: 'delayed' }, inverted: true },
    ]);
    expect(onSomeRows(taken, ['id', 'carrierId', 'status', 'eta'])).toEqual(['eta']);
    const restored = doc([
      { fields: ['eta'], conditions: { status: 'delayed' }, inverted: true },
      { fields: ['id', 'carrierId', 'status', 'eta'], conditions: own },
    ]);
    expect(onSomeRows(restored, ['id', 'carrierId', 'status', 'eta'])).toEqual([]);
  });

  it('an inverted rule without fields removes rows, not fields', () => {
    const d = doc([
      { fields: ['id', 'carrierId', 'status'], conditions: own },
      { conditions: { status: 'exception' }, inverted: true },
    ]);
    expect(onSomeRows(d, ['id', 'carrierId', 'status'])).toEqual([]);
  });

  it('an unconditional grant of a field covers every row', () => {
    const d = doc([{ fields: ['id', 'status'] }, { fields: ['id', 'carrierId', 'eta'], conditions: own }]);
    expect(onSomeRows(d, ['id', 'status', 'carrierId', 'eta'])).toEqual(['carrierId', 'eta']);
  });
});
