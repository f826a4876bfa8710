import { DataSource, DataSourceOptions } from 'typeorm';
import { migrationClasses } from './migration-classes';

/**
 * An in-memory SQLite store with the gateway's migrated schema: what unit specs of table modules and
 * services run their statements against (real SQL, milliseconds to open).
 */
export async function openMigratedMemoryStore(entities: NonNullable<DataSourceOptions['entities']> = []): Promise<DataSource> {
  const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities, migrations: migrationClasses() });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'each' });
  return dataSource;
}
