import { readFileSync } from 'node:fs';
import { Page } from 'playwright-core';
import { ConsoleBrowser, expectAccessible, screenshot as shot } from './support/console-browser';
import { GatewayProcess } from './support/gateway-process';

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a real gateway
 * process: the officers' four-eyes change of Northwind's policy, the auditor's review of it, and a
 * partner's own view; axe-core checks each page visited.
 */
jest.setTimeout(240_000);

describe('console (/console) in a browser', () => {
  let rig: ConsoleBrowser;
  let gw: GatewayProcess;

  beforeAll(async () => {
    rig = await ConsoleBrowser.start('console');
    gw = rig.gw;
  });

  afterAll(async () => {
    await rig?.stop();
  });

  /** A fresh browser context per person: nothing carries over between sign-ins but the server's state. */
  const signIn = (identity: string) => rig.signIn(identity, { viewport: { width: 1280, height: 800 }, acceptDownloads: true });

  const navLinks = (page: Page) => page.getByRole('navigation', { name: 'Pages' }).getByRole('link').allInnerTexts();

  it('serves the console with a strict Content-Security-Policy on its pages only', async () => {
    const page = await fetch(`${gw.url}/console/partners`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(await page.text()).toContain('<div id="root">');
    const api = await fetch(`${gw.url}/health/live`);
    expect(api.headers.get('content-security-policy')).toBeNull();
  });

  it('an officer edits Northwind’s policy, sees a problem inline, fixes it, simulates, sees impact and diff, and proposes', async () => {
    const { page, context, apiCalls } = await signIn('Governance officer');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    expect(await navLinks(page)).toEqual(['Partners', 'Policy', 'Access matrix', 'Data quality', 'Agreements']);
    await page.getByRole('cell', { name: /none/ }).first().waitFor();
    await expectAccessible(page, 'Partners');
    await shot(page, 'partners');

    await page.getByRole('link', { name: 'Access matrix' }).click();
    await page.getByRole('heading', { name: 'Access matrix', level: 1 }).waitFor();
    await page.getByRole('cell', { name: 'supplier-northwind' }).first().waitFor();
    await page.getByLabel('Filter').fill('northwind DemandSignal');
    await expectAccessible(page, 'Access matrix');
    await shot(page, 'access-matrix');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download CSV' }).click()]);
    const csvText = readFileSync(await csv.path(), 'utf8');
    expect(csvText.split('\n')[0]).toBe('partnerId,subject,action,purpose,rows,fields,fieldsOnSomeRows');
    expect(csvText).toContain('supplier-northwind,DemandSignal,read');

    await page.getByRole('link', { name: 'Data quality' }).click();
    await page.getByRole('heading', { name: 'Data quality', level: 1 }).waitFor();
    await page.getByText(/push\(es\) with/).waitFor();
    await expectAccessible(page, 'Data quality');
    await shot(page, 'data-quality');

    await page.getByRole('link', { name: 'Partners' }).click();
    await page.getByRole('link', { name: 'Northwind Components' }).click();
    await page.getByRole('heading', { name: 'Policy', level: 1 }).waitFor();
    const editor = page.locator('.cm-content');
    await editor.waitFor();
    await page.getByText('No problems found in the draft.').waitFor();
    await expectAccessible(page, 'Policy');

    // A value the validator refuses, typed at the top of the document.
    await editor.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.insertText('approval: sometimes\n');
    const problems = page.getByRole('list', { name: 'Problems in the draft' });
    await problems.getByText("Line 1 (approval): must be 'required' or 'none'").waitFor();
    await page.locator('.cm-lintRange-error').first().waitFor();
    await shot(page, 'policy-problem');

    // Fixed: four eyes from now on.
    await page.keyboard.press('Control+Home');
    await page.keyboard.press('Shift+End');
    await page.keyboard.insertText('approval: required');
    await page.getByText('No problems found in the draft.').waitFor();

    await page.getByRole('button', { name: 'Simulate' }).click();
    await page.getByRole('heading', { name: 'Simulation' }).waitFor();
    const unitPrice = page.getByRole('row', { name: /^unitPrice/ });
    await expect(unitPrice.getByRole('cell').nth(1).innerText()).resolves.toBe('no');
    await expect(page.getByRole('row', { name: /^forecastQty/ }).innerText()).resolves.toContain('demand-for-supplied-skus');

    await page.getByRole('button', { name: 'Impact' }).click();
    await page.getByRole('heading', { name: 'Impact on stored data' }).waitFor();
    await page
      .getByRole('table', { name: /Rows and fields gained or lost/ })
      .getByRole('cell', { name: 'DemandSignal' })
      .first()
      .waitFor();

    await page.getByRole('button', { name: 'Diff' }).click();
    await page.getByRole('heading', { name: 'Changes against the version in force' }).waitFor();
    await page.getByRole('region', { name: 'Draft (YAML)' }).getByText('approval: required').waitFor();
    await expectAccessible(page, 'Policy with diff');
    await shot(page, 'policy-diff');

    await page.getByLabel('Change note').fill('Four eyes for Northwind from now on');
    await page.getByRole('button', { name: 'Propose' }).click();
    await page.getByText('Version 2 is proposed. Another governance officer must approve it before it is in force.').waitFor();
    // Four eyes: its author cannot approve it, and is told why.
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve.isDisabled()).resolves.toBe(true);
    await page.getByText('You proposed this version: another governance officer must approve or reject it (four eyes).').waitFor();
    await shot(page, 'policy-proposed');

    // Governance pages only: no audit-log or partner-view request was made.
    expect(apiCalls.length).toBeGreaterThan(0);
    expect(apiCalls.filter((c) => !/^(GET|POST|PUT) \/api\/v1\/(policies|access-matrix|partners\/[^/]+\/data-quality)/.test(c))).toEqual([]);
    await context.close();
  });

  it('the second officer sees the proposal with its changes and approves it', async () => {
    const { page, context } = await signIn('Second governance officer');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByText('1 waiting: v2').waitFor();
    await page.getByRole('link', { name: 'Northwind Components' }).click();
    await page.getByRole('heading', { name: 'Open proposals' }).waitFor();
    await page.getByText(/Version 2, proposed by demo-officer-1/).waitFor();
    await page.getByText('No field changes: the draft grants exactly what the version in force grants.').waitFor();
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve.isEnabled()).resolves.toBe(true);
    await approve.click();
    await page.getByText('Version 2 is approved and in force.').waitFor();
    await page.getByText('version 2 in force').waitFor();
    await page.getByText('No proposal is waiting for approval.').waitFor();
    await expectAccessible(page, 'Policy after approval');
    await shot(page, 'policy-approved');
    await context.close();
  });

  it('the auditor finds those events, verifies the chain and exports CSV', async () => {
    const { page, context, apiCalls } = await signIn('Auditor');
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    expect(await navLinks(page)).toEqual(['Audit log']);
    await page.getByLabel('Resource id').fill('supplier-northwind');
    await page.getByLabel('Subject (caller)').fill('demo-officer-2');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('POST /api/v1/policies/:partnerId/versions/:version/approve').waitFor();
    await page.getByLabel('Subject (caller)').fill('demo-officer-1');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('PUT /api/v1/policies/:partnerId').first().waitFor();

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await page.getByText('The chain holds').waitFor();
    await expect(page.getByRole('status').filter({ hasText: 'events checked' }).innerText()).resolves.toMatch(/\d+ events checked/);

    const firstDetails = page.getByRole('button', { name: /^Details of event/ }).first();
    await firstDetails.click();
    await page.getByText('Previous hash').waitFor();
    await expectAccessible(page, 'Audit log');
    await shot(page, 'audit-log');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
    const csv = readFileSync(await download.path(), 'utf8');
    const lines = csv.trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(csv).toContain('demo-officer-1');
    expect(csv).not.toContain('demo-officer-2');
    expect(apiCalls.filter((c) => !c.startsWith('GET /api/v1/audit-events'))).toEqual([]);
    await context.close();
  });

  it('a partner signs in and sees only its own view', async () => {
    const { page, context, apiCalls } = await signIn('Northwind (supplier)');
    await page.getByRole('heading', { name: 'My access', level: 1 }).waitFor();
    expect(await navLinks(page)).toEqual(['My access']);
    await page.getByRole('heading', { name: 'My rights' }).waitFor();
    await page.getByText(/Northwind Components \(supplier-northwind, supplier\) · policy version 2/).waitFor();
    await page.getByRole('heading', { name: 'My access log' }).waitFor();
    await page.getByRole('heading', { name: 'Who read my data' }).waitFor();
    // The access log is read beside GET /me, so it may hold that request or none yet.
    await page
      .getByRole('table', { name: /Your requests/ })
      .or(page.getByText('No request recorded yet.'))
      .waitFor();
    await expectAccessible(page, 'My access');
    await shot(page, 'my-access');

    // A page the role cannot use, opened by its address: nothing is requested for it.
    await page.evaluate(() => {
      window.history.pushState(null, '', '/console/audit-log');
      window.dispatchEvent(new PopStateEvent('popstate'));
    });
    await page.getByRole('heading', { name: 'Not available' }).waitFor();
    expect(apiCalls.filter((c) => !c.startsWith('GET /api/v1/me'))).toEqual([]);

    // Another partner signing in on the same tab right after sees its own view, nothing cached from the first.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Acme (supplier)', exact: true }).click();
    await page.getByRole('heading', { name: 'My access', level: 1 }).waitFor();
    await page.getByText(/\(supplier-acme, supplier\) · policy version/).waitFor();
    expect(await page.getByText(/Northwind Components/).count()).toBe(0);
    await context.close();
  });

  it('ran without a Content-Security-Policy violation', () => {
    expect(rig.cspViolations).toEqual([]);
  });
});
