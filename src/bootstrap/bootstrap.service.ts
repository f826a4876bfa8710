import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { seedDemoData } from './seed-demo';
import { seedDemoAgreements } from '../demo/demo-agreements';
import { readPolicyDocuments } from '../policy/policy-files';
import { PolicyService } from '../policy/policy.service';
import { DatabaseService } from '../database/database.service';

const BOOTSTRAP_LOCK = 7_274_720;

/** Brings an empty store to life: schema (migrations), partner policies from policies/, demo data. */
@Injectable()
export class BootstrapService implements OnModuleInit {
  private readonly logger = new Logger(BootstrapService.name);

  constructor(
    private readonly db: DatabaseService,
    private readonly policies: PolicyService,
    @Inject(AppConfig) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    // Replicas starting together take turns: one migrates and seeds, the others then find it done.
    if (this.db.dialect !== 'postgres') return this.prepare();
    const runner = this.db.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SELECT pg_advisory_lock($1)', [BOOTSTRAP_LOCK]);
      await this.prepare();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [BOOTSTRAP_LOCK]).catch(() => undefined);
      await runner.release();
    }
  }

  private async prepare(): Promise<void> {
    if (this.config.DB_MIGRATE_ON_START) {
      const ran = await this.db.dataSource.runMigrations({ transaction: 'each' });
      if (ran.length > 0) this.logger.log(`ran ${ran.length} migration(s)`);
    }
    await this.policies.seedFromDocuments(readPolicyDocuments(this.config.POLICIES_DIR));
    if (this.config.SEED_DEMO) {
      const seeded = await this.db.transaction((m) => seedDemoData(m));
      if (seeded) this.logger.log('loaded the demo data set');
      const agreements = await this.db.transaction((m) => seedDemoAgreements(m));
      if (agreements > 0) this.logger.log(`loaded ${agreements} demo agreements`);
    }
  }
}
