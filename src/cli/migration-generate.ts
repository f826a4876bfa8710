import { join, relative } from 'node:path';
import { format, resolveConfig } from 'prettier';
import { ENTITIES, MIGRATIONS } from '../bootstrap/data-source-options';
import { ENTITY_OF } from '../data/entities';
import { generateMigration, MIGRATION_NAME } from '../database/migration-generator';
import { UnexpressibleChange } from '../database/schema-changes';
import { readArgs, run, UsageError } from './cli';

const USAGE = `usage: npm run migration:generate -- <kebab-case-name>

Runs the migrations of src/database/migrations on a fresh in-memory SQLite database, compares the
result with the subjects' tables as the catalog describes them (src/data/subjects.ts) and writes
src/database/migrations/<timestamp>-<name>.ts: added or dropped columns and indexes, a new
subject's table, in TypeORM's QueryRunner calls (SQLite and PostgreSQL alike). Writes nothing when
there is no difference. Exit 0: written or nothing to write; 1: a change it cannot express (a
changed column type, length or nullability, a changed index): write that migration by hand; 2: bad
arguments.`;

/** `npm run migration:generate -- <name>`: the migration from the schema the migrations build to the catalog's tables. */
async function main(): Promise<number> {
  const { positionals } = readArgs({ name: 'migration:generate', usage: USAGE, options: {}, positionals: true });
  if (positionals.length !== 1 || !MIGRATION_NAME.test(positionals[0])) {
    throw new UsageError(
      `give the migration one kebab-case name, e.g. shipment-customs-ref${positionals.length === 1 ? ` (got ${JSON.stringify(positionals[0])})` : ''}`,
    );
  }
  try {
    const { file, changes, warnings } = await generateMigration({
      name: positionals[0],
      entities: ENTITIES,
      tables: Object.values(ENTITY_OF),
      migrations: MIGRATIONS,
      directory: join(__dirname, '..', 'database', 'migrations'),
      command: 'npm run migration:generate',
      format: async (source, path) => format(source, { ...(await resolveConfig(path)), filepath: path }),
    });
    if (!file) {
      process.stdout.write('nothing to generate: the migrations already build the tables the catalog describes; no file written\n');
      return 0;
    }
    process.stdout.write(`wrote ${relative(process.cwd(), file)}\n${changes.map((c) => `  ${c.kind} ${c.table}`).join('\n')}\n`);
    for (const warning of warnings) process.stdout.write(`warning: ${warning}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof UnexpressibleChange)) throw error;
    process.stderr.write(
      `migration:generate refused: ${error.message}.\nThis change cannot be generated: write its migration by hand in src/database/migrations. No file written.\n`,
    );
    return 1;
  }
}

run('migration:generate', main, 1);
