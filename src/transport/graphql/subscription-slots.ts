import { GatewayError } from '../../common/gateway-error';
import { Principal } from '../../auth/principal';

/**
 * Live subscriptions held at once: at most `perConnection` on one graphql-ws connection and
 * `perPartner` for one partner over all its connections to this replica. A slot is taken when a
 * subscription is accepted and given back when it completes, fails or its connection closes.
 */
export class SubscriptionSlots {
  private readonly byOwner = new Map<string, number>();

  constructor(
    private readonly perConnection: number,
    private readonly perPartner: number,
  ) {}

  /** Takes a slot for subscription `id` of the connection holding `held`; the refusal when none is free. */
  take(held: Set<string>, id: string, principal: Principal | null): GatewayError | null {
    if (held.has(id)) return null;
    if (held.size >= this.perConnection) return refusal('connection', this.perConnection);
    const owner = ownerOf(principal);
    const count = this.byOwner.get(owner) ?? 0;
    if (count >= this.perPartner) return refusal('partner', this.perPartner);
    this.byOwner.set(owner, count + 1);
    held.add(id);
    return null;
  }

  release(held: Set<string>, id: string, principal: Principal | null): void {
    if (!held.delete(id)) return;
    const owner = ownerOf(principal);
    const count = (this.byOwner.get(owner) ?? 1) - 1;
    if (count <= 0) this.byOwner.delete(owner);
    else this.byOwner.set(owner, count);
  }

  /** Subscriptions held by a partner (or, for other callers, by their subject) on this replica. */
  heldBy(principal: Principal | null): number {
    return this.byOwner.get(ownerOf(principal)) ?? 0;
  }
}

function ownerOf(principal: Principal | null): string {
  return principal?.partnerId ? `partner:${principal.partnerId}` : `sub:${principal?.sub ?? ''}`;
}

function refusal(scope: 'connection' | 'partner', limit: number): GatewayError {
  const detail =
    scope === 'connection'
      ? `A connection may hold ${limit} live subscriptions at once; complete one before starting another.`
      : `Your partner may hold ${limit} live subscriptions at once on this gateway; complete one before starting another.`;
  return new GatewayError(429, 'SUBSCRIPTION_LIMIT', 'Too many subscriptions', { detail, extra: { scope, limit } });
}
