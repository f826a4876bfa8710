import { ConsoleBrowser } from './support/console-browser';
import { GatewayProcess } from './support/gateway-process';

/**
 * The console's error states in a real browser against a real gateway process: a version conflict
 * (another officer changed the policy while the editor was open) and a refusal by role each say what
 * happened and what to do.
 */
const NORTHWIND = 'supplier-northwind';

jest.setTimeout(240_000);

describe('console (/console) error states', () => {
  let rig: ConsoleBrowser;
  let gw: GatewayProcess;

  beforeAll(async () => {
    rig = await ConsoleBrowser.start('console-errors');
    gw = rig.gw;
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const signIn = (identity: string) => rig.signIn(identity);

  /** A bearer token of a demo identity, as the sign-in page gets it. */
  const tokenOf = (identity: string) => rig.tokenOf(identity);

  it('a version conflict: another officer changed the policy while the editor was open', async () => {
    const { page, context } = await signIn('Governance officer');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Northwind Components' }).click();
    await page.getByRole('heading', { name: 'Policy', level: 1 }).waitFor();
    await page.locator('.cm-content').waitFor();
    await page.getByText('version 1 in force').waitFor();

    // The second officer changes Northwind's policy through the public API meanwhile.
    const token = await tokenOf('officer-2');
    const auth = { Authorization: `Bearer ${token}` };
    const current = await fetch(`${gw.url}/api/v1/policies/${NORTHWIND}`, { headers: auth });
    expect(current.status).toBe(200);
    const etag = current.headers.get('etag');
    const { data } = (await current.json()) as { data: { document: Record<string, unknown> } };
    const put = await fetch(`${gw.url}/api/v1/policies/${NORTHWIND}`, {
      method: 'PUT',
      headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': etag ?? '' },
      body: JSON.stringify({ ...data.document, approval: 'none', note: 'Changed by the second officer' }),
    });
    expect(put.status).toBe(200);

    // The first officer proposes the draft made on version 1: told what happened and what to do.
    await page.getByLabel('Change note').fill('My change');
    await page.getByRole('button', { name: 'Propose' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'Version conflict' });
    await alert.waitFor();
    await alert.getByText(/Another version came into force since you loaded this page \(now version 2\)/).waitFor();
    await alert.getByText('Reload the policy, review the version in force, and apply your change again.').waitFor();

    // Doing as told shows the version now in force, and nothing of the draft was saved.
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByText('version 2 in force').waitFor();
    const versions = await fetch(`${gw.url}/api/v1/policies/${NORTHWIND}/versions`, { headers: auth });
    expect(((await versions.json()) as { data: { version: number }[] }).data.map((v) => v.version)).toEqual([2, 1]);
    await context.close();
  });

  it('a refusal by role: a page the role may not use says so and what to do', async () => {
    const { page, context } = await signIn('Auditor');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    // A shared link to a governance page, followed inside the console.
    await page.evaluate((path) => {
      window.history.pushState(null, '', path);
      window.dispatchEvent(new PopStateEvent('popstate'));
    }, `/console/policy/${NORTHWIND}`);
    await page.getByRole('heading', { name: 'Not available', level: 1 }).waitFor();
    await page.getByText('Your role cannot use the page “Policy”. Pick a page from the navigation.').waitFor();

    // The gateway refuses the same thing with 403 FORBIDDEN_ROLE, whatever the console shows.
    const res = await fetch(`${gw.url}/api/v1/policies/${NORTHWIND}`, { headers: { Authorization: `Bearer ${await tokenOf('auditor')}` } });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { code: string }).code).toBe('FORBIDDEN_ROLE');
    await context.close();
  });
});
