import { Injectable } from '@nestjs/common';
import { touchChainHead } from '../audit/audit-events.table';
import { DatabaseService } from '../database/database.service';

const REUSE_MS = 1000;
const TIMEOUT_MS = 1500;

/**
 * Readiness asks whether the audit log can be written, not only read: a committed no-op update of
 * the chain head takes the write path an append takes (a read-only, full or locked store fails).
 * /health/ready is public, so one probe runs at a time and its answer is reused for a second: a
 * flood of readiness calls costs the audit log at most one write a second while it is writable.
 */
@Injectable()
export class AuditWritableProbe {
  private writableAt: number | null = null;
  private running: Promise<string | null> | null = null;

  constructor(private readonly db: DatabaseService) {}

  /** Null when writable, else why not. */
  problem(): Promise<string | null> {
    if (this.writableAt !== null && Date.now() - this.writableAt < REUSE_MS) return Promise.resolve(null);
    this.running ??= this.probe().then((problem) => {
      // Only "writable" is reused: after a failure every call probes again (one at a time), so
      // readiness comes back as soon as the store does.
      this.writableAt = problem === null ? Date.now() : null;
      this.running = null;
      return problem;
    });
    return this.running;
  }

  private async probe(): Promise<string | null> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<string>((resolve) => {
      timer = setTimeout(() => resolve(`no answer within ${TIMEOUT_MS} ms`), TIMEOUT_MS);
    });
    try {
      return await Promise.race([this.write(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async write(): Promise<string | null> {
    try {
      // On PostgreSQL an append in progress holds the head's lock: the probe waits 200 ms at most.
      await this.db.transaction((m) => touchChainHead(m));
      return null;
    } catch (e) {
      if ((e as { code?: string }).code === '55P03') return null; // lock_not_available: the head is being written
      return (e as Error).message;
    }
  }
}
