import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig, validateConfig } from '../config/app-config';
import { dataSourceOptions } from '../bootstrap/data-source-options';

/** The gateway's database, opened straight from the settings (no server). */
export async function openDataSource(): Promise<{ ds: DataSource; config: AppConfig }> {
  const config = validateConfig(process.env, { serving: false });
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  return { ds, config };
}
