import { SignJWT } from 'jose';
import { SigningKey } from '../auth/key-store';
import { Role } from '../auth/principal';

export interface DemoIdentity {
  /** What the console sends back to ask for this identity's token. */
  id: string;
  /** The button's name on the sign-in page: role, and partner where there is one. */
  label: string;
  sub: string;
  roles: Role[];
  partnerId?: string;
}

/** The identities of the embedded demo: officers, an auditor and one per demo partner (policies/*.yaml). */
export const DEMO_IDENTITIES: readonly DemoIdentity[] = [
  { id: 'officer', label: 'Governance officer', sub: 'demo-officer-1', roles: ['governance'] },
  { id: 'officer-2', label: 'Second governance officer', sub: 'demo-officer-2', roles: ['governance'] },
  { id: 'auditor', label: 'Auditor', sub: 'demo-auditor', roles: ['auditor'] },
  { id: 'supplier-northwind', label: 'Northwind (supplier)', sub: 'demo-northwind-user', roles: ['partner'], partnerId: 'supplier-northwind' },
  { id: 'supplier-acme', label: 'Acme (supplier)', sub: 'demo-acme-user', roles: ['partner'], partnerId: 'supplier-acme' },
  { id: 'carrier-swiftlog', label: 'Swiftlog (carrier)', sub: 'demo-swiftlog-user', roles: ['partner'], partnerId: 'carrier-swiftlog' },
  { id: 'carrier-northstar', label: 'Northstar (carrier)', sub: 'demo-northstar-user', roles: ['partner'], partnerId: 'carrier-northstar' },
  { id: 'customer-globex', label: 'Globex (customer)', sub: 'demo-globex-user', roles: ['partner'], partnerId: 'customer-globex' },
];

/** Demo tokens live at most this long: the console asks again when one runs out. */
export const DEMO_TOKEN_TTL_S = 15 * 60;

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}|localhost)$/i;

/** The name in a Host header, without its port (`[::1]:3000` is `::1`). */
function hostName(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(host);
  if (bracketed) return bracketed[1];
  return /^[^:]+(?::\d+)?$/.test(host) ? host.replace(/:\d+$/, '') : undefined;
}

export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && LOOPBACK.test(address);
}

export interface DemoSignInSettings {
  production: boolean;
  host: string;
  oidcIssuer?: string;
  jwksUrl?: string;
}

/**
 * Demo sign-in is open only outside production, with the embedded key (no OIDC issuer, no remote
 * JWKS), and only to a caller on this machine: the gateway listens on loopback, or it listens on
 * every address (the default HOST) and the caller connected from a loopback address; and in both
 * cases the request names a loopback host (localhost, 127.0.0.1, [::1]).
 */
export function demoSignInOpen(settings: DemoSignInSettings, remoteAddress: string | undefined, requestHost: string | undefined): boolean {
  if (settings.production || settings.oidcIssuer || settings.jwksUrl) return false;
  // A page from elsewhere whose name a rebinding DNS answer points at 127.0.0.1 connects from
  // loopback too; its requests carry that name in Host. Only a loopback name is this machine.
  if (!isLoopback(hostName(requestHost))) return false;
  if (isLoopback(settings.host)) return true;
  const wildcard = settings.host === '0.0.0.0' || settings.host === '::';
  return wildcard && isLoopback(remoteAddress);
}

export async function signDemoToken(identity: DemoIdentity, key: SigningKey, issuer: string, audience: string): Promise<{ token: string; expiresAt: string }> {
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { roles: identity.roles };
  if (identity.partnerId) claims.partner_id = identity.partnerId;
  const token = await new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setSubject(identity.sub)
    .setIssuer(issuer)
    .setAudience(audience)
    .setIssuedAt(now)
    .setExpirationTime(now + DEMO_TOKEN_TTL_S)
    .sign(key.privateKey);
  return { token, expiresAt: new Date((now + DEMO_TOKEN_TTL_S) * 1000).toISOString() };
}
