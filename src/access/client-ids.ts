import { Principal } from '../auth/principal';
import { GatewayError } from '../common/gateway-error';

const NAME = /^[A-Za-z0-9_-]+$/;

/**
 * Ids are global, so a create that collides with a row the caller cannot see would reveal that
 * the row exists (409 where a free id gets 201). A partner therefore chooses ids only in its own
 * namespace, `<partnerId>.<name>` with no "." in the name (so one partner's namespace never
 * overlaps another's, even where partner ids contain "."); only that partner creates such ids.
 * Any other id it chooses is refused, taken or free alike. Admins see every row: their ids are
 * not constrained. docs/security.md, "Existence and simulation oracles".
 */
export function mayChooseId(principal: Principal, id: string): boolean {
  const partnerId = principal.roles.includes('partner') ? principal.partnerId : undefined;
  if (!partnerId) return true;
  const prefix = `${partnerId}.`;
  return id.startsWith(prefix) && NAME.test(id.slice(prefix.length));
}

/** Refuses a create body's `id` the caller may not choose (400, the same for every such id). */
export function assertChosenId(principal: Principal, id: unknown): void {
  if (id === undefined || id === null) return;
  if (typeof id === 'string' && mayChooseId(principal, id)) return;
  throw GatewayError.validation([
    `id: a partner chooses ids only as '${principal.partnerId}.<name>' (name of letters, digits, "_" or "-"); leave id out to have one generated`,
  ]);
}
