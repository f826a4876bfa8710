import { MigrationInterface, QueryRunner, Table, TableColumnOptions, TableIndex } from 'typeorm';

type Col = TableColumnOptions;
const str = (name: string, length = 64, nullable = false): Col => ({ name, type: 'varchar', length: String(length), isNullable: nullable });
const text = (name: string, nullable = false): Col => ({ name, type: 'text', isNullable: nullable });
const int = (name: string, nullable = false): Col => ({ name, type: 'integer', isNullable: nullable });
const dbl = (name: string): Col => ({ name, type: 'double precision', isNullable: true });
const ts = (name: string, nullable = false): Col => str(name, 30, nullable);
const pk = (col: Col): Col => ({ ...col, isPrimary: true });

/** The whole first schema, written once for both SQLite and PostgreSQL. */
export class InitialSchema1732350000000 implements MigrationInterface {
  name = 'InitialSchema1732350000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'partners',
        columns: [
          pk(str('id')),
          str('name', 200),
          str('kind', 16),
          { ...str('status', 16), default: "'active'" },
          int('policy_version'),
          ts('created_at'),
          ts('updated_at'),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'policy_versions',
        columns: [
          pk(str('partner_id')),
          pk(int('version')),
          text('document'),
          str('document_hash', 64),
          str('author', 200),
          ts('created_at'),
          text('note', true),
          { ...str('state', 16), default: "'active'" },
          str('approved_by', 200, true),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'demand_signals',
        columns: [
          pk(str('id')),
          str('sku'),
          str('product_family', 128, true),
          str('site'),
          str('region'),
          str('period_start', 10),
          int('forecast_qty'),
          int('ordered_qty', true),
          dbl('unit_price'),
          str('customer_name', 200, true),
          dbl('margin_pct'),
          ts('updated_at'),
        ],
        indices: [new TableIndex({ columnNames: ['sku'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'capacity_signals',
        columns: [
          pk(str('id')),
          str('supplier_id'),
          str('site'),
          str('sku'),
          str('period_start', 10),
          int('available_qty'),
          int('committed_qty', true),
          int('lead_time_days', true),
          str('risk_level', 16),
          text('risk_notes', true),
          dbl('unit_cost'),
          ts('updated_at'),
        ],
        indices: [new TableIndex({ columnNames: ['supplier_id'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'shipments',
        columns: [
          pk(str('id')),
          str('reference'),
          str('carrier_id'),
          str('shipper_id'),
          str('origin', 128),
          str('destination', 128),
          str('sku'),
          int('quantity'),
          str('status', 16),
          ts('eta', true),
          str('last_location', 200, true),
          ts('last_event_at', true),
          dbl('temperature_c'),
          str('sscc', 18, true),
          dbl('freight_cost'),
          text('routing_plan', true),
          ts('updated_at'),
        ],
        indices: [new TableIndex({ columnNames: ['carrier_id'] }), new TableIndex({ columnNames: ['sscc'] })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'shipment_events',
        columns: [
          pk(str('id')),
          str('shipment_id'),
          str('status', 16),
          ts('occurred_at'),
          str('location', 200, true),
          text('note', true),
          str('recorded_by'),
          ts('recorded_at'),
          str('client_event_id', 128, true),
          dbl('temperature_c'),
        ],
        indices: [
          new TableIndex({ columnNames: ['shipment_id', 'occurred_at'] }),
          new TableIndex({ columnNames: ['recorded_by', 'client_event_id'], isUnique: true }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          pk({ name: 'seq', type: 'bigint' }),
          str('event_id', 36),
          ts('at'),
          str('request_id'),
          str('actor_sub', 200, true),
          str('actor_partner_id', 64, true),
          text('actor_roles'),
          str('transport', 16),
          str('operation', 200),
          str('action', 32, true),
          str('subject', 128, true),
          text('resource_ids'),
          str('purpose', 64, true),
          str('decision', 16),
          int('status'),
          str('code', 64, true),
          text('reason', true),
          text('fields_returned'),
          text('fields_denied'),
          int('row_count'),
          int('policy_version', true),
          text('rule_ids'),
          int('latency_ms'),
          str('prev_hash', 64),
          str('hash', 64),
        ],
        indices: [
          new TableIndex({ columnNames: ['event_id'], isUnique: true }),
          new TableIndex({ columnNames: ['actor_partner_id', 'seq'] }),
          new TableIndex({ columnNames: ['at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'audit_head',
        columns: [pk(int('id')), { name: 'seq', type: 'bigint' }, str('hash', 64)],
      }),
    );
    await q.query(`INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}')`);
    await q.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [pk(str('scope', 300)), pk(str('idem_key', 200)), str('request_hash', 64), int('status'), text('body'), ts('created_at')],
      }),
    );
    await this.makeAuditAppendOnly(q);
  }

  /** The database itself refuses to change or remove an audit event, whoever asks. */
  private async makeAuditAppendOnly(q: QueryRunner): Promise<void> {
    if (q.connection.options.type === 'postgres') {
      await q.query(`CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN RAISE EXCEPTION 'audit_events is append-only (% refused)', TG_OP; END $$`);
      await q.query(`CREATE TRIGGER audit_events_no_update_delete BEFORE UPDATE OR DELETE ON audit_events
        FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()`);
      await q.query(`CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
        FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()`);
    } else {
      await q.query(`CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only (UPDATE refused)'); END`);
      await q.query(`CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
        BEGIN SELECT RAISE(ABORT, 'audit_events is append-only (DELETE refused)'); END`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of [
      'idempotency_keys',
      'audit_head',
      'audit_events',
      'shipment_events',
      'shipments',
      'capacity_signals',
      'demand_signals',
      'policy_versions',
      'partners',
    ]) {
      await q.dropTable(t);
    }
    if (q.connection.options.type === 'postgres') await q.query('DROP FUNCTION IF EXISTS audit_events_append_only()');
  }
}
