import { Locator, Page } from 'playwright-core';
import { ConsoleBrowser, expectAccessible, screenshot as shot } from './support/console-browser';

/**
 * The agreements pages in a real browser (Debian's Chromium through playwright-core) against a real
 * gateway process: an officer offers an agreement, the partner accepts it on "My access" and its
 * access starts, the officer sees it active and terminates it; the partner's webhooks. axe-core
 * checks each page visited.
 */
jest.setTimeout(240_000);

describe('console agreements pages in a browser', () => {
  let rig: ConsoleBrowser;

  beforeAll(async () => {
    rig = await ConsoleBrowser.start('console-agr', {
      // The webhook registered below points at this machine.
      WEBHOOK_ALLOW_PRIVATE: 'true',
    });
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const signIn = (identity: string) => rig.signIn(identity, { viewport: { width: 1280, height: 800 } });

  const agreementsTable = (page: Page) => page.getByRole('table', { name: /agreement\(s\)/ });
  const rowOf = (page: Page, id: string) =>
    agreementsTable(page)
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: id, exact: true }) });
  const card = (page: Page, title: string, id: string) => page.getByRole('region', { name: `${title} (${id})` });
  /** The row of the partner's rights for reading shipments under delivery tracking. */
  const shipmentRights = (page: Page) => page.getByRole('table', { name: 'Purpose: delivery-tracking' }).getByRole('row', { name: /^Shipment read/ });
  /** Waits until that row lists lastLocation (or no longer does). */
  const untilLocation = (page: Page, listed: boolean) =>
    shipmentRights(page)
      .filter(listed ? { hasText: 'lastLocation' } : { hasNotText: 'lastLocation' })
      .waitFor();
  /** Picks a filter of the segmented control (its radio inputs are hidden behind their labels). */
  const show = async (page: Page, name: string) => {
    await page.locator('label.mantine-SegmentedControl-label', { hasText: new RegExp(`^${name}$`) }).click();
    await expect(page.getByRole('radio', { name }).isChecked()).resolves.toBe(true);
  };
  /** Waits until the first status badge in a region says the status. */
  const untilStatus = (where: Locator, s: string) =>
    where
      .locator('.mantine-Badge-root')
      .first()
      .filter({ hasText: new RegExp(`^${s}$`, 'i') })
      .waitFor();
  const status = (where: Locator) => where.locator('.mantine-Badge-root').first().textContent();

  it('an officer sees the agreements pending acceptance and what rests on them, and offers one (a past period refused at its field)', async () => {
    const { page, context, apiCalls } = await signIn('Governance officer');
    await page.getByRole('link', { name: 'Agreements', exact: true }).click();
    await page.getByRole('heading', { name: 'Agreements', level: 1 }).waitFor();
    await rowOf(page, 'agr-globex-locations').waitFor();
    await expect(status(rowOf(page, 'agr-globex-locations'))).resolves.toBe('offered');
    await expect(status(rowOf(page, 'agr-northwind-supply'))).resolves.toBe('active');

    await show(page, 'Pending acceptance');
    await page.getByRole('table', { name: /pending acceptance/ }).waitFor();
    const pending = await agreementsTable(page).getByRole('link').allInnerTexts();
    expect(pending).toEqual(['agr-globex-locations']);
    await show(page, 'Ended');
    await page.getByText('No agreement was declined, has expired or was terminated.').waitFor();
    await show(page, 'All');
    await rowOf(page, 'agr-northwind-supply').waitFor();

    // The offer: first with a period already over, refused and shown at its field.
    await page.getByLabel('Partner to offer to').selectOption('customer-globex');
    await page.getByLabel('Agreement id').fill('agr-globex-eta');
    await page.getByLabel('Title').first().fill('Delivery forecasts');
    await page.getByLabel('Terms', { exact: true }).first().fill('Estimated arrival times of inbound deliveries are shared for delivery tracking only.');
    await page.getByLabel('Purposes').first().fill('delivery-tracking');
    await page.getByRole('checkbox', { name: 'Shipment', exact: true }).first().check();
    await page.getByLabel('Valid from').first().fill('2020-01-01');
    await page.getByLabel('Valid until').first().fill('2020-01-31');
    await page.getByRole('button', { name: 'Offer' }).click();
    await page.getByText('validUntil is in the past').first().waitFor();
    await expect(page.getByLabel('Valid until').first().getAttribute('aria-invalid')).resolves.toBe('true');
    const nextYear = new Date(Date.now() + 200 * 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Valid from').first().fill('');
    await page.getByLabel('Valid until').first().fill(nextYear);
    await page.getByRole('button', { name: 'Offer' }).click();
    await page.getByText('is offered to customer-globex. Rules resting on it grant nothing until the partner accepts it.').waitFor();
    await rowOf(page, 'agr-globex-eta').waitFor();
    await expect(status(rowOf(page, 'agr-globex-eta'))).resolves.toBe('offered');
    await expectAccessible(page, 'Agreements');
    await page.evaluate(() => window.scrollTo(0, 0));
    await shot(page, 'agreements');

    // The location-sharing offer: which partner and rule rest on it.
    await rowOf(page, 'agr-globex-locations').getByRole('link').click();
    await page.getByRole('heading', { name: 'Live location of inbound deliveries (agr-globex-locations)' }).waitFor();
    const deps = page.getByRole('table', { name: /grant only while agr-globex-locations is active/ });
    await expect(deps.getByRole('row', { name: /customer-globex/ }).innerText()).resolves.toContain('inbound-delivery-locations');
    await page
      .getByRole('table', { name: /Who did what to agreement agr-globex-locations/ })
      .getByRole('cell', { name: 'offered', exact: true })
      .waitFor();
    await page.getByText('Ending it now takes nothing away').waitFor();
    await expectAccessible(page, 'Agreement detail');
    await shot(page, 'agreement-detail');

    expect(apiCalls.filter((c) => !/^(GET|POST) \/api\/v1\/(agreements|policies)(\/|$)/.test(c))).toEqual([]);
    await context.close();
  });

  it('the partner accepts both offers on My access, and its access starts at once', async () => {
    const { page, context, apiCalls } = await signIn('Globex (customer)');
    await page.getByRole('heading', { name: 'My access', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'My agreements' }).waitFor();
    const locations = card(page, 'Live location of inbound deliveries', 'agr-globex-locations');
    await locations.waitFor();
    await page.getByText('2 offer(s) wait for your answer.').waitFor();
    // Before: the location of its deliveries is not Globex's to read.
    await expect(shipmentRights(page).innerText()).resolves.not.toContain('lastLocation');

    await locations.getByLabel('Note').fill('Accepted for the pilot sites');
    await locations.getByRole('button', { name: 'Accept', exact: true }).click();
    await locations.getByText('Accepted: the agreement is active').waitFor();
    await untilStatus(locations, 'active');
    await untilLocation(page, true);
    await expect(locations.getByRole('button', { name: 'Accept', exact: true }).count()).resolves.toBe(0);
    await locations.getByRole('cell', { name: 'Accepted for the pilot sites' }).waitFor();

    const eta = card(page, 'Delivery forecasts', 'agr-globex-eta');
    await eta.getByRole('button', { name: 'Accept', exact: true }).click();
    await eta.getByText('Accepted: the agreement is active').waitFor();
    await expectAccessible(page, 'My access with agreements');
    await page.getByRole('heading', { name: 'My agreements' }).evaluate((h) => h.scrollIntoView());
    await shot(page, 'my-agreements');
    expect(apiCalls.filter((c) => !c.startsWith('GET /api/v1/me') && !c.startsWith('POST /api/v1/me/agreements/'))).toEqual([]);
    await context.close();
  });

  it('the officer sees the agreement active, with the acceptance in its history, amends it and terminates it', async () => {
    const { page, context } = await signIn('Governance officer');
    await page.getByRole('link', { name: 'Agreements', exact: true }).click();
    await rowOf(page, 'agr-globex-eta').waitFor();
    await expect(status(rowOf(page, 'agr-globex-eta'))).resolves.toBe('active');
    // Accepted, the location agreement now carries a read: what Globex would lose if it ended.
    await rowOf(page, 'agr-globex-locations').getByRole('link').click();
    const losses = page.getByRole('table', { name: 'Reads each partner would lose if agr-globex-locations ended now' });
    await expect(losses.getByRole('row', { name: /customer-globex/ }).innerText()).resolves.toMatch(/delivery-tracking\s+Shipment\s+lastLocation/);
    await page.getByRole('link', { name: 'All agreements' }).click();
    await rowOf(page, 'agr-globex-eta').waitFor();
    await rowOf(page, 'agr-globex-eta').getByRole('link').click();
    const history = page.getByRole('table', { name: /Who did what to agreement agr-globex-eta/ });
    await history.getByRole('row', { name: /accepted/ }).waitFor();
    await expect(history.getByRole('row', { name: /accepted/ }).innerText()).resolves.toContain('demo-globex-user (partner)');
    await page.getByText('No rule of a policy in force rests on this agreement').waitFor();

    // Amended: a new revision, offered again, which the partner would have to accept again.
    const region = page.getByRole('region', { name: 'Delivery forecasts (agr-globex-eta)' });
    await page.getByLabel('Valid until').fill(new Date(Date.now() + 300 * 86_400_000).toISOString().slice(0, 10));
    await page.getByLabel('Note').fill('longer pilot');
    await page.getByRole('button', { name: 'Amend', exact: true }).click();
    await page.getByText('Revision 2 of agr-globex-eta is offered. The partner must accept it again').waitFor();
    await untilStatus(region, 'offered');
    await expect(history.getByRole('row', { name: /revised/ }).innerText()).resolves.toContain('longer pilot');

    await page.getByLabel('Note').fill('pilot over');
    await page.getByRole('button', { name: 'Terminate', exact: true }).click();
    await page.getByText("Agreement agr-globex-eta is terminated. Rules resting on it grant nothing from the partner's next request on.").waitFor();
    await untilStatus(region, 'terminated');
    await expect(page.getByRole('button', { name: 'Terminate', exact: true }).isDisabled()).resolves.toBe(true);
    await history.getByRole('cell', { name: 'pilot over' }).waitFor();

    await page.getByRole('link', { name: 'All agreements' }).click();
    await show(page, 'Ended');
    await page.getByRole('table', { name: /ended/ }).waitFor();
    await expect(agreementsTable(page).getByRole('link').allInnerTexts()).resolves.toEqual(['agr-globex-eta']);
    await context.close();
  });

  it('the partner terminates an agreement and loses what rested on it; it registers and deletes a webhook', async () => {
    const { page, context } = await signIn('Globex (customer)');
    const locations = card(page, 'Live location of inbound deliveries', 'agr-globex-locations');
    await locations.waitFor();
    await untilLocation(page, true);
    await expect(status(card(page, 'Delivery forecasts', 'agr-globex-eta'))).resolves.toBe('terminated');
    await locations.getByRole('button', { name: 'Terminate', exact: true }).click();
    await locations.getByText('Terminated: rules resting on this agreement grant nothing from your next request on.').waitFor();
    await untilStatus(locations, 'terminated');
    await untilLocation(page, false);

    const webhooks = page.getByRole('region', { name: 'My webhooks' });
    await webhooks.getByText('No webhook endpoint registered.').waitFor();
    await webhooks.getByLabel('Endpoint URL').fill('http://127.0.0.1:9/globex-hook');
    await webhooks.getByRole('checkbox', { name: 'shipment.updated' }).check();
    await webhooks.getByRole('button', { name: 'Register' }).click();
    await webhooks.getByText(/shown only now: whsec_/).waitFor();
    const row = webhooks.getByRole('table', { name: 'Your webhook endpoints' }).getByRole('row', { name: /globex-hook/ });
    await expect(row.innerText()).resolves.toContain('delivery-tracking');
    await row.getByRole('button', { name: 'Deliveries' }).click();
    await webhooks.getByText('Nothing delivered yet').waitFor();
    await expectAccessible(page, 'My access with webhooks');
    await row.getByRole('button', { name: 'Delete' }).click();
    await webhooks.getByText('No webhook endpoint registered.').waitFor();
    await context.close();
  });

  it('ran without a Content-Security-Policy violation', () => {
    expect(rig.cspViolations).toEqual([]);
  });
});
