import { MigrationInterface, QueryRunner, TableIndex } from 'typeorm';

/** Idempotency keys expire (IDEMPOTENCY_RETENTION_HOURS): the hourly purge finds them by age. */
export class IdempotencyRetention1734000000000 implements MigrationInterface {
  name = 'IdempotencyRetention1734000000000';

  async up(q: QueryRunner): Promise<void> {
    // Keys were never purged before this version: on a large table the index build may outlast the
    // gateway's statement timeout.
    if (q.connection.options.type === 'postgres') await q.query('SET LOCAL statement_timeout = 0');
    await q.createIndex('idempotency_keys', new TableIndex({ name: 'idx_idempotency_keys_created_at', columnNames: ['created_at'] }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('idempotency_keys', 'idx_idempotency_keys_created_at');
  }
}
