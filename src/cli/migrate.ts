import { readArgs, run } from './cli';
import { openDataSource } from './cli-data-source';

const USAGE = `usage: npm run migration:run

Applies pending schema migrations to the gateway's database (DATABASE_URL, else the SQLite file under
DATA_DIR), each in its own transaction, for deployments that migrate as a separate step
(DB_MIGRATE_ON_START=false).`;

/** `npm run migration:run`: applies pending migrations, for deployments that migrate as a separate step. */
async function main(): Promise<number> {
  readArgs({ name: 'migration:run', usage: USAGE, options: {} });
  const { ds } = await openDataSource();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    process.stdout.write(ran.length === 0 ? 'schema is up to date\n' : `applied: ${ran.map((m) => m.name).join(', ')}\n`);
    return 0;
  } finally {
    await ds.destroy();
  }
}

run('migration', main, 1);
