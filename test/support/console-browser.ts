import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Browser, BrowserContext, BrowserContextOptions, chromium, Page } from 'playwright-core';
import { createTestDatabase, TestDatabase } from './database';
import { GatewayProcess } from './gateway-process';

/**
 * The console in a real browser (Debian's Chromium through playwright-core) against a real gateway
 * process serving the built console, on a database and a data directory of its own.
 */
const ROOT = resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/**
 * Screenshots go to docs/console (the console guide's pictures) only with UPDATE_SCREENSHOTS=1;
 * otherwise to a temporary folder, so that running the tests leaves the working tree as it was.
 */
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'console') : join(tmpdir(), 'gateway-console-screenshots');
mkdirSync(SHOTS, { recursive: true });
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** A page of a fresh browser context, with the API requests it made ("GET /api/v1/…"). */
export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  apiCalls: string[];
}

export class ConsoleBrowser {
  /** Content-Security-Policy violations reported on any page opened through newPage or signIn. */
  readonly cspViolations: string[] = [];

  private constructor(
    readonly gw: GatewayProcess,
    readonly browser: Browser,
    private readonly db: TestDatabase,
    private readonly dataDir: string,
  ) {}

  /**
   * Builds the console if it is not built, starts the gateway with demo sign-in and the demo data
   * (`env` adds to or overrides that), and launches Chromium. `name` tells the data directories apart.
   */
  static async start(name: string, env: Record<string, string> = {}): Promise<ConsoleBrowser> {
    if (!existsSync(join(ROOT, 'console', 'dist', 'index.html'))) {
      execFileSync('npm', ['run', '-s', 'build', '-w', 'console'], { cwd: ROOT, stdio: 'inherit' });
    }
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
    let gw: GatewayProcess | undefined;
    try {
      gw = await GatewayProcess.start({
        DATABASE_URL: db.url ?? '',
        REDIS_URL: '',
        JWT_JWKS_URL: '',
        OIDC_ISSUER: '',
        OIDC_CLIENT_ID: '',
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        SEED_DEMO: 'true',
        ...env,
      });
      return new ConsoleBrowser(gw, await launchChromium(), db, dataDir);
    } catch (e) {
      await gw?.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await this.gw.stop();
    await this.db.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  /** A fresh browser context: nothing carries over between sign-ins but the server's state. */
  async newPage(options: BrowserContextOptions = {}): Promise<ConsolePage> {
    const context = await this.browser.newContext(options);
    const page = await context.newPage();
    const apiCalls: string[] = [];
    page.on('request', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/api/')) apiCalls.push(`${r.method()} ${url.pathname}`);
    });
    collectCspViolations(page, this.cspViolations);
    return { page, context, apiCalls };
  }

  /** Signs in as a demo identity (the label of its button) in a fresh browser context. */
  async signIn(identity: string, options: BrowserContextOptions = {}): Promise<ConsolePage> {
    const opened = await this.newPage(options);
    const { page } = opened;
    await page.goto(`${this.gw.url}/console`);
    await page.getByRole('heading', { name: 'Sign in as a demo identity' }).waitFor();
    await page.getByRole('button', { name: identity, exact: true }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return opened;
  }

  /** A bearer token of a demo identity (its id), as the sign-in page gets it. */
  async tokenOf(identity: string): Promise<string> {
    const res = await fetch(`${this.gw.url}/console/demo-token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ identity }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: { token: string } }).data.token;
  }
}

/** launch() gives the browser a fresh profile directory of its own (it refuses --user-data-dir). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Adds the Content-Security-Policy violations the page reports on its console to `into`. */
export function collectCspViolations(page: Page, into: string[]): void {
  page.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) into.push(m.text());
  });
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page, name: string): Promise<void> {
  await page.evaluate(AXE);
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: { run(c: Document): Promise<{ violations: { id: string; impact: string; nodes: { target: string[]; failureSummary: string }[] }[] }> };
      }
    ).axe.run(document);
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      nodes: v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
    }));
  });
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect({ page: name, violations: bad }).toEqual({ page: name, violations: [] });
}

/** A screenshot of the viewport for the docs: docs/console/<name>.png (see SHOTS). */
export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
}

/** Where the docs' screenshots are, for shots of a part of a page. */
export const shotPath = (name: string): string => join(SHOTS, `${name}.png`);
