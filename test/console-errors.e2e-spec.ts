import { ConsoleBrowser, expectAccessible } from './support/console-browser';
import { GatewayProcess } from './support/gateway-process';

/**
 * The console's error states in a real browser against a real gateway process: a version conflict
 * (another officer changed the policy while the editor was open), a proposal overtaken by another
 * version before its approval, and a refusal by role each say what happened and what to do.
 */
const NORTHWIND = 'supplier-northwind';
const ACME = 'supplier-acme';

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

  it('a stale proposal: another version came into force before its approval, and approving it changes nothing', async () => {
    const officer1 = { Authorization: `Bearer ${await tokenOf('officer')}` };
    const officer2 = { Authorization: `Bearer ${await tokenOf('officer-2')}` };
    const json = { 'Content-Type': 'application/json' };
    const inForce = async () => {
      const res = await fetch(`${gw.url}/api/v1/policies/${ACME}`, { headers: officer1 });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { data: { version: number; document: Record<string, unknown> & { limits: Record<string, number> } } };
      return { etag: res.headers.get('etag') ?? '', version: body.data.version, document: body.data.document };
    };
    const put = async (who: Record<string, string>, etag: string, document: Record<string, unknown>) => {
      const res = await fetch(`${gw.url}/api/v1/policies/${ACME}`, {
        method: 'PUT',
        headers: { ...who, ...json, 'If-Match': etag },
        body: JSON.stringify(document),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { meta: { version: number; state: string } }).meta;
    };
    const approve = (who: Record<string, string>, version: number, etag: string) =>
      fetch(`${gw.url}/api/v1/policies/${ACME}/versions/${version}/approve`, { method: 'POST', headers: { ...who, 'If-Match': etag } });

    // Four eyes for Acme from version 2 on (turning it on takes a second officer already).
    const v1 = await inForce();
    expect(await put(officer2, v1.etag, { ...v1.document, approval: 'required', note: 'Four eyes for Acme' })).toMatchObject({ version: 2, state: 'proposed' });
    expect((await approve(officer1, 2, v1.etag)).status).toBe(200);
    const v2 = await inForce();
    // The first officer proposes two changes against version 2; the second officer approves the later one.
    const stale = await put(officer1, v2.etag, {
      ...v2.document,
      limits: { ...v2.document.limits, requestsPerMinute: 300 },
      note: 'Halve Acme’s request rate',
    });
    expect(stale).toMatchObject({ version: 3, state: 'proposed' });
    const overtaking = await put(officer1, v2.etag, { ...v2.document, limits: { ...v2.document.limits, maxPageSize: 250 }, note: 'Smaller pages for Acme' });
    expect(overtaking).toMatchObject({ version: 4, state: 'proposed' });
    expect((await approve(officer2, 4, v2.etag)).status).toBe(200);

    // The second officer opens Acme's policy: version 3 still waits, proposed against version 2.
    const { page, context } = await signIn('Second governance officer');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Acme Industrial Supply' }).click();
    await page.getByRole('heading', { name: 'Open proposals' }).waitFor();
    await page.getByText('version 4 in force').waitFor();
    await page.getByText(/Version 3, proposed by demo-officer-1/).waitFor();
    await page.getByRole('button', { name: 'Approve' }).click();

    // Told what happened and what to do; approving again would not help, so no "Try again".
    const alert = page.getByRole('alert').filter({ hasText: 'Proposal out of date' });
    await alert.waitFor();
    await alert
      .getByText(
        'This proposal was made against version 2, but version 4 has come into force since. Approving it would replace version 4 with a document written before it and undo what changed in between without review, so nothing was changed.',
      )
      .waitFor();
    await alert
      .getByText(
        'Reject this proposal (or ask its author to withdraw it), and have the change proposed again on top of version 4 so it is reviewed against the version in force.',
      )
      .waitFor();
    await expect(alert.getByRole('button', { name: 'Try again' }).count()).resolves.toBe(0);
    await expectAccessible(page, 'Policy with a stale proposal');
    await context.close();

    // Nothing changed: version 4 is in force, version 3 is still an open proposal.
    const after = await inForce();
    expect({ version: after.version, etag: after.etag, limits: after.document.limits }).toEqual({
      version: 4,
      etag: '"4"',
      limits: { ...v2.document.limits, maxPageSize: 250 },
    });
    const versions = await fetch(`${gw.url}/api/v1/policies/${ACME}/versions`, { headers: officer1 });
    const listed = ((await versions.json()) as { data: { version: number; state: string; inForce: boolean }[] }).data;
    expect(listed.filter((v) => v.version >= 3).map(({ version, state, inForce }) => ({ version, state, inForce }))).toEqual([
      { version: 4, state: 'active', inForce: true },
      { version: 3, state: 'proposed', inForce: false },
    ]);
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
