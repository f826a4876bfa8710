import { AppShell, Burger, Button, Group, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useCallback, useMemo, useRef, useState } from 'react';
import { gatewayClient } from './api/client';
import { AccessMatrixPage } from './pages/AccessMatrixPage';
import { AuditEventPage } from './pages/AuditEventPage';
import { AgreementsPage } from './pages/AgreementsPage';
import { AuditLogPage } from './pages/AuditLogPage';
import { DataQualityPage } from './pages/DataQualityPage';
import { MyAccessPage } from './pages/MyAccessPage';
import { PartnersPage } from './pages/PartnersPage';
import { PolicyPage } from './pages/PolicyPage';
import { SignInNotice, SignInPage } from './pages/SignInPage';
import { endIssuerSession } from './oidc';
import { href, navigate, usePath } from './router';
import { PageId, pagesFor, Session, SessionContext } from './session';

/** The session's pages, and the agreements page for governance officers. */
type ConsolePage = PageId | 'agreements';
function consolePages(roles: Session['roles']): ConsolePage[] {
  const pages: ConsolePage[] = pagesFor(roles);
  return roles.includes('governance') ? [...pages, 'agreements'] : pages;
}

const PAGES: Record<ConsolePage, { label: string; path: string }> = {
  partners: { label: 'Partners', path: '/partners' },
  policy: { label: 'Policy', path: '/policy' },
  'access-matrix': { label: 'Access matrix', path: '/access-matrix' },
  'data-quality': { label: 'Data quality', path: '/data-quality' },
  'audit-log': { label: 'Audit log', path: '/audit-log' },
  'my-access': { label: 'My access', path: '/my-access' },
  agreements: { label: 'Agreements', path: '/agreements' },
};

export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const [ended, setEnded] = useState<SignInNotice | null>(null);
  // Which sign-out a late answer from the issuer's window belongs to; a newer sign-in or sign-out wins.
  const turn = useRef(0);
  // Answers cached for one identity are never shown to the next one signing in on this tab.
  const queries = useQueryClient();
  const signOut = useCallback(() => {
    const signedIn = session?.oidc;
    const mine = ++turn.current;
    queries.clear();
    setSession(null);
    setEnded(signedIn ? issuerSignOut(signedIn, (notice) => { if (turn.current === mine) setEnded(notice); }) : null);
  }, [session, queries]);
  const expired = useCallback(() => {
    setEnded({ tone: 'warning', text: 'Your sign-in expired or is no longer valid. Sign in again to continue.' });
    queries.clear();
    setSession(null);
  }, [queries]);
  const api = useMemo(() => (session ? gatewayClient(session.token, expired) : null), [session, expired]);

  if (!session || !api) {
    return <SignInPage notice={ended} onSignedIn={(s) => { turn.current++; setEnded(null); setSession(s); const first = consolePages(s.roles)[0]; navigate(first ? PAGES[first].path : '/'); }} />;
  }
  return (
    <SessionContext.Provider value={{ session, api, signOut }}>
      <Shell session={session} signOut={signOut} />
    </SessionContext.Provider>
  );
}

/**
 * Ends the session at the OpenID Connect issuer as well, so that the next sign-in asks for the
 * credentials again; the console's tokens are gone either way. Returns the notice to show now and
 * reports the one to show once the issuer's window has answered.
 */
function issuerSignOut(signedIn: NonNullable<Session['oidc']>, then: (notice: SignInNotice) => void): SignInNotice {
  const issuer = new URL(signedIn.settings.issuer).host;
  if (!signedIn.endSessionEndpoint) {
    return { tone: 'warning', text: `You are signed out of this console. ${issuer} offers no sign-out endpoint, so your session there may still be active and the next sign-in may not ask for your password.` };
  }
  endIssuerSession(signedIn).then(
    () => then({ tone: 'info', text: `You are signed out of this console and of ${issuer}.` }),
    (e: Error) => then({ tone: 'warning', text: `You are signed out of this console, but signing out of ${issuer} did not finish (${e.message}); your session there may still be active.` }),
  );
  return { tone: 'info', text: `You are signed out of this console. Finish signing out of ${issuer} in the window that opened.` };
}

function Shell({ session, signOut }: { session: Session; signOut: () => void }) {
  const [opened, { toggle, close }] = useDisclosure();
  const path = usePath();
  const allowed = consolePages(session.roles);
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="xs" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close navigation' : 'Open navigation'} aria-expanded={opened} aria-controls="console-navigation" />
            <Text fw={700}>Gateway console</Text>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <Text size="sm" visibleFrom="xs">Signed in as {session.label}</Text>
            <Button size="xs" variant="default" onClick={signOut}>Sign out</Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" component="nav" aria-label="Pages" id="console-navigation" className="console-nav" data-open={opened}>
        {allowed.map((id) => {
          const page = PAGES[id];
          const current = path === page.path || path.startsWith(`${page.path}/`);
          return (
            <a key={id} className="nav-link" href={href(page.path)} aria-current={current ? 'page' : undefined}
              onClick={(e) => { e.preventDefault(); close(); navigate(page.path); }}>
              {page.label}
            </a>
          );
        })}
      </AppShell.Navbar>
      <AppShell.Main>
        <Route path={path} allowed={allowed} />
      </AppShell.Main>
    </AppShell>
  );
}

function Route({ path, allowed }: { path: string; allowed: ConsolePage[] }) {
  const [, first, second] = path.split('/');
  const page = (Object.keys(PAGES) as ConsolePage[]).find((id) => PAGES[id].path === `/${first}`) ?? allowed[0];
  if (!page) {
    return <><Title order={1}>No pages</Title><Text>Your roles give you no page in this console. Ask an administrator for the governance, auditor or partner role.</Text></>;
  }
  if (!allowed.includes(page)) {
    return <><Title order={1}>Not available</Title><Text>Your role cannot use the page “{PAGES[page].label}”. Pick a page from the navigation.</Text></>;
  }
  switch (page) {
    case 'partners': return <PartnersPage />;
    case 'policy': return <PolicyPage partnerId={second ? decodeURIComponent(second) : null} />;
    case 'access-matrix': return <AccessMatrixPage />;
    case 'data-quality': return <DataQualityPage />;
    case 'audit-log': return second ? <AuditEventPage id={decodeURIComponent(second)} /> : <AuditLogPage />;
    case 'my-access': return <MyAccessPage />;
    case 'agreements': return <AgreementsPage agreementId={second ? decodeURIComponent(second) : null} />;
  }
}
