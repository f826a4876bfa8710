import type { IncomingHttpHeaders } from 'node:http';
import { Principal } from '../auth/principal';
import { summaryOf } from './access-summary';
import { AuditRecord } from './audit-record';

/** Route parameters and GraphQL arguments (or their `input`, as an upsert's id) that name the record a request addresses. */
const ADDRESSING = ['id', 'shipmentId', 'partnerId'] as const;

/**
 * The purpose a request declared (the X-Purpose header, else the token's claim), as written, even
 * when it is malformed, conflicting or unknown to the policy: the audit says what was asked for.
 */
export function declaredPurpose(headers: IncomingHttpHeaders, principal: Principal | null): string | null {
  const header = headers['x-purpose'];
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (typeof fromHeader === 'string' && fromHeader !== '') return fromHeader;
  return principal?.purpose || null;
}

/**
 * Completes the audit record of a refused request with what it addressed and declared, which the
 * enforcement path had no chance to note when the refusal came first (a body that fails
 * validation, a rate limit, a record outside the caller's scope): the record ids named by the
 * route or the operation's arguments, and the declared purpose.
 */
export function noteRefusedRequest(record: AuditRecord, addressed: Record<string, unknown> | undefined, headers: IncomingHttpHeaders): void {
  const input = addressed?.input;
  const resourceIds: string[] = [];
  for (const source of [addressed, input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : undefined]) {
    for (const name of ADDRESSING) {
      const value = source?.[name];
      if (typeof value === 'string' && value !== '') resourceIds.push(value);
    }
  }
  record.add(summaryOf({ resourceIds, ...(record.purpose === null ? { purpose: declaredPurpose(headers, record.principal) } : {}) }));
}
