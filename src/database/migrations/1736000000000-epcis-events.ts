import { MigrationInterface, QueryRunner, Table, TableIndex } from 'typeorm';

/**
 * EPCIS events as captured: the whole JSON-LD event (`document`), the columns the standard
 * queries filter on, the identifiers and business-transaction types it names (`epcis_event_terms`)
 * and the shipments it concerns (`epcis_event_shipments`, through which reads are scoped).
 */
export class EpcisEvents1736000000000 implements MigrationInterface {
  name = 'EpcisEvents1736000000000';

  async up(q: QueryRunner): Promise<void> {
    const text = (name: string, length: string, isNullable = true) => ({ name, type: 'varchar', length, isNullable });
    await q.createTable(
      new Table({
        name: 'epcis_events',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          text('event_id', '512', false),
          text('recorded_by', '64', false),
          text('event_type', '128', false),
          text('event_time', '30', false),
          text('record_time', '30', false),
          { name: 'biz_step', type: 'text', isNullable: true },
          { name: 'disposition', type: 'text', isNullable: true },
          { name: 'read_point', type: 'text', isNullable: true },
          { name: 'biz_location', type: 'text', isNullable: true },
          text('declared_at', '30'),
          { name: 'document', type: 'text', isNullable: false },
        ],
        indices: [
          new TableIndex({ name: 'uq_epcis_events_recorder_event', columnNames: ['recorded_by', 'event_id'], isUnique: true }),
          new TableIndex({ name: 'idx_epcis_events_event_time', columnNames: ['event_time', 'id'] }),
          new TableIndex({ name: 'idx_epcis_events_record_time', columnNames: ['record_time', 'id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'epcis_event_shipments',
        columns: [
          { name: 'event_row_id', type: 'varchar', length: '64', isPrimary: true },
          { name: 'shipment_id', type: 'varchar', length: '64', isPrimary: true },
        ],
        indices: [new TableIndex({ name: 'idx_epcis_event_shipments_shipment', columnNames: ['shipment_id', 'event_row_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'epcis_event_terms',
        columns: [
          { name: 'event_row_id', type: 'varchar', length: '64', isNullable: false },
          { name: 'kind', type: 'varchar', length: '16', isNullable: false },
          { name: 'value', type: 'varchar', length: '512', isNullable: false },
        ],
        indices: [
          new TableIndex({ name: 'idx_epcis_event_terms_event', columnNames: ['event_row_id'] }),
          new TableIndex({ name: 'idx_epcis_event_terms_value', columnNames: ['kind', 'value'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('epcis_event_terms');
    await q.dropTable('epcis_event_shipments');
    await q.dropTable('epcis_events');
  }
}
