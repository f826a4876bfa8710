import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Data-sharing agreements (docs/governance-guide.md): one row per agreement, its history as JSON
 * text. `partners.agreements_revision` counts every agreement change of a partner, so each replica
 * sees a termination or an acceptance on the next request, as it sees a new policy version.
 * `audit_events.agreement_ids` names the agreements whose rules granted access; NULL on events
 * written before it existed, which keeps their hashes (docs/audit.md).
 */
export class Agreements1736100000000 implements MigrationInterface {
  name = 'Agreements1736100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'agreements',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'partner_id', type: 'varchar', length: '64' },
          { name: 'title', type: 'varchar', length: '200' },
          { name: 'terms', type: 'text' },
          { name: 'purposes', type: 'text' },
          { name: 'subjects', type: 'text' },
          { name: 'valid_from', type: 'varchar', length: '30' },
          { name: 'valid_until', type: 'varchar', length: '30' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'revision', type: 'integer' },
          { name: 'created_by', type: 'varchar', length: '200' },
          { name: 'created_at', type: 'varchar', length: '30' },
          { name: 'updated_at', type: 'varchar', length: '30' },
          { name: 'history', type: 'text' },
        ],
        indices: [new TableIndex({ columnNames: ['partner_id'] })],
      }),
    );
    // Plain ALTER TABLE on both stores: TypeORM's SQLite addColumn rebuilds the table, which would drop
    // the append-only triggers of audit_events.
    await q.query('ALTER TABLE partners ADD COLUMN agreements_revision integer NOT NULL DEFAULT 0');
    await q.query('ALTER TABLE audit_events ADD COLUMN agreement_ids text');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE audit_events DROP COLUMN agreement_ids');
    await q.query('ALTER TABLE partners DROP COLUMN agreements_revision');
    await q.dropTable('agreements');
  }
}
