import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditHeadEntity } from '../audit/audit-head.entity';
import { CapacitySignalEntity } from '../data/capacity-signal.entity';
import { DemandSignalEntity } from '../data/demand-signal.entity';
import { ShipmentEventEntity } from '../data/shipment-event.entity';
import { ShipmentEntity } from '../data/shipment.entity';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity';
import { PartnerEntity } from '../policy/partner.entity';
import { PolicyVersionEntity } from '../policy/policy-version.entity';
import { PushTallyEntity } from '../logistics/push-tally.entity';
import { InitialSchema1732350000000 } from './migrations/1732350000000-initial-schema';
import { PushDataQuality1733000000000 } from './migrations/1733000000000-push-data-quality';

export const ENTITIES = [
  PartnerEntity, PolicyVersionEntity, DemandSignalEntity, CapacitySignalEntity, ShipmentEntity, ShipmentEventEntity,
  AuditEventEntity, AuditHeadEntity, IdempotencyKeyEntity, PushTallyEntity,
];
export const MIGRATIONS = [InitialSchema1732350000000, PushDataQuality1733000000000];

/** One place that turns settings into a TypeORM data source: SQLite by default, PostgreSQL with DATABASE_URL. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.DATABASE_URL) {
    return {
      ...common,
      type: 'postgres',
      url: config.DATABASE_URL,
      extra: {
        max: config.DB_POOL_MAX,
        connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30000,
        statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
        query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1000,
        application_name: 'partner-data-gateway',
      },
    };
  }
  mkdirSync(config.DATA_DIR, { recursive: true });
  return {
    ...common,
    type: 'better-sqlite3',
    database: join(config.DATA_DIR, 'gateway.sqlite'),
    enableWAL: true,
    prepareDatabase: (db: { pragma: (s: string) => unknown }) => {
      db.pragma(`busy_timeout = ${config.DB_STATEMENT_TIMEOUT_MS}`);
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
    },
  };
}
