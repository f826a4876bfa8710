import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig, validateConfig } from '../config/app-config';
import { dataSourceOptions } from '../bootstrap/data-source-options';

/** The gateway's database, opened straight from the settings (no server). */
export async function openDataSource(): Promise<{ ds: DataSource; config: AppConfig; sql: (t: string) => string }> {
  const config = validateConfig(process.env, { serving: false });
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  const postgres = config.databaseKind === 'postgres';
  const sql = (text: string) => {
    if (!postgres) return text;
    let n = 0;
    return text.replace(/\?/g, () => `$${++n}`);
  };
  return { ds, config, sql };
}
