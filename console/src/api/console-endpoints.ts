/**
 * The two requests made before anyone is signed in go to the console's own endpoints, served beside
 * it and outside the public API (so not in the OpenAPI document): how to sign in, and a demo
 * identity's token. Everything after sign-in goes through the typed client (./client.ts).
 */
import type { OidcSettings } from '../oidc';
import type { Role } from '../session';
import { connectionLost, refusal } from './client';

/** `GET /console/settings.json`. */
export interface ConsoleSettings {
  signIn: 'oidc' | 'demo' | 'none';
  oidc: OidcSettings | null;
  demoIdentities: { id: string; label: string; roles: Role[]; partnerId: string | null }[];
}

/** `POST /console/demo-token`. */
export interface DemoToken {
  data: { token: string; expiresAt: string; identity: { label: string; sub: string; roles: Role[]; partnerId: string | null } };
}

export function readConsoleSettings(): Promise<ConsoleSettings> {
  return send<ConsoleSettings>('GET', '/console/settings.json');
}

export function requestDemoToken(identity: string): Promise<DemoToken> {
  return send<DemoToken>('POST', '/console/demo-token', { identity });
}

async function send<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: 'application/json, application/problem+json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: 'no-store',
    });
  } catch {
    throw connectionLost();
  }
  const answer: unknown = await res.json().catch(() => undefined);
  if (!res.ok) throw refusal(res, answer);
  return answer as T;
}
