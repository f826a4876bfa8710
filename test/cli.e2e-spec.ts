import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NORTHWIND } from './support/contract';
import { AUDIENCE, ISSUER, TestGateway } from './support/test-app';

jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one CLI as its npm script does (ts-node, transpile only), never through a shell. */
function cli(file: string, args: string[], env: Record<string, string> = {}): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', `src/cli/${file}.ts`, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, LOG_LEVEL: 'silent', ...env },
        timeout: 60_000,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Exit 2, exactly one line on stderr (no stack trace), nothing on stdout. */
function expectArgumentError(ran: Ran, pattern?: RegExp): void {
  expect({ code: ran.code, stdout: ran.stdout }).toEqual({ code: 2, stdout: '' });
  expect(ran.stderr).toMatch(/^[^\n]+\n$/);
  expect(ran.stderr).not.toMatch(/^\s+at /m);
  if (pattern) expect(ran.stderr).toMatch(pattern);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const CLIS: Array<{ file: string; script: string }> = [
  { file: 'token', script: 'token' },
  { file: 'policy-check', script: 'policy:check' },
  { file: 'policy-test', script: 'policy:test' },
  { file: 'audit-verify', script: 'audit:verify' },
  { file: 'audit-checkpoint', script: 'audit:checkpoint' },
  { file: 'demo-carrier', script: 'demo:carrier' },
  { file: 'migrate', script: 'migration:run' },
];

describe('operator CLIs', () => {
  let gw: TestGateway;
  let env: Record<string, string>;
  let scratch: string;

  beforeAll(async () => {
    gw = await TestGateway.start();
    // A few events on the chain.
    const nw = await gw.token(NORTHWIND);
    for (let i = 0; i < 3; i++) await gw.http.get('/api/v1/demand-signals?limit=1').set('Authorization', `Bearer ${nw}`).expect(200);
    env = {
      DATA_DIR: gw.dataDir,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      DATABASE_URL: gw.dialect === 'postgres' ? String(gw.dataSource.options['url' as never]) : '',
    };
    scratch = mkdtempSync(join(tmpdir(), 'gateway-cli-'));
  });

  afterAll(async () => {
    await gw?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('every CLI prints its usage on --help (exit 0) and refuses an unknown flag with one line (exit 2)', async () => {
    const runs = await Promise.all(
      CLIS.map(async ({ file, script }) => ({
        script,
        help: await cli(file, ['--help'], env),
        unknown: await cli(file, ['--no-such-flag', 'x'], env),
      })),
    );
    for (const { script, help, unknown } of runs) {
      expect({ script, code: help.code, stderr: help.stderr }).toEqual({ script, code: 0, stderr: '' });
      expect(help.stdout).toMatch(new RegExp(`^usage: npm run (-s )?${script.replace(':', '\\:')}\\b`));
      expectArgumentError(unknown, new RegExp(`^${script}: .*--no-such-flag`));
    }
  });

  it('token: bad values exit 2 with one line; --ttl=-600 still mints (an expired token), and only the token is printed', async () => {
    const base = ['--sub', 'ops@example', '--roles', 'admin'];
    const [badTtl, missingTtl, ambiguous, badRole, noSub, expired] = await Promise.all([
      cli('token', [...base, '--ttl', 'soon'], env),
      cli('token', [...base, '--ttl'], env),
      cli('token', [...base, '--ttl', '-600'], env),
      cli('token', ['--sub', 'ops@example', '--roles', 'wizard'], env),
      cli('token', ['--roles', 'admin'], env),
      cli('token', [...base, '--ttl=-600'], env),
    ]);
    expectArgumentError(badTtl, /--ttl must be a whole number/);
    expectArgumentError(missingTtl, /--ttl/);
    expectArgumentError(ambiguous, /--ttl/);
    expectArgumentError(badRole, /unknown role\(s\): wizard/);
    expectArgumentError(noSub, /--sub is required/);
    expect(expired).toMatchObject({ code: 0, stderr: '' });
    expect(expired.stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    const payload = JSON.parse(Buffer.from(expired.stdout.split('.')[1], 'base64url').toString());
    expect(payload.exp).toBeLessThan(Date.now() / 1000);
  });

  it('audit:verify: a bad number or a range past the head is an argument error, never "ok" nor a break', async () => {
    const head = await gw.headSeq();
    expect(head).toBeGreaterThanOrEqual(3);
    const [notNumber, fraction, zero, reversed, toPast, fromPast, inRange, whole] = await Promise.all([
      cli('audit-verify', ['--from', 'abc'], env),
      cli('audit-verify', ['--to', '1.5'], env),
      cli('audit-verify', ['--from', '0'], env),
      cli('audit-verify', ['--from', '3', '--to', '2'], env),
      cli('audit-verify', ['--to', String(head + 1000)], env),
      cli('audit-verify', ['--from', String(head + 5)], env),
      cli('audit-verify', ['--from', '2', '--to', '3'], env),
      cli('audit-verify', [], env),
    ]);
    expectArgumentError(notNumber, /--from must be a whole number/);
    expectArgumentError(fraction, /--to must be a whole number/);
    expectArgumentError(zero, /--from must be at least 1/);
    expectArgumentError(reversed, /--from \(3\) is after --to \(2\)/);
    expectArgumentError(toPast, /past the chain head/);
    expectArgumentError(fromPast, /past the chain head/);
    expect(inRange.code).toBe(0);
    expect(JSON.parse(inRange.stdout)).toMatchObject({ ok: true, checked: 2, from: 2, to: 3 });
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ ok: true });
  });

  it('policy:check and policy:test take files and folders as positional arguments; a missing path exits 2', async () => {
    const broken = join(scratch, 'broken.yaml');
    writeFileSync(broken, 'partner: { id: x\n  rules: [');
    const [checkFile, checkMixed, checkMissing, checkBroken, testFile, testFolder, testMissing] = await Promise.all([
      cli('policy-check', ['policies/carrier-swiftlog.yaml'], env),
      cli('policy-check', ['policies', 'policies/customer-globex.yaml'], env),
      cli('policy-check', ['policies/no-such-partner.yaml'], env),
      cli('policy-check', [broken], env),
      cli('policy-test', ['policies/carrier-swiftlog.yaml'], env),
      cli('policy-test', ['policies'], env),
      cli('policy-test', ['no-such-folder'], env),
    ]);
    expect(checkFile).toMatchObject({ code: 0, stdout: 'ok    policies/carrier-swiftlog.yaml\n1 valid, 0 invalid\n' });
    expect(checkMixed.code).toBe(0);
    expect(checkMixed.stdout).toMatch(/^6 valid, 0 invalid$/m);
    expectArgumentError(checkMissing, /no such file or folder: policies\/no-such-partner\.yaml/);
    expect(checkBroken.code).toBe(1);
    expect(checkBroken.stdout).toMatch(/^FAIL {2}.*broken\.yaml\n.*not YAML/m);
    expect(checkBroken.stderr).not.toMatch(/^\s+at /m);
    expect(testFile.code).toBe(0);
    expect(testFile.stdout).toMatch(/^PASS {2}policies\/carrier-swiftlog\.yaml: /m);
    expect(testFile.stdout).not.toMatch(/customer-globex/);
    expect(testFolder.code).toBe(0);
    expect(testFolder.stdout).toMatch(/customer-globex\.yaml/);
    expectArgumentError(testMissing, /no such file or folder: no-such-folder/);
  });

  it('the CLIs without arguments refuse a stray positional one', async () => {
    const runs = await Promise.all(['audit-verify', 'audit-checkpoint', 'migrate', 'token', 'demo-carrier'].map((f) => cli(f, ['extra'], env)));
    for (const ran of runs) expectArgumentError(ran, /extra/);
  });

  it('demo:carrier talks to GATEWAY_URL, else http://localhost:$PORT, else port 3000', async () => {
    const [port, other] = [await closedPort(), await closedPort()];
    const [byPort, byUrl] = await Promise.all([
      cli('demo-carrier', [], { ...env, GATEWAY_URL: '', PORT: String(port) }),
      cli('demo-carrier', [], { ...env, GATEWAY_URL: `http://127.0.0.1:${other}/`, PORT: String(port) }),
    ]);
    expect(byPort.code).toBe(1);
    expect(byPort.stderr).toMatch(new RegExp(`cannot reach the gateway at http://localhost:${port}/api/v1/shipments`));
    expect(byPort.stderr).not.toMatch(/^\s+at /m);
    expect(byUrl.code).toBe(1);
    expect(byUrl.stderr).toMatch(new RegExp(`cannot reach the gateway at http://127\\.0\\.0\\.1:${other}/api/v1/shipments`));
  });
});
