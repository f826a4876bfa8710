import { createContext, useContext } from 'react';
import type { ConsoleClient } from './api/client';
import type { OidcSettings } from './oidc';

export type Role = 'partner' | 'governance' | 'auditor' | 'admin';

/** Who is signed in. The token lives only here, in memory: a reload signs out. */
export interface Session {
  token: string;
  label: string;
  sub: string;
  roles: Role[];
  partnerId: string | null;
  expiresAt: string | null;
  /** Signed in at an OpenID Connect issuer: what "Sign out" needs to end the session there too. */
  oidc?: { settings: OidcSettings; idToken: string | null; endSessionEndpoint: string | null };
}

export interface SessionContextValue {
  session: Session;
  /** The gateway's typed client, with this session's token. */
  api: ConsoleClient;
  signOut: () => void;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside a signed-in console');
  return value;
}

export type PageId = 'partners' | 'policy' | 'access-matrix' | 'audit-log' | 'data-quality' | 'my-access';

/** Pages each role may use; the console requests nothing from the others. */
export function pagesFor(roles: Role[]): PageId[] {
  const pages: PageId[] = [];
  if (roles.includes('governance')) pages.push('partners', 'policy', 'access-matrix', 'data-quality');
  if (roles.includes('auditor')) pages.push('audit-log');
  if (roles.includes('partner')) pages.push('my-access');
  return pages;
}
