import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, generateKeyPair, SignJWT } from 'jose';
import { Browser, Page } from 'playwright-core';
import { collectCspViolations, ConsoleBrowser, expectAccessible, screenshot, shotPath } from './support/console-browser';
import { freePort, GatewayProcess } from './support/gateway-process';
import { TestGateway } from './support/test-app';

/**
 * OpenID Connect sign-in against a real provider (the oidc-provider package, in its own process): the
 * console's authorization-code flow with PKCE in Chromium, and the gateway accepting that issuer's
 * tokens, found through its discovery document, with roles and partner from a configured claim.
 */
const RESOURCE = 'https://gateway.test/api';
const CLIENT_ID = 'gateway-console';
jest.setTimeout(240_000);

/** Starts test/support/oidc-provider.mjs (an ES module) with node and waits for its `ready` line. */
async function startProvider(settings: Record<string, unknown>): Promise<{ child: ChildProcess; issuer: string }> {
  const child = spawn(process.execPath, [join(__dirname, 'support', 'oidc-provider.mjs')], {
    env: { ...process.env, OIDC_TEST_SETTINGS: JSON.stringify(settings) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const issuer = await new Promise<string>((resolveReady, reject) => {
    child.stdout.on('data', (d) => {
      output += String(d);
      const m = /^ready (\S+)$/m.exec(output);
      if (m) resolveReady(m[1]);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    child.once('exit', (code) => reject(new Error(`the OpenID provider exited (${code}):\n${output}`)));
  });
  return { child, issuer };
}

async function stopProvider(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const ended = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await ended;
}

describe('console sign-in with OpenID Connect (a real provider)', () => {
  let rig: ConsoleBrowser;
  let gw: GatewayProcess;
  let provider: ChildProcess;
  let issuer: string;
  let browser: Browser;
  let accessToken = '';
  let idToken = '';

  beforeAll(async () => {
    const [gatewayPort, providerPort] = [await freePort(), await freePort()];
    ({ child: provider, issuer } = await startProvider({
      port: providerPort,
      clientId: CLIENT_ID,
      redirectUris: [`http://127.0.0.1:${gatewayPort}/console/oidc-callback`],
      postLogoutRedirectUris: [`http://127.0.0.1:${gatewayPort}/console/oidc-signed-out`],
      resource: RESOURCE,
      scope: 'gateway',
      accounts: { 'alice.auditor': { roles: ['auditor', 'offline_access'] }, 'nora.northwind': { roles: ['partner'], partner: 'supplier-northwind' } },
    }));
    rig = await ConsoleBrowser.start('console-oidc', {
      PORT: String(gatewayPort),
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: CLIENT_ID,
      OIDC_SCOPE: 'openid gateway',
      OIDC_ROLES_CLAIM: 'gateway.roles',
      OIDC_PARTNER_CLAIM: 'gateway.partner',
      JWT_AUDIENCE: RESOURCE,
    });
    ({ gw, browser } = rig);
  });

  afterAll(async () => {
    await rig?.stop();
    await stopProvider(provider);
  });

  /** The provider's own login and consent pages, in the window the console opened. */
  async function signInAtProvider(popup: Page, login: string): Promise<void> {
    await popup.locator('input[name="login"]').fill(login);
    await popup.locator('input[name="password"]').fill('any password');
    await popup.getByRole('button', { name: 'Sign-in' }).click();
    await popup.getByRole('button', { name: 'Continue' }).click();
  }

  /** Signs in through the provider's own login and consent pages, in the window the console opens. */
  async function signIn(page: Page, login: string): Promise<void> {
    await page.goto(`${gw.url}/console`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    const [popup] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: `Sign in with ${new URL(issuer).host}` }).click()]);
    await signInAtProvider(popup, login);
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  }

  it('offers OpenID Connect sign-in, and the console pages may connect to the issuer only', async () => {
    const settings = await (await fetch(`${gw.url}/console/settings.json`)).json();
    expect(settings).toEqual({
      signIn: 'oidc',
      oidc: { issuer, clientId: CLIENT_ID, scope: 'openid gateway', rolesClaim: 'gateway.roles', partnerClaim: 'gateway.partner' },
      demoIdentities: [],
    });
    const page = await fetch(`${gw.url}/console/audit-log`);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain(`connect-src 'self' ${new URL(issuer).origin}`);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect((await fetch(`${gw.url}/console/demo-token`, { method: 'POST' })).status).toBe(404);
  });

  it('an auditor signs in at the provider (code flow with PKCE), lands in the console and sees the audit log', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const authorizeRequests: URL[] = [];
    const cspViolations: string[] = [];
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === new URL(issuer).origin && url.pathname === '/auth') authorizeRequests.push(url);
      if (url.origin === gw.url && url.pathname.startsWith('/api/')) accessToken = (r.headers().authorization ?? '').replace(/^Bearer /, '') || accessToken;
    });
    context.on('response', async (r) => {
      if (r.url() === `${issuer}/token` && r.request().method() === 'POST' && r.ok()) idToken = ((await r.json()) as { id_token: string }).id_token;
    });
    collectCspViolations(page, cspViolations);

    await page.goto(`${gw.url}/console`);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await screenshot(page, 'oidc-sign-in');
    await signIn(page, 'alice.auditor');

    // The authorization request used the code flow with an S256 PKCE challenge.
    expect(authorizeRequests).toHaveLength(1);
    expect(authorizeRequests[0].searchParams.get('response_type')).toBe('code');
    expect(authorizeRequests[0].searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeRequests[0].searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);

    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    await page.getByText('Signed in as alice.auditor').waitFor();
    await page
      .getByRole('button', { name: /^Details of event/ })
      .first()
      .waitFor();
    expect(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts()).toEqual(['Audit log']);

    // Tokens live in the page's memory only.
    const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
    expect(stored).toEqual({ local: 0, session: 0, cookie: '' });
    expect(cspViolations).toEqual([]);

    expect(decodeJwt(accessToken)).toMatchObject({ iss: issuer, aud: RESOURCE, sub: 'alice.auditor', gateway: { roles: ['auditor', 'offline_access'] } });

    // Requests and refusals per partner over time.
    await page.getByRole('heading', { name: 'Requests and refusals per partner', level: 2 }).waitFor();
    await page.getByRole('figure', { name: 'Requests' }).locator('.recharts-legend-item-text', { hasText: '(no partner)' }).waitFor();
    expect(await page.getByRole('figure', { name: 'Requests' }).locator('.recharts-line').count()).toBeGreaterThan(0);
    await page.getByRole('cell', { name: '(no partner)' }).waitFor();

    // A signed checkpoint to download, which the API then verifies the chain against.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download checkpoint' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^audit-checkpoint-\d+\.jws$/);
    const jws = readFileSync(await download.path(), 'utf8').trim();
    expect(jws).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const verified = await (
      await fetch(`${gw.url}/api/v1/audit-events/verify?checkpoint=${encodeURIComponent(jws)}`, { headers: { Authorization: `Bearer ${accessToken}` } })
    ).json();
    expect(verified).toMatchObject({ ok: true, checkpoint: { ok: true } });

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText('The chain holds').waitFor();
    await expectAccessible(page, 'Audit log with activity');
    await page
      .getByRole('heading', { name: 'Requests and refusals per partner', level: 2 })
      .locator('..')
      .screenshot({ path: shotPath('audit-activity') });

    // An event on its own page: disclosure manifest, policy version and rules, hashes.
    await page
      .getByRole('button', { name: /^Details of event/ })
      .first()
      .click();
    const open = page.getByRole('link', { name: /^Open the page of event \d+$/ });
    const seq = /(\d+)$/.exec(await open.innerText())![1];
    await open.click();
    await page.getByRole('heading', { name: `Audit event ${seq}`, level: 1 }).waitFor();
    for (const term of ['Fields returned', 'Fields denied', 'Policy version and rules', 'Hash', 'Previous hash'])
      await page.getByText(term, { exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toMatch(/^\/console\/audit-log\/[^/]+$/);
    await expectAccessible(page, 'Audit event');
    await screenshot(page, 'audit-event');
    await context.close();
  });

  it('the API accepts that provider’s access token, maps its claim to roles, and audits the caller', async () => {
    expect(accessToken).not.toBe('');
    const res = await fetch(`${gw.url}/api/v1/audit-events?sub=alice.auditor&limit=5`, { headers: { Authorization: `Bearer ${accessToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { actor: { sub: string; roles: string[] }; operation: string }[] };
    expect(body.data.length).toBeGreaterThan(0);
    // Roles that are not the gateway's (offline_access) are dropped from the mapped claim.
    expect(body.data.every((e) => e.actor.sub === 'alice.auditor' && e.actor.roles.join() === 'auditor')).toBe(true);
    // The auditor role only: partner data is refused.
    expect((await fetch(`${gw.url}/api/v1/policies`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).toBe(403);
  });

  it('refuses with 401 a token signed by another key, and the provider’s ID token (not for this audience)', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const claims = decodeJwt(accessToken);
    const forged = await new SignJWT({ gateway: { roles: ['auditor'] } })
      .setProtectedHeader({ alg: 'RS256', kid: 'provider-key-1' })
      .setIssuer(issuer)
      .setAudience(RESOURCE)
      .setSubject('mallory')
      .setIssuedAt()
      .setExpirationTime(claims.exp!)
      .sign(privateKey);
    const forgedRes = await fetch(`${gw.url}/api/v1/audit-events`, { headers: { Authorization: `Bearer ${forged}` } });
    expect(forgedRes.status).toBe(401);
    expect(((await forgedRes.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    expect(idToken).not.toBe('');
    expect(decodeJwt(idToken).aud).toBe(CLIENT_ID);
    expect((await fetch(`${gw.url}/api/v1/audit-events`, { headers: { Authorization: `Bearer ${idToken}` } })).status).toBe(401);
  });

  it('a partner signs in and gets its own view, the partner taken from the configured claim', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    await signIn(page, 'nora.northwind');
    await page.getByRole('heading', { name: 'My access', level: 1 }).waitFor();
    await page.getByText('Signed in as nora.northwind (supplier-northwind)').waitFor();
    expect(await page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts()).toEqual(['My access']);
    await context.close();
  });

  it('signing out ends the provider’s session too: signing in again asks for the credentials at the provider', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const endSessionRequests: URL[] = [];
    const cspViolations: string[] = [];
    context.on('request', (r) => {
      const url = new URL(r.url());
      if (url.origin === new URL(issuer).origin && url.pathname === '/session/end') endSessionRequests.push(url);
    });
    // The console page, and the windows it opens (the sign-out window comes back to a console page).
    collectCspViolations(page, cspViolations);
    context.on('page', (p) => collectCspViolations(p, cspViolations));
    await signIn(page, 'alice.auditor');

    // While the provider's session lives, another sign-in in this browser is silent: no login form.
    const other = await context.newPage();
    await other.goto(`${gw.url}/console`);
    await Promise.all([other.waitForEvent('popup'), other.getByRole('button', { name: `Sign in with ${new URL(issuer).host}` }).click()]);
    await other.getByText('Signed in as alice.auditor').waitFor();
    await other.close();

    const [signOutWindow] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: 'Sign out' }).click()]);
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await signOutWindow.getByRole('button', { name: 'Yes, sign me out' }).click();
    await signOutWindow.waitForEvent('close');
    await page.getByText(`You are signed out of this console and of ${new URL(issuer).host}.`).waitFor();
    expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);

    expect(endSessionRequests).toHaveLength(1);
    expect(decodeJwt(endSessionRequests[0].searchParams.get('id_token_hint') ?? '')).toMatchObject({ iss: issuer, aud: CLIENT_ID, sub: 'alice.auditor' });
    expect(endSessionRequests[0].searchParams.get('post_logout_redirect_uri')).toBe(`${gw.url}/console/oidc-signed-out`);

    // The provider's session is gone: its login form again, then the console as before.
    const [signInWindow] = await Promise.all([page.waitForEvent('popup'), page.getByRole('button', { name: `Sign in with ${new URL(issuer).host}` }).click()]);
    await signInWindow.locator('input[name="login"]').waitFor();
    expect(await signInWindow.locator('input[name="password"]').isVisible()).toBe(true);
    await signInAtProvider(signInWindow, 'alice.auditor');
    await page.getByText('Signed in as alice.auditor').waitFor();
    expect(cspViolations).toEqual([]);
    await context.close();
  });

  it('with a provider that offers no end_session_endpoint, signing out is the console’s only, and says so', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // The browser reads a discovery document without end_session_endpoint; the gateway reads the real one.
    await context.route(`${issuer}/.well-known/openid-configuration`, async (route) => {
      const response = await route.fetch();
      const { end_session_endpoint: _dropped, ...discovery } = (await response.json()) as Record<string, unknown>;
      await route.fulfill({ response, json: discovery });
    });
    const page = await context.newPage();
    await signIn(page, 'nora.northwind');
    const popups: Page[] = [];
    page.on('popup', (p) => popups.push(p));
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    await page
      .getByRole('alert')
      .getByText(`${new URL(issuer).host} offers no sign-out endpoint`, { exact: false })
      .waitFor();
    await expectAccessible(page, 'Signed out, the provider’s session still active');
    expect(popups).toEqual([]);
    await context.close();
  });

  it('counts requests and refusals per partner and hour, and refuses a bucket it does not know', async () => {
    const auth = { headers: { Authorization: `Bearer ${accessToken}` } };
    const res = await fetch(`${gw.url}/api/v1/audit-events/activity?bucket=hour`, auth);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { bucket: string; partnerId: string | null; requests: number; refusals: number }[]; meta: { bucket: string } };
    expect(body.meta.bucket).toBe('hour');
    const northwind = body.data.filter((r) => r.partnerId === 'supplier-northwind');
    expect(northwind.reduce((n, r) => n + r.requests, 0)).toBeGreaterThan(0);
    // The auditor's refused GET /api/v1/policies is a refusal of a caller acting for no partner.
    expect(body.data.filter((r) => r.partnerId === null).reduce((n, r) => n + r.refusals, 0)).toBeGreaterThan(0);
    expect(body.data.every((r) => /^\d{4}-\d{2}-\d{2}T\d{2}:00:00\.000Z$/.test(r.bucket))).toBe(true);
    const bad = await fetch(`${gw.url}/api/v1/audit-events/activity?bucket=week`, auth);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });
});

describe('OpenID Connect when the issuer cannot be reached', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    const closedPort = await freePort();
    gw = await TestGateway.start({ OIDC_ISSUER: `http://127.0.0.1:${closedPort}`, OIDC_CLIENT_ID: 'gateway-console', JWT_JWKS_TIMEOUT_MS: '500' });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('fails closed: no token is accepted (503, saying why) while its discovery document cannot be read', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const token = await new SignJWT({ roles: ['auditor'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k' })
      .setIssuer('http://127.0.0.1')
      .setAudience('partner-data-gateway-test')
      .setSubject('someone')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(privateKey);
    const res = await gw.http.get('/api/v1/audit-events').set('Authorization', `Bearer ${token}`);
    expect(res.status).toBe(503);
    expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
    await gw.http.get('/api/v1/audit-events').expect(401);
  });
});
