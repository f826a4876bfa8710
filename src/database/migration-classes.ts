import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { MigrationInterface } from 'typeorm';

export type MigrationClass = new () => MigrationInterface;

/** `<13-digit timestamp>-<kebab-case name>.ts` (or .js once built): what `migrations/` may hold. */
const MIGRATION_FILE = /^(\d{13})-[a-z0-9-]+\.(ts|js)$/;

/**
 * Every migration in `migrations/`, in timestamp order: a new schema change is a new file there,
 * found at start-up rather than listed by hand. Each file exports one class whose name ends with the
 * file's timestamp (TypeORM orders and records migrations by that name).
 */
export function migrationClasses(dir = join(__dirname, 'migrations')): MigrationClass[] {
  return readdirSync(dir)
    .filter((file) => MIGRATION_FILE.test(file))
    .sort()
    .map((file) => {
      // The files are named at run time, so they are loaded with require (ts-node and jest compile them alike).
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const exported = require(join(dir, file)) as Record<string, unknown>;
      const classes = Object.values(exported).filter((v): v is MigrationClass => typeof v === 'function');
      const timestamp = MIGRATION_FILE.exec(file)![1];
      if (classes.length !== 1 || !classes[0].name.endsWith(timestamp)) {
        throw new Error(`database/migrations/${file} must export exactly one migration class whose name ends with ${timestamp}`);
      }
      return classes[0];
    });
}
