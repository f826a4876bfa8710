import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { ChainedAuditEvent } from '../audit/audit-chain';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';

/** Benchmark only (BENCH_UNGOVERNED=true, refused in production): nothing is written to the audit log. */
@Injectable()
export class UngovernedAuditService extends AuditService {
  override async commit(record: AuditRecord): Promise<void> {
    record.committed = true;
  }

  override record(): Promise<void> {
    return Promise.resolve();
  }

  override async appendWithin(_manager: EntityManager): Promise<ChainedAuditEvent[]> {
    return [];
  }
}
