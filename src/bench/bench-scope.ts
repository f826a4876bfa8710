import { Inject, Injectable } from '@nestjs/common';
import { planFor } from '../access/policy-queries';
import { AppConfig } from '../config/app-config';
import { DatabaseService } from '../database/database.service';
import { PolicyService } from '../policy/policy.service';

/** The benchmark partner's row scope and fields, computed once, so the ungoverned route runs the governed route's SQL. */
@Injectable()
export class BenchScope {
  private cached: { sql: string; params: Record<string, unknown>; fields: string[] } | null = null;

  constructor(private readonly policies: PolicyService, private readonly db: DatabaseService, @Inject(AppConfig) private readonly config: AppConfig) {}

  async demandScope() {
    if (!this.cached) {
      const { policy } = await this.policies.accessFor('supplier-northwind', 'replenishment-planning');
      const plan = planFor(policy, 'read', 'DemandSignal', this.db.dialect);
      this.cached = { sql: plan.rowScope!.sql, params: plan.rowScope!.params, fields: plan.grantable };
    }
    return this.cached;
  }
}
