import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Each test file gets a database of its own: a fresh PostgreSQL database beside the one
 * DATABASE_URL names (dropped afterwards), or, without DATABASE_URL, a fresh SQLite file.
 */
export interface TestDatabase {
  url: string | undefined;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  if (!base) return { url: undefined, drop: () => Promise.resolve() };
  return createDatabaseBeside(base, 'gw_test');
}

/** A fresh PostgreSQL database on the server `base` names; `options` go after CREATE DATABASE <name>. */
export async function createDatabaseBeside(base: string, prefix: string, options = ''): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: base });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} ${options}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
