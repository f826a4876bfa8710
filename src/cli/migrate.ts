import { openDataSource } from './cli-data-source';

/** `npm run migration:run`: applies pending migrations, for deployments that migrate as a separate step. */
async function main(): Promise<void> {
  const { ds } = await openDataSource();
  try {
    const ran = await ds.runMigrations({ transaction: 'each' });
    process.stdout.write(ran.length === 0 ? 'schema is up to date\n' : `applied: ${ran.map((m) => m.name).join(', ')}\n`);
  } finally {
    await ds.destroy();
  }
}

main().catch((e: Error) => {
  process.stderr.write(`migration failed: ${e.message}\n`);
  process.exit(1);
});
