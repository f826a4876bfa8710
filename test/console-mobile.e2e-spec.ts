import { Page } from 'playwright-core';
import { ConsoleBrowser, expectAccessible, screenshot } from './support/console-browser';

/**
 * The console on a small screen (390×844) in a real browser against a real gateway process: every page
 * an officer or a partner can reach fits the width (wide tables scroll in their own box), keeps its
 * heading in view, is reachable through the collapsed navigation, passes axe-core, and a lost
 * connection says what happened and what to do.
 */
const WIDTH = 390;
const HEIGHT = 844;

jest.setTimeout(240_000);

describe('console (/console) on a small screen', () => {
  let rig: ConsoleBrowser;

  beforeAll(async () => {
    rig = await ConsoleBrowser.start('console-mobile');
  });

  afterAll(async () => {
    await rig?.stop();
  });

  const signIn = (identity: string) => rig.signIn(identity, { viewport: { width: WIDTH, height: HEIGHT }, isMobile: true, hasTouch: true });

  /** The page is no wider than the screen: anything wide scrolls inside its own box. */
  async function expectNoHorizontalOverflow(page: Page, name: string): Promise<void> {
    const { width, wide } = await page.evaluate((max) => {
      // Elements reaching past the screen's right edge that no scrolling box of their own contains, to name in a failure.
      const wide = [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > max + 1 && !e.parentElement?.closest('.grid-wrap, .cm-scroller, pre'))
        .slice(0, 5)
        .map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} (right edge ${Math.round(e.getBoundingClientRect().right)})`);
      return { width: document.documentElement.scrollWidth, wide };
    }, WIDTH);
    expect({ page: name, fits: width <= WIDTH, wide: width <= WIDTH ? [] : wide }).toEqual({ page: name, fits: true, wide: [] });
  }

  /** Opens a page through the burger: the navigation is hidden until the burger opens it, and closes after a pick. */
  async function openThroughBurger(page: Page, label: string): Promise<void> {
    const nav = page.getByRole('navigation', { name: 'Pages' });
    const link = nav.getByRole('link', { name: label, exact: true });
    await expect(link.isVisible()).resolves.toBe(false);
    const burger = page.getByRole('button', { name: 'Open navigation' });
    await expect(burger.getAttribute('aria-expanded')).resolves.toBe('false');
    await burger.click();
    await link.waitFor({ state: 'visible' });
    await expect(page.getByRole('button', { name: 'Close navigation' }).getAttribute('aria-expanded')).resolves.toBe('true');
    await link.click();
    await link.waitFor({ state: 'hidden' });
  }

  async function checkPage(page: Page, heading: string, ready: () => Promise<void>): Promise<void> {
    const title = page.getByRole('heading', { name: heading, level: 1 });
    await title.waitFor();
    await ready();
    await expect(title.isVisible()).resolves.toBe(true);
    await expectNoHorizontalOverflow(page, heading);
    await expectAccessible(page, `${heading} at ${WIDTH}×${HEIGHT}`);
  }

  it('a governance officer reaches every page through the burger and none is wider than the screen', async () => {
    const { page, context } = await signIn('Governance officer');
    await checkPage(page, 'Partners', () => page.getByRole('link', { name: 'Northwind Components' }).waitFor());

    await page.getByRole('link', { name: 'Northwind Components' }).click();
    await checkPage(page, 'Policy', async () => {
      await page.locator('.cm-content').waitFor();
      await page.getByText('No problems found in the draft.').waitFor();
    });
    await screenshot(page, 'mobile-policy');

    await openThroughBurger(page, 'Access matrix');
    await checkPage(page, 'Access matrix', () => page.getByRole('cell', { name: 'supplier-northwind' }).first().waitFor());

    await openThroughBurger(page, 'Data quality');
    await checkPage(page, 'Data quality', () => page.getByText(/push\(es\) with/).waitFor());

    await openThroughBurger(page, 'Agreements');
    await checkPage(page, 'Agreements', () =>
      page
        .getByRole('table', { name: /agreement\(s\)/ })
        .or(page.getByRole('status').filter({ hasText: /agreement/i }))
        .first()
        .waitFor(),
    );

    await openThroughBurger(page, 'Partners');
    await checkPage(page, 'Partners', () => page.getByRole('link', { name: 'Northwind Components' }).waitFor());
    await context.close();
  });

  it('a partner reaches “My access” through the burger and it is no wider than the screen', async () => {
    const { page, context } = await signIn('Northwind (supplier)');
    await checkPage(page, 'My access', async () => {
      await page.getByRole('heading', { name: 'My rights' }).waitFor();
      await page.getByRole('heading', { name: 'Who read my data' }).waitFor();
    });
    await openThroughBurger(page, 'My access');
    await checkPage(page, 'My access', () => page.getByRole('heading', { name: 'My rights' }).waitFor());
    await context.close();
  });

  it('an auditor’s audit log and event page are no wider than the screen', async () => {
    const { page, context } = await signIn('Auditor');
    await checkPage(page, 'Audit log', () =>
      page
        .getByRole('button', { name: /^Details of event/ })
        .first()
        .waitFor(),
    );
    await page
      .getByRole('button', { name: /^Details of event/ })
      .first()
      .click();
    const open = page.getByRole('link', { name: /^Open the page of event \d+$/ });
    const seq = /(\d+)$/.exec(await open.innerText())![1];
    await open.click();
    await checkPage(page, `Audit event ${seq}`, async () => {
      await page.getByText('Previous hash', { exact: true }).waitFor();
      await page
        .getByRole('table', { name: /^Rules of / })
        .or(page.getByText(/^This event names no rules/))
        .waitFor();
    });
    await openThroughBurger(page, 'Audit log');
    await checkPage(page, 'Audit log', () =>
      page
        .getByRole('button', { name: /^Details of event/ })
        .first()
        .waitFor(),
    );
    await context.close();
  });

  it('a lost connection says what happened and what to do instead of a blank page', async () => {
    const { page, context } = await signIn('Governance officer');
    await page.getByRole('heading', { name: 'Partners', level: 1 }).waitFor();
    await page.getByRole('link', { name: 'Northwind Components' }).waitFor();
    // From here on the gateway cannot be reached: every API request fails at the network level.
    await page.route('**/api/v1/**', (r) => r.abort('internetdisconnected'));
    await openThroughBurger(page, 'Access matrix');
    await page.getByRole('heading', { name: 'Access matrix', level: 1 }).waitFor();
    const alert = page.getByRole('alert').filter({ hasText: 'Connection lost' });
    await alert.waitFor();
    await alert.getByText('The console cannot reach the gateway.').waitFor();
    await alert.getByText('Check that the gateway is running and your network is up, then try again.').waitFor();
    await expectNoHorizontalOverflow(page, 'Access matrix, connection lost');
    await expectAccessible(page, 'Access matrix, connection lost');

    // Back online, "Try again" loads the page.
    await page.unroute('**/api/v1/**');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('cell', { name: 'supplier-northwind' }).first().waitFor();
    await expect(page.getByRole('alert').filter({ hasText: 'Connection lost' }).count()).resolves.toBe(0);
    await context.close();
  });
});
