import { catalogEntity, columnFor } from './catalog-entity';
import { ENTITY_OF } from './entities';
import { SUBJECTS } from './subjects';

describe('entities built from the catalog', () => {
  it.each([
    ['string up to 255', { type: 'string', maxLength: 255 }, { type: 'varchar', length: 255 }],
    ['longer string', { type: 'string', maxLength: 256, nullable: true }, { type: 'text', nullable: true }],
    ['enum', { type: 'enum', values: ['a'] }, { type: 'varchar', length: 16 }],
    ['date', { type: 'date' }, { type: 'varchar', length: 10 }],
    ['timestamp', { type: 'timestamp' }, { type: 'varchar', length: 30 }],
    ['integer', { type: 'integer' }, { type: 'integer' }],
    ['number', { type: 'number', nullable: true }, { type: 'double precision', nullable: true }],
  ] as const)('%s', (_, spec, column) => {
    expect(columnFor('someField', spec)).toEqual({ name: 'some_field', nullable: false, primary: false, ...column });
  });

  it('the id is the primary key; a string without maxLength has no column', () => {
    expect(columnFor('id', { type: 'string', maxLength: 64 })).toMatchObject({ name: 'id', primary: true });
    expect(() => columnFor('code', { type: 'string' })).toThrow('catalog field code: a string needs maxLength');
    expect(() => columnFor('state', { type: 'enum', values: ['a', 'seventeen-letters'] })).toThrow(
      'catalog field state: enum values hold at most 16 characters',
    );
  });

  it('keyset indexes are named idx_<table>_<column>_id; the subject’s own indexes and stored-only columns come from the catalog', () => {
    expect(catalogEntity(SUBJECTS.Shipment).options.indices).toEqual([
      { name: 'idx_shipments_carrier_id_id', columns: ['carrierId', 'id'] },
      { name: 'idx_shipments_shipper_id_id', columns: ['shipperId', 'id'] },
      { name: 'idx_shipments_destination_id', columns: ['destination', 'id'] },
      { name: undefined, columns: ['sscc'], unique: false },
    ]);
    expect(Object.keys(catalogEntity(SUBJECTS.ShipmentEvent).options.columns)).toEqual([
      ...Object.keys(SUBJECTS.ShipmentEvent.fields),
      'recordedAt',
      'clientEventId',
      'temperatureC',
    ]);
    expect(SUBJECTS.ShipmentEvent.storedOnly).toEqual(['recordedAt', 'clientEventId', 'temperatureC']);
  });

  it('an index over a field the catalog does not hold is refused', () => {
    expect(() => catalogEntity({ ...SUBJECTS.Shipment, indexes: [{ fields: ['nope'] }] })).toThrow('Shipment: an index names nope');
  });

  it('ENTITY_OF holds the entity of every subject, on its table', () => {
    for (const [subject, entity] of Object.entries(ENTITY_OF))
      expect(entity).toMatchObject({ options: { name: subject, tableName: SUBJECTS[subject as keyof typeof SUBJECTS].table } });
  });
});
