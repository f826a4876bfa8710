import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * Shadow mode (docs/governance-guide.md): the candidate policy per partner, and the tallies each
 * replica adds as it evaluates live requests against it (summed when governance asks).
 */
export class PolicyShadows1736500000000 implements MigrationInterface {
  name = 'PolicyShadows1736500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'policy_shadows',
        columns: [
          { name: 'partner_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'shadow_id', type: 'varchar', length: '36' },
          { name: 'document', type: 'text' },
          { name: 'document_hash', type: 'varchar', length: '64' },
          { name: 'author', type: 'varchar', length: '200' },
          { name: 'started_at', type: 'varchar', length: '30' },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'shadow_tallies',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'shadow_id', type: 'varchar', length: '36' },
          { name: 'partner_id', type: 'varchar', length: '64' },
          { name: 'operation', type: 'varchar', length: '100' },
          { name: 'evaluated', type: 'integer', default: 0 },
          { name: 'differing', type: 'integer', default: 0 },
          { name: 'errors', type: 'integer', default: 0 },
          { name: 'rows_gained', type: 'integer', default: 0 },
          { name: 'rows_lost', type: 'integer', default: 0 },
          { name: 'fields_gained', type: 'text' },
          { name: 'fields_lost', type: 'text' },
          { name: 'rule_ids', type: 'text' },
          { name: 'flushed_at', type: 'varchar', length: '30' },
        ],
        indices: [new TableIndex({ columnNames: ['shadow_id'] }), new TableIndex({ columnNames: ['partner_id'] })],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('shadow_tallies');
    await q.dropTable('policy_shadows');
  }
}
