import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Data quality of logistics pushes: one row per push (a single event, a batch, an EPCIS capture)
 * with its counts, written in the same transaction as the push. Rates over any window are sums.
 */
export class PushDataQuality1733000000000 implements MigrationInterface {
  name = 'PushDataQuality1733000000000';

  async up(q: QueryRunner): Promise<void> {
    const int = (name: string) => ({ name, type: 'integer', isNullable: false, default: 0 });
    await q.createTable(
      new Table({
        name: 'push_tallies',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'partner_id', type: 'varchar', length: '200' },
          { name: 'source', type: 'varchar', length: '16' },
          { name: 'received_at', type: 'varchar', length: '30' },
          int('events'),
          int('accepted'),
          int('refused'),
          int('duplicates'),
          int('late'),
          int('out_of_order'),
          { name: 'refused_codes', type: 'text' },
        ],
        indices: [new TableIndex({ columnNames: ['partner_id', 'received_at'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('push_tallies');
  }
}
