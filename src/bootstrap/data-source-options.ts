import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Client, ClientConfig } from 'pg';
import { DataSourceOptions } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { migrationClasses } from '../database/migration-classes';
import { AuditEventEntity } from '../audit/audit-event.entity';
import { AuditHeadEntity } from '../audit/audit-head.entity';
import { CapacitySignalEntity, DemandSignalEntity, ShipmentEntity, ShipmentEventEntity } from '../data/entities';
import { IdempotencyKeyEntity } from '../idempotency/idempotency-key.entity';
import { PartnerEntity } from '../policy/partner.entity';
import { PolicyDecisionEntity } from '../policy/policy-decision.entity';
import { PolicyVersionEntity } from '../policy/policy-version.entity';
import { PushTallyEntity } from '../logistics/push-tally.entity';
import { WebhookDeliveryEntity } from '../webhooks/webhook-delivery.entity';
import { WebhookEndpointEntity } from '../webhooks/webhook-endpoint.entity';
import { AgreementEntity } from '../agreements/agreement.entity';
import { PolicyShadowEntity } from '../shadow/policy-shadow.entity';
import { ShadowTallyEntity } from '../shadow/shadow-tally.entity';

export const ENTITIES = [
  PartnerEntity,
  PolicyVersionEntity,
  DemandSignalEntity,
  CapacitySignalEntity,
  ShipmentEntity,
  ShipmentEventEntity,
  AuditEventEntity,
  AuditHeadEntity,
  IdempotencyKeyEntity,
  PushTallyEntity,
  PolicyDecisionEntity,
  WebhookEndpointEntity,
  WebhookDeliveryEntity,
  AgreementEntity,
  PolicyShadowEntity,
  ShadowTallyEntity,
];
/** The schema's history, discovered from src/database/migrations (see migration-classes.ts). */
export const MIGRATIONS = migrationClasses();

/**
 * A pg client that gives up its connection when a statement gets no answer in time (`query_timeout`).
 * pg alone fails the statement but keeps the connection, which the pool then hands to the next
 * request: a connection whose network hangs (paused, blackholed) makes every later request on it
 * wait out the timeout again, and one whose answer arrives late may hold a transaction (and its
 * locks) open on the server. Closing it removes it from the pool, and the server rolls back.
 */
export class DiscardOnTimeoutClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    // A session ended by the server (failover, pg_terminate_backend, a pooler or an idle reaper) is
    // reported as an 'error' event; pg-pool and TypeORM listen only at some moments of a client's
    // life (idle, checked out by a query runner), and an event nobody listens to ends the process.
    // This listener is there from creation to the end: the failed statement still fails (503), and
    // the pool drops the client when it comes back.
    this.on('error', (error: Error) => connectionErrors.lost(error));
  }

  // pg's query() has many overloads (promise, callback, submittable); all go through here unchanged.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each overload's own result type passes through
  override query(...args: unknown[]): any {
    const last = args[args.length - 1];
    if (typeof last === 'function') {
      args[args.length - 1] = (error: unknown, result: unknown) => {
        this.discardAfter(error);
        (last as (e: unknown, r: unknown) => void)(error, result);
      };
    }
    const result = (super.query as (...a: unknown[]) => unknown).apply(this, args);
    if (result instanceof Promise) result.catch((error: unknown) => this.discardAfter(error));
    return result;
  }

  private discardAfter(error: unknown): void {
    if ((error as Error | undefined)?.message === 'Query read timeout') this.connection.stream.destroy();
  }
}

/** Connection losses are logged once a second at most: a failover ends every pooled session at once. */
const connectionErrors = {
  logger: new Logger('Database'),
  loggedAt: 0,
  suppressed: 0,
  lost(error: Error): void {
    const now = Date.now();
    if (now - this.loggedAt < 1000) {
      this.suppressed++;
      return;
    }
    const more = this.suppressed ? ` (and ${this.suppressed} more since the last report)` : '';
    this.loggedAt = now;
    this.suppressed = 0;
    this.logger.warn(`database connection lost: ${error.message}${more}`);
  },
};

/** One place that turns settings into a TypeORM data source: SQLite by default, PostgreSQL with DATABASE_URL. */
export function dataSourceOptions(config: AppConfig): DataSourceOptions {
  const common = { entities: ENTITIES, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.DATABASE_URL) {
    return {
      ...common,
      type: 'postgres',
      url: config.DATABASE_URL,
      poolErrorHandler: (error: Error) => connectionErrors.lost(error),
      extra: {
        Client: DiscardOnTimeoutClient,
        max: config.DB_POOL_MAX,
        connectionTimeoutMillis: config.DB_CONNECT_TIMEOUT_MS,
        idleTimeoutMillis: 30000,
        // Hot reads run as named (prepared) statements, kept per connection (database/named-sql.ts):
        // replacing a connection now and then bounds how many each one holds.
        maxUses: 50_000,
        statement_timeout: config.DB_STATEMENT_TIMEOUT_MS,
        query_timeout: config.DB_STATEMENT_TIMEOUT_MS + 1000,
        idle_in_transaction_session_timeout: config.DB_IDLE_IN_TRANSACTION_TIMEOUT_MS,
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
