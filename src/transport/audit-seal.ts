import type { Response } from 'express';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';

/** How a transport says what a refused answer was, and answers when its event cannot be written. */
export interface SealDialect {
  /** The code and message of a refusal that reached the answer without recording its failure. */
  refusal(status: number, chunk: unknown): { code: string; message: string };
  /** The 503 answer sent instead, when the event cannot be written. */
  unavailable(): { contentType: string; body: string };
}

/**
 * Holds a request's answer until its audit event is committed: the last write of the answer
 * (`res.end`) waits for the commit, whatever path produced it (a controller's return value, a
 * streamed export, a refusal from a guard, a parser or Apollo). Steps that commit earlier (a write
 * with its data, a refusal's problem document, an export before its first byte) find the record
 * committed and pass. If the event cannot be written, the answer becomes a 503 and no data leaves.
 * One check and one call per answer; a framework interceptor did this before at several times the
 * cost per request (docs/benchmarks.md, "Levers").
 */
export function sealAnswer(audit: AuditService, record: AuditRecord, res: Response, dialect: SealDialect): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let waiting = false;
  res.end = ((...args: unknown[]) => {
    if (record.committed) return end(...args);
    // The answer is already held for its commit; a second end could only write after it.
    if (waiting) return res;
    waiting = true;
    const status = res.statusCode;
    if (status >= 400 && record.failureStatus === null) {
      const refusal = dialect.refusal(status, args[0]);
      record.fail(status, refusal.code, refusal.message);
    }
    audit.commit(record, status).then(
      () => end(...args),
      () => {
        if (res.headersSent) return end();
        const answer = dialect.unavailable();
        res.statusCode = 503;
        for (const header of ['Content-Length', 'ETag', 'Content-Disposition']) res.removeHeader(header);
        res.setHeader('Content-Type', answer.contentType);
        return end(answer.body);
      },
    );
    return res;
  }) as Response['end'];
}
