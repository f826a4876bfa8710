import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** `(column, id)` indexes for the fields of src/data/keyset-indexes.ts; they replace the one-column ones. */
const INDEXES: ReadonlyArray<{ table: string; column: string; replaces: boolean }> = [
  { table: 'demand_signals', column: 'sku', replaces: true },
  { table: 'demand_signals', column: 'region', replaces: false },
  { table: 'demand_signals', column: 'site', replaces: false },
  { table: 'capacity_signals', column: 'supplier_id', replaces: true },
  { table: 'capacity_signals', column: 'sku', replaces: false },
  { table: 'shipments', column: 'carrier_id', replaces: true },
  { table: 'shipments', column: 'shipper_id', replaces: false },
  { table: 'shipments', column: 'destination', replaces: false },
];

export class KeysetIndexes1735000000000 implements MigrationInterface {
  name = 'KeysetIndexes1735000000000';

  async up(q: QueryRunner): Promise<void> {
    for (const { table, column, replaces } of INDEXES) {
      await q.createIndex(table, new TableIndex({ name: `idx_${table}_${column}_id`, columnNames: [column, 'id'] }));
      if (replaces) await dropOneColumnIndex(q, table, column);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const { table, column, replaces } of INDEXES) {
      if (replaces) await q.createIndex(table, new TableIndex({ columnNames: [column] }));
      await q.dropIndex(table, `idx_${table}_${column}_id`);
    }
  }
}

async function dropOneColumnIndex(q: QueryRunner, table: string, column: string): Promise<void> {
  const found = (await q.getTable(table))?.indices.find((i) => i.columnNames.length === 1 && i.columnNames[0] === column && !i.isUnique);
  if (found) await q.dropIndex(table, found);
}
