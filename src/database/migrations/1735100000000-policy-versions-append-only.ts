import { MigrationInterface, QueryRunner, Table } from 'typeorm';

const APPEND_ONLY = ['policy_versions', 'policy_decisions'];

/**
 * Policy versions become append-only, as the audit log is: a version's document, author and time
 * are never changed or removed, by the gateway or by anyone with SQL access. What does change, the
 * fate of a proposal, is recorded as one more row in `policy_decisions` (approved, rejected or
 * withdrawn; at most one per version, never changed either). Each version also records the version
 * in force when it was made (`base_version`), so a proposal overtaken by another change cannot be
 * approved.
 */
export class PolicyVersionsAppendOnly1735100000000 implements MigrationInterface {
  name = 'PolicyVersionsAppendOnly1735100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE policy_versions ADD COLUMN base_version integer');
    // Open proposals that could still be approved keep that chance: based on the version now in force.
    await q.query(`UPDATE policy_versions SET base_version = (SELECT p.policy_version FROM partners p WHERE p.id = policy_versions.partner_id)
      WHERE state = 'proposed' AND version > (SELECT p.policy_version FROM partners p WHERE p.id = policy_versions.partner_id)`);
    await q.createTable(
      new Table({
        name: 'policy_decisions',
        columns: [
          { name: 'partner_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'version', type: 'integer', isPrimary: true },
          { name: 'decision', type: 'varchar', length: '16' },
          { name: 'decided_by', type: 'varchar', length: '200' },
          { name: 'decided_at', type: 'varchar', length: '30' },
          { name: 'reason', type: 'text', isNullable: true },
        ],
      }),
    );
    await q.query(`INSERT INTO policy_decisions (partner_id, version, decision, decided_by, decided_at, reason)
      SELECT partner_id, version, 'approved', approved_by, created_at, NULL FROM policy_versions WHERE approved_by IS NOT NULL`);
    await q.query('ALTER TABLE policy_versions DROP COLUMN approved_by');
    for (const table of APPEND_ONLY) await appendOnly(q, table);
  }

  async down(q: QueryRunner): Promise<void> {
    const postgres = q.connection.options.type === 'postgres';
    for (const table of APPEND_ONLY) {
      if (postgres) {
        await q.query(`DROP TRIGGER IF EXISTS ${table}_no_update_delete ON ${table}`);
        await q.query(`DROP TRIGGER IF EXISTS ${table}_no_truncate ON ${table}`);
      } else {
        await q.query(`DROP TRIGGER IF EXISTS ${table}_no_update`);
        await q.query(`DROP TRIGGER IF EXISTS ${table}_no_delete`);
      }
    }
    if (postgres) await q.query('DROP FUNCTION IF EXISTS policy_append_only()');
    await q.query('ALTER TABLE policy_versions ADD COLUMN approved_by varchar(200)');
    await q.query(`UPDATE policy_versions SET approved_by = (SELECT d.decided_by FROM policy_decisions d
      WHERE d.partner_id = policy_versions.partner_id AND d.version = policy_versions.version AND d.decision = 'approved')`);
    await q.dropTable('policy_decisions');
    await q.query('ALTER TABLE policy_versions DROP COLUMN base_version');
  }
}

/** The database itself refuses UPDATE and DELETE (and, on PostgreSQL, TRUNCATE) of the table's rows. */
async function appendOnly(q: QueryRunner, table: string): Promise<void> {
  if (q.connection.options.type === 'postgres') {
    await q.query(`CREATE OR REPLACE FUNCTION policy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP; END $$`);
    await q.query(`CREATE TRIGGER ${table}_no_update_delete BEFORE UPDATE OR DELETE ON ${table}
      FOR EACH ROW EXECUTE FUNCTION policy_append_only()`);
    await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION policy_append_only()`);
  } else {
    await q.query(`CREATE TRIGGER ${table}_no_update BEFORE UPDATE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only (UPDATE refused)'); END`);
    await q.query(`CREATE TRIGGER ${table}_no_delete BEFORE DELETE ON ${table}
      BEGIN SELECT RAISE(ABORT, '${table} is append-only (DELETE refused)'); END`);
  }
}
