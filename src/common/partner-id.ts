import { GatewayError } from './gateway-error';

/** A partner id, and any id a partner names (policies, agreements, records): letters, digits, ".", "_" or "-", at most 64. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** 400 VALIDATION for a `:partnerId` that no partner can have. */
export function assertPartnerId(partnerId: string): void {
  if (!ID_PATTERN.test(partnerId)) throw GatewayError.validation(['partnerId must be letters, digits, ".", "_" or "-" (at most 64)']);
}
