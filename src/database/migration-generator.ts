import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DataSource, DataSourceOptions, EntityTarget, ObjectLiteral } from 'typeorm';
import type { MigrationClass } from './migration-classes';
import { migrationSource } from './migration-source';
import { applyChanges, SchemaChange, schemaChanges, UnexpressibleChange, undoChanges } from './schema-changes';

export interface GenerateMigrationOptions {
  /** Kebab case, e.g. `shipment-customs-ref`: the file is `<13-digit timestamp>-<name>.ts`. */
  name: string;
  /** Every entity of the gateway (TypeORM must find nothing else to change once the migration ran). */
  entities: Extract<NonNullable<DataSourceOptions['entities']>, unknown[]>;
  /** The entities whose tables the migration may change: the subjects built from the catalog. */
  tables: ReadonlyArray<EntityTarget<ObjectLiteral>>;
  /** The migrations so far, in order. */
  migrations: readonly MigrationClass[];
  /** Where the file goes (src/database/migrations). */
  directory: string;
  /** The command named in the file's comment. */
  command: string;
  now?: Date;
  /** Formats the file's text before it is written (the CLI passes Prettier). */
  format?: (source: string, file: string) => Promise<string>;
}

export interface GeneratedMigration {
  /** The file written, or null when the migrations already build the entities' schema. */
  file: string | null;
  changes: SchemaChange[];
  /** What the engineer should look at before committing (a required column added to a table that may hold rows). */
  warnings: string[];
}

/** A migration's name: kebab case, starting with a letter (it becomes the class name). */
export const MIGRATION_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/**
 * Runs the migrations on a fresh in-memory SQLite database, compares the result with the entities
 * and writes a migration of the difference. Before writing, it runs the migration's `up` on that
 * database and asks TypeORM whether anything is left to synchronise (then the difference is one it
 * cannot express: UnexpressibleChange), and its `down`, which must lead back to the same difference.
 */
export async function generateMigration(options: GenerateMigrationOptions): Promise<GeneratedMigration> {
  if (!MIGRATION_NAME.test(options.name))
    throw new Error(`the migration's name must be kebab case, e.g. shipment-customs-ref (got ${JSON.stringify(options.name)})`);
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: ':memory:',
    entities: [...options.entities],
    migrations: [...options.migrations],
    synchronize: false,
    logging: false,
  });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'all' });
    const changes = await schemaChanges(ds, options.tables);
    await selfCheck(ds, options.tables, changes);
    if (changes.length === 0) return { file: null, changes, warnings: [] };
    const timestamp = Math.max((options.now ?? new Date()).getTime(), lastTimestamp(options.migrations) + 1);
    const className = `${options.name.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase())}${timestamp}`;
    const file = join(options.directory, `${timestamp}-${options.name}.ts`);
    const source = migrationSource(className, changes, options.command);
    await writeFile(file, options.format ? await options.format(source, file) : source, { flag: 'wx' });
    return { file, changes, warnings: warningsFor(changes) };
  } finally {
    await ds.destroy();
  }
}

async function selfCheck(ds: DataSource, tables: GenerateMigrationOptions['tables'], changes: SchemaChange[]): Promise<void> {
  const q = ds.createQueryRunner();
  try {
    await applyChanges(q, changes);
    const left = (await ds.driver.createSchemaBuilder().log()).upQueries.map((query) => query.query);
    if (left.length > 0) {
      throw new UnexpressibleChange(`after the generated steps TypeORM would still run (SQLite): ${left.join('; ')}`);
    }
    await applyChanges(q, undoChanges(changes));
    if (JSON.stringify(await schemaChanges(ds, tables)) !== JSON.stringify(changes)) {
      throw new UnexpressibleChange('the generated down does not restore the schema the migrations build');
    }
  } finally {
    await q.release();
  }
}

function lastTimestamp(migrations: readonly MigrationClass[]): number {
  return Math.max(0, ...migrations.map((m) => Number(/(\d{13})$/.exec(m.name)?.[1] ?? 0)));
}

function warningsFor(changes: readonly SchemaChange[]): string[] {
  return changes.flatMap((change) => {
    if (change.kind === 'addColumn' && !change.column.isNullable) {
      return [
        `${change.table}.${change.column.name} is NOT NULL without a default: adding it fails on a table that holds rows; give existing rows a value in the migration`,
      ];
    }
    if (change.kind === 'dropColumn') return [`${change.table}.${change.column.name} is dropped with its data; down adds it back empty`];
    return [];
  });
}
