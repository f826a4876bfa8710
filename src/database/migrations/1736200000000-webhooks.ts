import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/** Webhook endpoints and their deliveries (the work queue every replica polls, and the history). */
export class Webhooks1736200000000 implements MigrationInterface {
  name = 'Webhooks1736200000000';

  async up(q: QueryRunner): Promise<void> {
    const text = (name: string, length: string, isNullable = false) => ({ name, type: 'varchar', length, isNullable });
    await q.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          text('partner_id', '64'),
          text('url', '2048'),
          { name: 'events', type: 'text' },
          text('description', '500', true),
          text('purpose', '64'),
          text('secret', '200'),
          { name: 'enabled', type: 'integer' },
          text('disabled_reason', '2000', true),
          text('disabled_at', '30', true),
          text('created_by', '200'),
          text('created_at', '30'),
          text('updated_at', '30'),
        ],
        indices: [new TableIndex({ name: 'idx_webhook_endpoints_partner', columnNames: ['partner_id', 'created_at'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          text('endpoint_id', '36'),
          text('event_type', '32'),
          text('subject', '32'),
          text('record_id', '200'),
          text('status', '16'),
          { name: 'attempts', type: 'integer', default: 0 },
          text('next_attempt_at', '30'),
          text('claimed_until', '30', true),
          text('last_attempt_at', '30', true),
          { name: 'last_status', type: 'integer', isNullable: true },
          text('last_error', '2000', true),
          text('occurred_at', '30'),
          text('created_at', '30'),
          text('settled_at', '30', true),
        ],
        indices: [
          new TableIndex({ name: 'idx_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'idx_webhook_deliveries_endpoint', columnNames: ['endpoint_id', 'created_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries');
    await q.dropTable('webhook_endpoints');
  }
}
