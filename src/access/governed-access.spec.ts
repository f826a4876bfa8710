import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { AgreementEntity } from '../agreements/agreement.entity';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditHeadEntity } from '../audit/audit-head.entity';
import { AccessSummary, merge } from '../audit/access-summary';
import { AuditRecord } from '../audit/audit-record';
import { Principal } from '../auth/principal';
import { GatewayError } from '../common/gateway-error';
import { validateConfig } from '../config/app-config';
import { ENTITY_OF } from '../data/entities';
import { SUBJECT_NAMES } from '../data/subjects';
import { DatabaseService } from '../database/database.service';
import { migrationClasses } from '../database/migration-classes';
import { demoRowsToSeed } from '../demo/demo-data';
import { MetricsService } from '../observability/metrics.service';
import { PartnerEntity } from '../policy/partner.entity';
import { PolicyDecisionEntity } from '../policy/policy-decision.entity';
import { readPolicyDocuments } from '../policy/policy-files';
import { PolicyVersionEntity } from '../policy/policy-version.entity';
import { PolicyService } from '../policy/policy.service';
import { AccessObserver, ObservedRead, ObservedWrite } from './access-observer';
import { Caller } from './caller';
import { GovernedDataService } from './governed-data.service';
import { GovernedWriteService } from './governed-write.service';
import { PublishShipmentChanges, RecordChanges } from './record-changes';
import { insertSubjectRows } from './subject-rows.table';
import { WriteResult, WriteTransactions, WriteWork } from './write-transactions';

/**
 * The read and write judgement of the enforcement path, on a real in-memory SQLite database with the
 * migrated schema, the demo policies (policies/) and the demo data: no HTTP, no Nest, so each case
 * costs milliseconds. What the transports add (status codes, problem+json, audit events) is covered
 * by the e2e tests in test/.
 */

/** Runs the work in one transaction: the idempotency layer's replay store is not the subject here. */
class PlainTransactions extends WriteTransactions {
  constructor(private readonly db: DatabaseService) {
    super();
  }
  async run(_caller: Caller, _route: string, _body: Record<string, unknown>, _rights: unknown, decided: AccessSummary, work: WriteWork): Promise<WriteResult> {
    const answer = await this.db.transaction((m) => work(m));
    return { ...answer, summary: merge(decided, answer.summary), replayed: false };
  }
}

class SeenWrites extends AccessObserver {
  readonly writes: ObservedWrite[] = [];
  afterRead(_read: ObservedRead): void {}
  afterWrite(write: ObservedWrite): void {
    this.writes.push(write);
  }
}

class NoChanges extends RecordChanges {
  changed(): Promise<void> {
    return Promise.resolve();
  }
}
class NoPublish extends PublishShipmentChanges {
  publish(): void {}
}

let dataSource: DataSource;
let db: DatabaseService;
let reads: GovernedDataService;
let writes: GovernedWriteService;
let observer: SeenWrites;

beforeAll(async () => {
  Logger.overrideLogger(false);
  dataSource = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    // The tables these services read and write; the migrations create the rest of the schema.
    entities: [
      ...SUBJECT_NAMES.map((s) => ENTITY_OF[s]),
      PartnerEntity,
      PolicyVersionEntity,
      PolicyDecisionEntity,
      AuditEventEntity,
      AuditHeadEntity,
      AgreementEntity,
    ] as NonNullable<DataSourceOptions['entities']>,
    migrations: migrationClasses(),
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  db = new DatabaseService(dataSource);
  const config = validateConfig({ NODE_ENV: 'test', DATABASE_URL: '' }, { serving: false });
  const policies = new PolicyService(db, config);
  await policies.seedFromDocuments(readPolicyDocuments(join(__dirname, '..', '..', 'policies')));
  await db.transaction(async (m) => {
    for (const [subject, rows] of demoRowsToSeed) await insertSubjectRows(m, subject, rows);
  });
  observer = new SeenWrites();
  reads = new GovernedDataService(db, policies, new MetricsService(), observer);
  writes = new GovernedWriteService(db, reads, new PlainTransactions(db), new NoPublish(), new NoChanges(), observer);
});

afterAll(async () => {
  await dataSource?.destroy();
});

function caller(principal: Partial<Principal>, purpose: string | null): Caller {
  return {
    principal: { sub: 'spec', partnerId: null, roles: ['partner'], purpose: null, ...principal },
    purpose,
    audit: new AuditRecord('spec', 'rest', 'spec'),
  };
}
const northwind = (purpose: string | null = 'replenishment-planning') => caller({ partnerId: 'supplier-northwind' }, purpose);
const swiftlog = () => caller({ partnerId: 'carrier-swiftlog' }, 'shipment-execution');
const admin = () => caller({ roles: ['admin'] }, null);

async function refusal(work: Promise<unknown>): Promise<{ status: number; code: string }> {
  try {
    await work;
  } catch (error) {
    if (error instanceof GatewayError) return { status: error.status, code: error.code };
    throw error;
  }
  throw new Error('expected a refusal');
}

async function count(sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await dataSource.query<Array<{ n: number }>>(sql, params);
  return Number(row.n);
}

describe('governed reads', () => {
  it('scope rows in SQL: a supplier reads exactly the demand rows of the SKUs it supplies', async () => {
    const { rows, meta } = await reads.list(northwind(), 'DemandSignal', { ungranted: 'refuse', limit: 500 });
    const inScope = await count(`SELECT COUNT(*) AS n FROM demand_signals WHERE sku IN ('SKU-100', 'SKU-200')`);
    expect(inScope).toBeGreaterThan(0);
    expect(rows).toHaveLength(inScope);
    expect(new Set(rows.map((r) => r.values.sku))).toEqual(new Set(['SKU-100', 'SKU-200']));
    expect(meta.policyVersion).toEqual(expect.any(Number));
  });

  it('return what they decided for the audit event: rows, ids, fields returned and withheld, deciding rules', async () => {
    const { rows, meta, summary } = await reads.list(northwind(), 'DemandSignal', { ungranted: 'refuse', limit: 500 });
    expect(summary).toMatchObject({
      actions: ['read'],
      subjects: ['DemandSignal'],
      rowCount: rows.length,
      policyVersion: meta.policyVersion,
      purpose: 'replenishment-planning',
    });
    expect(summary.resourceIds).toEqual(rows.map((r) => r.values.id));
    expect(summary.fieldsReturned).toEqual(expect.arrayContaining(['id', 'sku', 'forecastQty', 'orderedQty']));
    expect(summary.fieldsReturned).not.toContain('customerName');
    expect(summary.fieldsDenied).toEqual(['orderedQty']);
    expect(summary.ruleIds).toEqual(expect.arrayContaining(['demand-for-supplied-skus', 'no-order-volumes-in-restricted-region']));
  });

  it('answer only granted fields: customer economics never leave', async () => {
    const { rows, meta } = await reads.list(northwind(), 'DemandSignal', { ungranted: 'refuse', limit: 500 });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) {
      expect(r.values).not.toHaveProperty('customerName');
      expect(r.values).not.toHaveProperty('unitPrice');
      expect(r.values).not.toHaveProperty('marginPct');
    }
    expect(meta.fields).not.toContain('customerName');
  });

  it('withhold a field on the rows an inverted rule covers (order volumes of the restricted region)', async () => {
    const { rows } = await reads.list(northwind(), 'DemandSignal', { ungranted: 'refuse', limit: 500 });
    const restricted = rows.filter((r) => r.values.region === 'EMEA-RESTRICTED');
    const open = rows.filter((r) => r.values.region !== 'EMEA-RESTRICTED');
    expect(restricted.length).toBeGreaterThan(0);
    expect(open.length).toBeGreaterThan(0);
    for (const r of restricted) expect(r.values).not.toHaveProperty('orderedQty');
    expect(open.some((r) => 'orderedQty' in r.values)).toBe(true);
  });

  it('refuse a requested field no rule grants, or redact it for GraphQL', async () => {
    expect(await refusal(reads.list(northwind(), 'DemandSignal', { ungranted: 'refuse', fields: ['id', 'unitPrice'] }))).toEqual({
      status: 403,
      code: 'FORBIDDEN_FIELDS',
    });
    const { rows, meta } = await reads.list(northwind(), 'DemandSignal', { ungranted: 'redact', fields: ['id', 'unitPrice'], limit: 5 });
    expect(rows.length).toBeGreaterThan(0);
    for (const r of rows) expect(r.values).not.toHaveProperty('unitPrice');
    expect(meta.redactedFields).toContain('unitPrice');
  });

  it('a row outside the scope is not found, not forbidden (its existence is not told)', async () => {
    const [outside] = await dataSource.query<Array<{ id: string }>>(`SELECT id FROM demand_signals WHERE sku NOT IN ('SKU-100', 'SKU-200') LIMIT 1`);
    expect(await refusal(reads.get(northwind(), 'DemandSignal', outside.id, { ungranted: 'refuse' }))).toEqual({ status: 404, code: 'NOT_FOUND' });
  });

  it('fail closed: no purpose, an unknown partner, a role that reads no partner data', async () => {
    expect(await refusal(reads.list(northwind(null), 'DemandSignal', { ungranted: 'refuse' }))).toEqual({ status: 400, code: 'PURPOSE_REQUIRED' });
    expect(await refusal(reads.list(caller({ partnerId: 'nobody-here' }, 'replenishment-planning'), 'DemandSignal', { ungranted: 'refuse' }))).toEqual({
      status: 403,
      code: 'NO_POLICY',
    });
    expect(await refusal(reads.list(caller({ roles: ['auditor'] }, null), 'DemandSignal', { ungranted: 'refuse' }))).toEqual({
      status: 403,
      code: 'FORBIDDEN_ROLE',
    });
  });

  it('a purpose the policy does not name grants nothing', async () => {
    expect(await refusal(reads.list(northwind('marketing'), 'DemandSignal', { ungranted: 'refuse' }))).toEqual({ status: 403, code: 'FORBIDDEN' });
  });

  it('the admin role reads every row and field', async () => {
    const { rows } = await reads.list(admin(), 'DemandSignal', { ungranted: 'refuse', limit: 500 });
    expect(rows).toHaveLength(Math.min(500, await count('SELECT COUNT(*) AS n FROM demand_signals')));
    expect(rows[0].values).toHaveProperty('marginPct');
  });
});

describe('governed writes', () => {
  it('a carrier updates the fields its policy lets it write on its own shipment, and the answer holds only readable fields', async () => {
    const [own] = await dataSource.query<Array<{ id: string }>>(`SELECT id FROM shipments WHERE carrier_id = 'carrier-swiftlog' LIMIT 1`);
    const result = await writes.update(swiftlog(), 'Shipment', own.id, { lastLocation: 'Spec hub' }, 'spec');
    expect(result.status).toBe(200);
    expect(result.body.data).toMatchObject({ id: own.id, lastLocation: 'Spec hub' });
    const [stored] = await dataSource.query<Array<{ last_location: string }>>(`SELECT last_location FROM shipments WHERE id = ?`, [own.id]);
    expect(stored.last_location).toBe('Spec hub');
    expect(observer.writes.at(-1)).toMatchObject({ action: 'update', subject: 'Shipment' });
  });

  it('a field no write rule grants is refused and nothing changes', async () => {
    const [own] = await dataSource.query<Array<{ id: string; shipper_id: string }>>(
      `SELECT id, shipper_id FROM shipments WHERE carrier_id = 'carrier-swiftlog' LIMIT 1`,
    );
    const other = own.shipper_id === 'supplier-acme' ? 'supplier-northwind' : 'supplier-acme';
    expect(await refusal(writes.update(swiftlog(), 'Shipment', own.id, { shipperId: other }, 'spec'))).toEqual({ status: 403, code: 'FORBIDDEN_FIELDS' });
    const [after] = await dataSource.query<Array<{ shipper_id: string }>>(`SELECT shipper_id FROM shipments WHERE id = ?`, [own.id]);
    expect(after.shipper_id).toBe(own.shipper_id);
  });

  it("another carrier's shipment is not found for an update", async () => {
    const [other] = await dataSource.query<Array<{ id: string }>>(`SELECT id FROM shipments WHERE carrier_id <> 'carrier-swiftlog' LIMIT 1`);
    expect(await refusal(writes.update(swiftlog(), 'Shipment', other.id, { lastLocation: 'Nowhere' }, 'spec'))).toEqual({ status: 404, code: 'NOT_FOUND' });
    const [after] = await dataSource.query<Array<{ last_location: string | null }>>(`SELECT last_location FROM shipments WHERE id = ?`, [other.id]);
    expect(after.last_location).not.toBe('Nowhere');
  });

  it("a supplier creates capacity pinned to itself, and may not create another supplier's", async () => {
    const created = await writes.create(
      northwind('capacity-planning'),
      'CapacitySignal',
      { site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2027-01-04', availableQty: 10, riskLevel: 'low' },
      'spec',
    );
    expect(created.status).toBe(201);
    expect(created.body.data).toMatchObject({ supplierId: 'supplier-northwind', availableQty: 10 });
    const before = await count('SELECT COUNT(*) AS n FROM capacity_signals');
    const r = await refusal(
      writes.create(
        northwind('capacity-planning'),
        'CapacitySignal',
        { supplierId: 'supplier-acme', site: 'PLANT-DE-1', sku: 'SKU-100', periodStart: '2027-01-04', availableQty: 10, riskLevel: 'low' },
        'spec',
      ),
    );
    expect(r.status).toBe(403);
    expect(await count('SELECT COUNT(*) AS n FROM capacity_signals')).toBe(before);
  });
});
