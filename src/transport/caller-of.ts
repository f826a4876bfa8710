import { Caller, purposeOf } from '../access/caller';
import { GatewayError } from '../common/gateway-error';
import { GatewayRequest } from './gateway-request';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The caller of the governed services for a request that passed authentication, the same for REST,
 * GraphQL and the partner's own views: principal, purpose (header or claim), the request's audit
 * record, a validated Idempotency-Key and the policy already looked up for it.
 */
export function callerOf(req: GatewayRequest): Caller {
  const gateway = req.gateway!;
  const principal = gateway.principal!;
  const key = req.headers['idempotency-key'];
  if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
    throw GatewayError.validation(['Idempotency-Key must be 1 to 200 visible ASCII characters']);
  }
  return {
    principal,
    purpose: purposeOf(req.headers['x-purpose'], principal),
    audit: gateway.audit,
    idempotencyKey: key,
    policyInForce: gateway.policyInForce,
    policyLastSeen: gateway.policyLastSeen,
  };
}
