import { Alert, Button, Container, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { FormEvent, useState } from 'react';
import { Api, ApiError } from '../api/client';
import { ErrorState, Loading } from '../components/ErrorState';
import { Role, Session } from '../session';

interface Settings {
  signIn: 'oidc' | 'demo' | 'none';
  oidc: { issuer: string; clientId: string } | null;
  demoIdentities: { id: string; label: string; roles: Role[]; partnerId: string | null }[];
}

interface DemoToken {
  data: { token: string; expiresAt: string; identity: { label: string; sub: string; roles: Role[]; partnerId: string | null } };
}

const anonymous = new Api(null);

export function SignInPage({ onSignedIn, notice }: { onSignedIn: (s: Session) => void; notice: string | null }) {
  const settings = useQuery({ queryKey: ['console-settings'], queryFn: () => anonymous.get<Settings>('/console/settings.json') });
  return (
    <Container size="sm" py="xl">
      <main>
        {notice ? <Alert color="yellow" title="Signed out" mb="md" role="alert">{notice}</Alert> : null}
        {settings.isPending ? <Loading what="sign-in options" /> : null}
        {settings.isError ? <ErrorState error={settings.error} onRetry={() => void settings.refetch()} /> : null}
        {settings.data?.signIn === 'demo' ? <DemoSignIn identities={settings.data.demoIdentities} onSignedIn={onSignedIn} /> : null}
        {settings.data && settings.data.signIn !== 'demo' ? <TokenSignIn oidc={settings.data.oidc} onSignedIn={onSignedIn} /> : null}
      </main>
    </Container>
  );
}

function DemoSignIn({ identities, onSignedIn }: { identities: Settings['demoIdentities']; onSignedIn: (s: Session) => void }) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const signIn = async (id: string) => {
    setBusy(id);
    setError(null);
    try {
      const { data } = await anonymous.post<DemoToken>('/console/demo-token', { identity: id });
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

/** Without demo sign-in: a bearer token from the organisation's identity provider, pasted in. */
function TokenSignIn({ oidc, onSignedIn }: { oidc: Settings['oidc']; onSignedIn: (s: Session) => void }) {
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
      {oidc ? <Text size="sm">Single sign-on with {oidc.issuer} is configured for this gateway. Until the console offers it, paste a token that issuer gave you.</Text> : null}
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
