/**
 * `npm run migration:generate`: a field added to the catalog becomes a migration that, run after
 * the existing ones on a database holding the demo data, keeps its rows and leaves nothing for TypeORM to synchronise, on SQLite and (with DATABASE_URL)
 * on PostgreSQL, and whose down leads back to the schema before it. No change: no file.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES, MIGRATIONS } from '../src/bootstrap/data-source-options';
import { catalogEntity } from '../src/data/catalog-entity';
import { ENTITY_OF } from '../src/data/entities';
import { KEYSET_FIELDS } from '../src/data/keyset-indexes';
import { SUBJECT_NAMES, SUBJECTS, SubjectName, SubjectSpec } from '../src/data/subjects';
import { migrationClasses } from '../src/database/migration-classes';
import { generateMigration, GenerateMigrationOptions } from '../src/database/migration-generator';
import { UnexpressibleChange } from '../src/database/schema-changes';
import { seedDemoData } from '../src/bootstrap/seed-demo';
import { createDatabaseBeside } from './support/database';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const SUBJECT_ENTITIES = new Set<unknown>(Object.values(ENTITY_OF));
const OTHER_ENTITIES = ENTITIES.filter((entity) => !SUBJECT_ENTITIES.has(entity));

/**
 * The catalog with a Shipment field (and an index over it), a long DemandSignal text with a keyset
 * index over productFamily, and a new subject (its own table).
 */
function changedCatalog(): { entities: GenerateMigrationOptions['entities']; tables: GenerateMigrationOptions['tables'] } {
  const shipment: SubjectSpec = {
    ...SUBJECTS.Shipment,
    fields: { ...SUBJECTS.Shipment.fields, specOnlyRef: { type: 'string', maxLength: 35, nullable: true, create: 'optional', update: true } },
    indexes: [...(SUBJECTS.Shipment.indexes ?? []), { fields: ['specOnlyRef'] }],
  };
  const demand: SubjectSpec = {
    ...SUBJECTS.DemandSignal,
    fields: { ...SUBJECTS.DemandSignal.fields, planningNote: { type: 'string', maxLength: 1000, nullable: true } },
  };
  const specs: Record<string, SubjectSpec> = { ...SUBJECTS, Shipment: shipment, DemandSignal: demand };
  const declaration: SubjectSpec = {
    name: 'CustomsDeclaration' as SubjectName,
    table: 'customs_declarations',
    fields: {
      id: { type: 'string', maxLength: 64 },
      shipmentId: { type: 'string', maxLength: 64 },
      declaredAt: { type: 'timestamp' },
      dutyPaid: { type: 'number', nullable: true },
    },
    systemFields: [],
    indexes: [{ fields: ['declaredAt'] }],
  };
  const tables = [
    ...SUBJECT_NAMES.map((name) =>
      catalogEntity(specs[name], name === 'DemandSignal' ? [...KEYSET_FIELDS.DemandSignal, 'productFamily'] : KEYSET_FIELDS[name]),
    ),
    catalogEntity(declaration, ['shipmentId']),
  ];
  return { entities: [...OTHER_ENTITIES, ...tables], tables };
}

describe('migration:generate', () => {
  let dir: string;
  // Inside the project, so that the generated file resolves typeorm like any migration; a folder of
  // this file's own under temp/ (which other tools use too).
  const OWN = join(ROOT, 'temp', 'jest-migration-generate');
  beforeEach(() => {
    mkdirSync(OWN, { recursive: true });
    dir = mkdtempSync(join(OWN, 'run-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  afterAll(() => rmSync(OWN, { recursive: true, force: true }));

  const options = (changed: ReturnType<typeof changedCatalog>): GenerateMigrationOptions => ({
    name: 'catalog-additions',
    ...changed,
    migrations: MIGRATIONS,
    directory: dir,
    command: 'npm run migration:generate',
  });

  it('writes nothing when the migrations already build the catalog’s tables', async () => {
    const generated = await generateMigration(options({ entities: ENTITIES, tables: Object.values(ENTITY_OF) }));
    expect(generated).toEqual({ file: null, changes: [], warnings: [] });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a changed column length and writes nothing', async () => {
    const shipment: SubjectSpec = { ...SUBJECTS.Shipment, fields: { ...SUBJECTS.Shipment.fields, sscc: { type: 'string', maxLength: 20, nullable: true } } };
    const tables = SUBJECT_NAMES.map((name) => catalogEntity(name === 'Shipment' ? shipment : SUBJECTS[name]));
    const refused = generateMigration(options({ entities: [...OTHER_ENTITIES, ...tables], tables }));
    await expect(refused).rejects.toThrow(UnexpressibleChange);
    await expect(refused).rejects.toThrow('shipments.sscc changes from varchar(18) null to varchar(20) null');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses a field dropped and another added on one table (a rename would lose the values) and writes nothing', async () => {
    const { sscc, ...rest } = SUBJECTS.Shipment.fields;
    const shipment: SubjectSpec = { ...SUBJECTS.Shipment, fields: { ...rest, ssccCode: sscc }, indexes: [] };
    const tables = SUBJECT_NAMES.map((name) => catalogEntity(name === 'Shipment' ? shipment : SUBJECTS[name]));
    const refused = generateMigration(options({ entities: [...OTHER_ENTITIES, ...tables], tables }));
    await expect(refused).rejects.toThrow(UnexpressibleChange);
    await expect(refused).rejects.toThrow('shipments drops sscc and adds sscc_code');
    expect(readdirSync(dir)).toEqual([]);
  });

  it('writes a migration for added fields and indexes that, on a database with rows, keeps them and leaves nothing to synchronise, and whose down restores the schema', async () => {
    const changed = changedCatalog();
    const generated = await generateMigration({ ...options(changed), now: new Date(Date.UTC(2027, 0, 2)) });
    expect(generated.file).toBe(join(dir, '1798848000000-catalog-additions.ts'));
    expect(readdirSync(dir)).toEqual(['1798848000000-catalog-additions.ts']);
    expect(generated.changes.map((c) => `${c.kind} ${c.table}`).sort()).toEqual([
      'addColumn demand_signals',
      'addColumn shipments',
      'createIndex demand_signals',
      'createIndex shipments',
      'createTable customs_declarations',
    ]);
    expect(generated.warnings).toEqual([]);
    const source = readFileSync(generated.file!, 'utf8');
    expect(source).toContain("await q.addColumn('shipments', new TableColumn({ name: 'spec_only_ref', type: 'varchar', length: '35', isNullable: true }));");
    expect(source).toContain("await q.addColumn('demand_signals', new TableColumn({ name: 'planning_note', type: 'text', isNullable: true }));");
    expect(source).toContain(
      "await q.createIndex('demand_signals', new TableIndex({ name: 'idx_demand_signals_product_family_id', columnNames: ['product_family', 'id'] }));",
    );
    expect(source).toContain(
      "await q.createTable(new Table({ name: 'customs_declarations', columns: [{ name: 'id', type: 'varchar', length: '64', isPrimary: true }",
    );
    expect(source).toContain("await q.dropTable('customs_declarations');");
    expect(source).not.toMatch(/from '\.\.?\//); // a migration imports nothing of the gateway

    const [migration] = migrationClasses(dir);
    expect(migration.name).toBe('CatalogAdditions1798848000000');
    const database = process.env.DATABASE_URL ? await createDatabaseBeside(process.env.DATABASE_URL, 'gw_generate') : undefined;
    const connection: DataSourceOptions = database
      ? { type: 'postgres', url: database.url }
      : { type: 'better-sqlite3', database: join(dir, 'generated.sqlite') };
    const open = async (entities: GenerateMigrationOptions['entities'], migrations = [...MIGRATIONS, migration]) =>
      new DataSource({ ...connection, entities, migrations, synchronize: false, logging: false }).initialize();
    const pending = async (ds: DataSource) => (await ds.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);
    const shipments = async (ds: DataSource) => Number((await ds.query<Array<{ n: string | number }>>('SELECT COUNT(*) AS n FROM shipments'))[0].n);
    try {
      // A database in use: the existing migrations, then the demo data, then the generated migration alone.
      const inUse = await open(ENTITIES, MIGRATIONS);
      let rows: number;
      try {
        await inUse.runMigrations({ transaction: 'each' });
        await inUse.transaction((m) => seedDemoData(m));
        rows = await shipments(inUse);
        expect(rows).toBeGreaterThan(0);
      } finally {
        await inUse.destroy();
      }
      const after = await open(changed.entities);
      try {
        expect((await after.runMigrations({ transaction: 'each' })).map((m) => m.name)).toEqual(['CatalogAdditions1798848000000']);
        expect(await pending(after)).toEqual([]);
        expect(await shipments(after)).toBe(rows); // the rows stay, the new column is null on each
        expect(Number((await after.query<Array<{ n: string | number }>>('SELECT COUNT(*) AS n FROM shipments WHERE spec_only_ref IS NULL'))[0].n)).toBe(rows);
      } finally {
        await after.destroy();
      }
      const before = await open(ENTITIES);
      try {
        expect(await pending(before)).not.toEqual([]); // the catalog as it is no longer matches the migrated schema
        await before.undoLastMigration({ transaction: 'each' });
        expect(await pending(before)).toEqual([]);
      } finally {
        await before.destroy();
      }
    } finally {
      await database?.drop();
    }
  });

  /** The npm script, as `npm run migration:generate -- <args>` runs it (ts-node, transpile only). */
  const script = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/cli/migration-generate.ts', ...args],
        { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'silent' }, timeout: 120_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: unknown }).code ?? -1) : 0, stdout, stderr }),
      );
    });

  it('the npm script says so and writes nothing when there is no difference; a name that is not kebab case is a usage error', async () => {
    const directory = join(ROOT, 'src', 'database', 'migrations');
    const migrations = readdirSync(directory);
    try {
      expect(await script(['nothing-changed'])).toEqual({
        code: 0,
        stdout: 'nothing to generate: the migrations already build the tables the catalog describes; no file written\n',
        stderr: '',
      });
      expect(await script(['Nothing_Changed'])).toEqual({
        code: 2,
        stdout: '',
        stderr: 'migration:generate: give the migration one kebab-case name, e.g. shipment-customs-ref (got "Nothing_Changed"); see --help\n',
      });
      expect(readdirSync(directory)).toEqual(migrations);
    } finally {
      // With a catalog change not yet migrated the script writes a real migration: never leave it behind.
      for (const file of readdirSync(directory)) if (!migrations.includes(file)) rmSync(join(directory, file));
    }
  });
});
