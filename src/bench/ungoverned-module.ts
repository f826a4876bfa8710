import { CanActivate } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { GovernedDataService } from '../access/governed-data.service';
import { GovernedWriteService } from '../access/governed-write.service';
import { AppModule } from '../app.module';
import { AuditService } from '../audit/audit.service';
import { AppConfig, validateConfig } from '../config/app-config';
import { PartnerRateLimitGuard } from '../transport/guards/partner-rate-limit.guard';
import { UngovernedAuditService } from './ungoverned-audit.service';
import { UngovernedDataService, UngovernedWriteService } from './ungoverned-data.service';

const LOOPBACK = ['127.0.0.1', '::1', 'localhost'];

/** The benchmark-only gateway serves nothing in production and nothing off loopback. */
export function refuseOutsideBenchmark(config: AppConfig): void {
  const problems: string[] = [];
  if (config.isProduction) problems.push('refused when NODE_ENV=production');
  if (!LOOPBACK.includes(config.HOST)) problems.push(`listens on loopback only; set HOST=127.0.0.1 (got ${JSON.stringify(config.HOST)})`);
  if (problems.length > 0) throw new Error(`ungoverned benchmark gateway: ${problems.join('; ')}`);
}

const noQuota: CanActivate = { canActivate: () => true };

/**
 * The production gateway (AppModule, its settings from the environment and `overrides`) with
 * governance taken out of the data path, for `npm run bench` to price it: no audit events, no
 * quota, and lists and updates served by UngovernedDataService and UngovernedWriteService.
 */
export async function compileUngoverned(overrides: Record<string, string | undefined> = {}): Promise<TestingModule> {
  // Judged before anything else is checked or opened (serving: false leaves out production's other demands).
  refuseOutsideBenchmark(validateConfig({ ...process.env, ...overrides }, { serving: false }));
  return Test.createTestingModule({ imports: [AppModule.register(overrides)] })
    .overrideProvider(AuditService)
    .useClass(UngovernedAuditService)
    .overrideProvider(GovernedDataService)
    .useClass(UngovernedDataService)
    .overrideProvider(GovernedWriteService)
    .useClass(UngovernedWriteService)
    .overrideProvider(PartnerRateLimitGuard)
    .useValue(noQuota)
    .compile();
}
