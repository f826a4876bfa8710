import { AuditRecord } from '../audit/audit-record';
import { Principal } from '../auth/principal';
import { GatewayError } from '../common/gateway-error';
import { PolicyInForce } from '../policy/policy.service';

/**
 * Who asks, for which purpose, and their request's audit record: the governed services return
 * their summaries rather than fill it; a write builds its event from it inside its transaction.
 */
export interface Caller {
  principal: Principal;
  purpose: string | null;
  audit: AuditRecord;
  idempotencyKey?: string;
  /** The partner's policy in force when already looked up for this request (by the rate limit). */
  policyInForce?: PolicyInForce;
  /** The version last seen in force on this replica; only a read may use it, checking it in its own query. */
  policyLastSeen?: PolicyInForce;
}

const PURPOSE = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The purpose of a request: the X-Purpose header or the token's claim; both and different is an error. */
export function purposeOf(header: string | string[] | undefined, principal: Principal): string | null {
  const fromHeader = Array.isArray(header) ? header[0] : header;
  if (fromHeader !== undefined && fromHeader !== '' && !PURPOSE.test(fromHeader)) {
    throw GatewayError.validation(['X-Purpose must be lower-case letters, digits, ".", "_" or "-" (at most 64)']);
  }
  const claim = principal.purpose;
  if (fromHeader && claim && fromHeader !== claim) {
    throw new GatewayError(400, 'PURPOSE_CONFLICT', 'Purpose conflict', {
      detail: `The X-Purpose header ('${fromHeader}') and the token's purpose claim ('${claim}') differ.`,
    });
  }
  return fromHeader || claim || null;
}
