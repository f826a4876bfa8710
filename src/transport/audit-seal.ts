import type { Response } from 'express';
import { AuditRecord } from '../audit/audit-record';
import { AuditService } from '../audit/audit.service';

/** How a transport says what a refused answer was, and answers when its event cannot be written. */
export interface SealDialect {
  /** The code and message of a refusal that reached the answer without recording its failure. */
  refusal(status: number, chunk: unknown): { code: string; message: string };
  /** The 503 answer sent instead of `res`'s, when the event cannot be written. */
  unavailable(res: Response): { contentType: string; body: string };
}

/**
 * Headers a 503 keeps from the answer it replaces: the request id, the security headers, rate
 * limits, caching and CORS. Any other (a page link, a policy version, a replay marker) described the
 * withheld answer, and goes with it.
 */
const KEPT_ON_UNAVAILABLE =
  /^(x-request-id|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection|ratelimit|retry-after|vary|cache-control|access-control-)/;

/**
 * Holds a request's answer until its audit event is committed: the last write of the answer
 * (`res.end`) waits for the commit, whatever path produced it (a controller's return value, a
 * refusal from a guard, a parser or Apollo). Steps that commit earlier (a write with its data, a
 * refusal's problem document, an export before its first byte) find the record committed and pass,
 * as does the 503 of a step whose commit failed (it is not tried twice). If the event cannot be
 * written, the answer becomes a 503 and no data leaves. One check and one call per answer; a
 * framework interceptor did this before at several times the cost per request (docs/benchmarks.md,
 * "Levers").
 */
export function sealAnswer(audit: AuditService, record: AuditRecord, res: Response, dialect: SealDialect): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  let waiting = false;
  res.end = ((...args: unknown[]) => {
    if (record.committed || record.commitFailed) return end(...args);
    // The answer is already held for its commit; a second end could only write after it.
    if (waiting) return res;
    waiting = true;
    const status = res.statusCode;
    if (status >= 400 && record.failureStatus === null) {
      const refusal = dialect.refusal(status, args[0]);
      record.fail(status, refusal.code, refusal.message);
    }
    audit
      .commit(record, status)
      .then(
        () => end(...args),
        () => {
          // Part of the answer is already on the wire: cut it, so the client sees it broke.
          if (res.headersSent) return res.destroy();
          const answer = dialect.unavailable(res);
          for (const name of res.getHeaderNames()) if (!KEPT_ON_UNAVAILABLE.test(name)) res.removeHeader(name);
          res.statusCode = 503;
          res.setHeader('Content-Type', answer.contentType);
          return end(answer.body);
        },
      )
      .catch(() => res.destroy());
    return res;
  }) as Response['end'];
}
