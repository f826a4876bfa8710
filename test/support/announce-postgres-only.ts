import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Runs once before the e2e files. On SQLite the PostgreSQL-only files (`*.pg-e2e-spec.ts`: replicas on
 * one shared database) are not collected at all, so this says which ones the run leaves out and how to run them.
 */
export default function announcePostgresOnly(): void {
  if (process.env.DATABASE_URL) return;
  const files = readdirSync(join(__dirname, '..'))
    .filter((f) => f.endsWith('.pg-e2e-spec.ts'))
    .sort();
  if (files.length === 0) return;
  process.stdout.write(`\nNot run on SQLite (PostgreSQL only; set DATABASE_URL=postgres://… to run them): ${files.join(', ')}\n`);
}
