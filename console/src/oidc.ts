import { InMemoryWebStorage, User, UserManager, WebStorageStateStore } from 'oidc-client-ts';
import { Role, Session } from './session';

/** What `GET /console/settings.json` says about the OpenID Connect issuer. */
export interface OidcSettings {
  issuer: string;
  clientId: string;
  scope: string;
  rolesClaim: string;
  partnerClaim: string;
}

/** Where the issuer sends the browser back to, in the sign-in window. */
export const CALLBACK_PATH = '/console/oidc-callback';

/** Where the issuer sends the browser back to after ending its session, in the sign-out window. */
export const SIGNED_OUT_PATH = '/console/oidc-signed-out';

const ROLES: Role[] = ['partner', 'governance', 'auditor', 'admin'];

/**
 * The authorization-code flow with PKCE (oidc-client-ts), in a sign-in window: the console page keeps
 * its memory while the window visits the issuer, so the PKCE verifier, the state and the tokens stay in
 * memory (InMemoryWebStorage), never in localStorage or sessionStorage.
 */
export function userManager(settings: OidcSettings): UserManager {
  return new UserManager({
    authority: settings.issuer,
    client_id: settings.clientId,
    redirect_uri: `${window.location.origin}${CALLBACK_PATH}`,
    popup_post_logout_redirect_uri: `${window.location.origin}${SIGNED_OUT_PATH}`,
    response_type: 'code',
    scope: settings.scope,
    userStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    stateStore: new WebStorageStateStore({ store: new InMemoryWebStorage() }),
    loadUserInfo: false,
    automaticSilentRenew: false,
    monitorSession: false,
    popupWindowFeatures: { width: 520, height: 720 },
  });
}

/** A claim by its name, or else by a dotted path (the gateway reads it the same way: OIDC_ROLES_CLAIM). */
function claimAt(payload: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let at: unknown = payload;
  for (const part of name.split('.')) {
    if (at === null || typeof at !== 'object' || Array.isArray(at)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

export class NotAJwtError extends Error {}

/**
 * The session from the issuer's answer. The access token is what the API is called with; its claims
 * say which pages to offer (the gateway decides what is allowed, from the same token).
 */
export function sessionFromUser(user: User, settings: OidcSettings, endSessionEndpoint: string | null): Session {
  const parts = user.access_token.split('.');
  let claims: Record<string, unknown>;
  try {
    if (parts.length !== 3) throw new Error('not three parts');
    claims = JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'))) as Record<string, unknown>;
  } catch {
    throw new NotAJwtError(`${settings.issuer} answered an access token that is not a JWT; configure it to issue JWT access tokens for this gateway.`);
  }
  const raw = claimAt(claims, settings.rolesClaim);
  const names = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(/[\s,]+/) : [];
  const roles = ROLES.filter((r) => names.includes(r));
  const partner = claimAt(claims, settings.partnerClaim);
  const sub = typeof claims.sub === 'string' ? claims.sub : (user.profile.sub ?? '');
  const partnerId = typeof partner === 'string' ? partner : null;
  return {
    token: user.access_token,
    label: partnerId ? `${sub} (${partnerId})` : sub,
    sub,
    roles,
    partnerId,
    expiresAt: user.expires_at ? new Date(user.expires_at * 1000).toISOString() : null,
    oidc: { settings, idToken: user.id_token ?? null, endSessionEndpoint },
  };
}

/** Signs in in the issuer's window; the issuer's session then outlives the console's tokens until signed out there. */
export async function signInWindow(settings: OidcSettings): Promise<Session> {
  const manager = userManager(settings);
  const user = await manager.signinPopup();
  // The discovery document is read by now: this does not go to the network.
  const endSessionEndpoint = (await manager.metadataService.getEndSessionEndpoint()) ?? null;
  return sessionFromUser(user, settings, endSessionEndpoint);
}

/**
 * Ends the session at the issuer (RP-initiated logout, its end_session_endpoint) in a sign-out window,
 * with the ID token as the hint of who signs out; the window comes back to SIGNED_OUT_PATH and closes.
 * Call it straight from the click: the window opens before anything is awaited, so pop-up blockers let
 * it through.
 */
export function endIssuerSession(signedIn: NonNullable<Session['oidc']>): Promise<void> {
  return userManager(signedIn.settings).signoutPopup(signedIn.idToken ? { id_token_hint: signedIn.idToken } : {});
}

async function configuredManager(): Promise<UserManager> {
  const res = await fetch('/console/settings.json', { headers: { Accept: 'application/json' } });
  const settings = (await res.json()) as { oidc: OidcSettings | null };
  if (!settings.oidc) throw new Error('OpenID Connect sign-in is not configured on this gateway.');
  return userManager(settings.oidc);
}

/** In the sign-in window, back from the issuer: hand the answer to the console page that opened it. */
export async function completeSignInWindow(): Promise<void> {
  await (await configuredManager()).signinPopupCallback();
}

/** In the sign-out window, back from the issuer: tell the console page that opened it, and close. */
export async function completeSignOutWindow(): Promise<void> {
  await (await configuredManager()).signoutPopupCallback();
}
