import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChainedAuditEvent } from '../audit/audit-chain';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';

/** Benchmark only (ungoverned-module.ts, refused in production and off loopback): nothing is written to the audit log, on any route. */
@Injectable()
export class UngovernedAuditService extends AuditService implements OnModuleInit {
  onModuleInit(): void {
    new Logger('UngovernedBenchmark').warn('benchmark-only mode: no audit events on any route, no policy, quota or field rights on data lists and updates');
  }

  override commit(record: AuditRecord): Promise<void> {
    record.markCommitted();
    return Promise.resolve();
  }

  override record(): Promise<void> {
    return Promise.resolve();
  }

  override appendWithin(_manager: EntityManager): Promise<ChainedAuditEvent[]> {
    return Promise.resolve([]);
  }
}
