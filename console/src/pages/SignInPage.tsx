import { Alert, Button, Container, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { ApiError } from '../api/client';
import { ConsoleSettings, readConsoleSettings, requestDemoToken } from '../api/console-endpoints';
import { ErrorState, Loading } from '../components/ErrorState';
import { OidcSettings, signInWindow } from '../oidc';
import { Role, Session } from '../session';

/** Why the sign-in page shows: signed out, or the sign-in expired. */
export interface SignInNotice {
  tone: 'info' | 'warning';
  text: string;
}

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: SignInNotice | null }) {
  const settings = useQuery({ queryKey: ['console-settings'], queryFn: readConsoleSettings });
  return (
    <Container size="sm" py="xl">
      <main>
        {notice ? <Alert color={notice.tone === 'warning' ? 'yellow' : 'blue'} title="Signed out" mb="md" role={notice.tone === 'warning' ? 'alert' : 'status'}>{notice.text}</Alert> : null}
        {settings.isPending ? <Loading what="sign-in options" /> : null}
        {settings.isError ? <ErrorState error={settings.error} onRetry={() => void settings.refetch()} /> : null}
        {settings.data?.signIn === 'demo' ? <DemoSignIn identities={settings.data.demoIdentities} onSignedIn={onSignedIn} /> : null}
        {settings.data?.signIn === 'oidc' && settings.data.oidc ? <OidcSignIn oidc={settings.data.oidc} onSignedIn={onSignedIn} /> : null}
        {settings.data?.signIn === 'none' ? <TokenSignIn onSignedIn={onSignedIn} /> : null}
      </main>
    </Container>
  );
}

function DemoSignIn({ identities, onSignedIn }: { identities: ConsoleSettings['demoIdentities']; onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const signIn = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      const { data } = await requestDemoToken(id);
      onSignedIn({ token: data.token, label: data.identity.label, sub: data.identity.sub, roles: data.identity.roles, partnerId: data.identity.partnerId, expiresAt: data.expiresAt });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };
  return (
    <Stack>
      <Title order={1}>Sign in as a demo identity</Title>
      <Text size="sm">This gateway runs with its embedded demo key on this machine. Pick who you want to be; the token lasts 15 minutes and is kept in this page only.</Text>
      {error ? <ErrorState error={error} /> : null}
      <Paper withBorder p="md">
        <Stack gap="xs">
          {identities.map((i) => (
            <Button key={i.id} variant="light" loading={busy === i.id} onClick={() => void signIn(i.id)}>{i.label}</Button>
          ))}
        </Stack>
      </Paper>
    </Stack>
  );
}

/** OpenID Connect: the issuer's sign-in opens in its own window; the tokens come back to this page's memory. */
function OidcSignIn({ oidc, onSignedIn }: { oidc: OidcSettings; onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const issuerName = new URL(oidc.issuer).host;
  const signIn = async () => {
    setBusy(true);
    setError(null);
    try {
      const session = await signInWindow(oidc);
      if (session.roles.length === 0) throw new Error(`Your account at ${issuerName} carries no gateway role (claim ${oidc.rolesClaim}). Ask an administrator for the governance, auditor or partner role.`);
      onSignedIn(session);
    } catch (e) {
      const message = (e as Error).message ?? String(e);
      setError(/closed|blocked/i.test(message) ? new Error(`The sign-in window was closed or blocked before sign-in finished (${message}). Allow pop-ups for this page and try again.`) : e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Stack>
      <Title order={1}>Sign in</Title>
      <Text size="sm">
        This gateway signs you in with {oidc.issuer}. Its sign-in opens in a new window; your token is then kept in this page only and forgotten when you reload or sign out.
      </Text>
      {error ? <ErrorState error={error} onRetry={() => void signIn()} /> : null}
      <Button onClick={() => void signIn()} loading={busy}>Sign in with {issuerName}</Button>
    </Stack>
  );
}

/** Without demo sign-in or OpenID Connect: a bearer token from the organisation's identity provider, pasted in. */
function TokenSignIn({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<unknown>(null);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const claims = decodeClaims(token.trim());
    if (!claims) {
      setError(new ApiError({ status: 400, code: 'BAD_TOKEN', title: 'Not a token', detail: 'That is not a JWT (three base64url parts separated by dots).' }));
      return;
    }
    onSignedIn({
      token: token.trim(), label: claims.partner_id ? `${claims.sub} (${claims.partner_id})` : claims.sub ?? 'token', sub: claims.sub ?? '',
      roles: claims.roles ?? [], partnerId: claims.partner_id ?? null, expiresAt: claims.exp ? new Date(claims.exp * 1000).toISOString() : null,
    });
  };
  return (
    <Stack>
      <Title order={1}>Sign in</Title>
      <Text size="sm">Paste a bearer token for this gateway. It is kept in this page only and forgotten when you reload or sign out.</Text>
      {error ? <ErrorState error={error} /> : null}
      <form onSubmit={(e) => void submit(e)}>
        <Stack>
          <PasswordInput label="Bearer token" value={token} onChange={(e) => setToken(e.currentTarget.value)} required />
          <Button type="submit">Sign in with token</Button>
        </Stack>
      </form>
    </Stack>
  );
}

function decodeClaims(token: string): { sub?: string; roles?: Role[]; partner_id?: string; exp?: number } | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    return JSON.parse(atob(parts[1].replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: string; roles?: Role[]; partner_id?: string; exp?: number };
  } catch {
    return null;
  }
}
