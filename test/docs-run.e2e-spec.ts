import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DocBlock, extractBlocks, mismatch, parseJsonStream, textMismatch, transpileSources } from './support/doc-blocks';
import { GatewayProcess } from './support/gateway-process';

/**
 * The docs that run: every ```bash / ```sh / ```shell block of README.md and docs/*.md is run
 * verbatim with bash (set -euo pipefail) in the repository root against a started gateway, one
 * fresh gateway per document (blocks run in document order), and must exit 0. When the doc shows
 * the answer in a ```json or ```text block right after it, the block's output must be that answer
 * ("…" stands for what differs from run to run). A block marked `<!-- norun: reason -->` is not run.
 *
 * The gateway always runs on SQLite in a temp dir with the demo data, whatever DATABASE_URL says.
 * The docs say localhost:3000; the blocks are run with that replaced by the test gateway's address.
 * `npm run -s <script>` of the ts-node scripts (token, policy:check, audit:verify, …) runs the
 * same source transpiled once (outside the tree, its packages found through NODE_PATH), through an
 * `npm` on PATH that hands every other call to npm.
 */

const ROOT = resolve(__dirname, '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => `docs/${f}`),
];
const BLOCKS = DOCS.map((file) => ({ file, blocks: extractBlocks(file, readFileSync(join(ROOT, file), 'utf8')) }));
const ALL = BLOCKS.flatMap((d) => d.blocks);
const SKIPPED = ALL.filter((b) => b.norun !== undefined);

/** Settings of the caller's environment that would point the gateway or the CLIs elsewhere. */
const CLEARED = ['DATABASE_URL', 'REDIS_URL', 'JWT_JWKS_URL', 'METRICS_TOKEN', 'DATA_DIR', 'PORT', 'HOST', 'GATEWAY_URL', 'POLICIES_DIR'];

let work: string;
let build: string;
let bin: string;

interface DocGateway {
  gw: GatewayProcess;
  dataDir: string;
}
/** One gateway per document; the next document's starts while this one's blocks run. */
const starting = new Map<number, Promise<DocGateway>>();

function gatewayFor(index: number): Promise<DocGateway> {
  let started = starting.get(index);
  if (!started) {
    const dataDir = mkdtempSync(join(work, 'data-'));
    started = GatewayProcess.start(
      {
        DATABASE_URL: '',
        REDIS_URL: '',
        JWT_JWKS_URL: '',
        METRICS_TOKEN: '',
        NODE_PATH: join(ROOT, 'node_modules'),
        NODE_ENV: 'development',
        DATA_DIR: dataDir,
        SEED_DEMO: 'true',
      },
      join(build, 'main.js'),
    ).then((gw) => ({ gw, dataDir }));
    started.catch(() => undefined);
    starting.set(index, started);
  }
  return started;
}

function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of CLEARED) delete env[k];
  return env;
}

function writeNpmShim(): void {
  const realNpm = spawnSync('bash', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
  const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<string, string>;
  const cases = Object.entries(scripts)
    .map(([name, cmd]) => [name, /^ts-node --transpile-only src\/(\S+)\.ts$/.exec(cmd)?.[1]] as const)
    .filter(([, path]) => path)
    .map(([name, path]) => `    ${name}) main=${JSON.stringify(join(build, `${path}.js`))} ;;`);
  writeFileSync(
    join(bin, 'npm'),
    [
      '#!/usr/bin/env bash',
      'if [ "${1:-}" = run ] && [ "${2:-}" = -s ]; then',
      '  case "${3:-}" in',
      ...cases,
      '    *) main= ;;',
      '  esac',
      '  if [ -n "$main" ]; then shift 3; [ "${1:-}" = -- ] && shift; exec node "$main" "$@"; fi',
      'fi',
      `exec ${JSON.stringify(realNpm)} "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(join(bin, 'npm'), 0o755);
}

function runBlock(block: DocBlock, gw: GatewayProcess, dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const script = `set -euo pipefail\n${block.code.replaceAll('localhost:3000', `127.0.0.1:${gw.port}`)}\n`;
  const child = spawn('bash', ['-c', script], {
    cwd: ROOT,
    env: { ...cleanEnv(), PATH: `${bin}:${process.env.PATH}`, NODE_PATH: join(ROOT, 'node_modules'), DATA_DIR: dataDir, GATEWAY_URL: gw.url },
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 110_000,
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  return new Promise((done) => child.on('close', (code) => done({ code, stdout, stderr })));
}

function checkOutput(block: DocBlock, stdout: string): void {
  const expected = block.expected;
  if (!expected) return;
  const where = `${block.file}:${block.line} against the output shown at line ${expected.line}`;
  if (expected.lang === 'text') {
    const m = textMismatch(expected.text, stdout);
    if (m) throw new Error(`${where}: ${m}`);
    return;
  }
  const want = parseJsonStream(expected.text);
  let got: unknown[];
  try {
    got = parseJsonStream(stdout);
  } catch (e) {
    throw new Error(`${where}: the output is not JSON (${(e as Error).message}):\n${stdout}`);
  }
  if (got.length !== want.length) throw new Error(`${where}: ${want.length} JSON values shown, ${got.length} printed:\n${stdout}`);
  want.forEach((w, i) => {
    const m = mismatch(w, got[i]);
    if (m) throw new Error(`${where}, value ${i + 1}: ${m}\n${stdout}`);
  });
}

describe('docs: every shell block of README.md and docs/*.md runs against a started gateway (SQLite in a temp dir, demo data)', () => {
  beforeAll(() => {
    // The programs the docs call besides npm and node.
    const missing = ['bash', 'curl', 'jq', 'python3', 'sqlite3'].filter((tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0);
    if (missing.length) throw new Error(`the docs' examples need ${missing.join(', ')} on PATH`);
    work = mkdtempSync(join(tmpdir(), 'gw-docs-'));
    build = join(work, 'build');
    bin = join(work, 'bin');
    mkdirSync(bin);
    transpileSources(join(ROOT, 'src'), build);
    writeNpmShim();
  }, 120_000);

  afterAll(async () => {
    for (const started of starting.values())
      await started.then(
        ({ gw }) => gw.stop(),
        () => undefined,
      );
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('finds the shell blocks, runs all but a few, and names why each skipped one is not run', () => {
    expect(BLOCKS.find((d) => d.file === 'README.md')?.blocks.length).toBeGreaterThan(0);
    const lines = SKIPPED.map((b) => `  ${b.file}:${b.line}: ${b.norun}`);

    console.log(`${ALL.length} shell blocks in ${DOCS.length} documents; ${ALL.length - SKIPPED.length} run, ${SKIPPED.length} not run:\n${lines.join('\n')}`);
    for (const b of SKIPPED) expect(b.norun).toMatch(/\w{3}/);
    expect(SKIPPED.length * 4).toBeLessThan(ALL.length);
  });

  BLOCKS.filter((d) => d.blocks.some((b) => b.norun === undefined)).forEach(({ file, blocks }, index, docs) => {
    describe(file, () => {
      let gw: GatewayProcess;
      let dataDir: string;
      let rootBefore: Set<string>;

      beforeAll(async () => {
        rootBefore = new Set(readdirSync(ROOT));
        ({ gw, dataDir } = await gatewayFor(index));
        if (index + 1 < docs.length) void gatewayFor(index + 1);
      }, 120_000);

      afterAll(async () => {
        await gw?.stop();
        // Files the blocks wrote (draft.json, audit.ndjson, …) are not left in the working tree.
        for (const entry of readdirSync(ROOT)) if (!rootBefore.has(entry)) rmSync(join(ROOT, entry), { recursive: true, force: true });
      });

      for (const block of blocks) {
        if (block.norun !== undefined) {
          it.skip(`${file}:${block.line} (norun: ${block.norun})`, () => undefined);
          continue;
        }
        it(`${file}:${block.line}${block.expected ? ' prints what the doc shows' : ' exits 0'}`, async () => {
          const { code, stdout, stderr } = await runBlock(block, gw, dataDir);
          if (code !== 0) throw new Error(`${file}:${block.line} exited ${code}\n--- stdout\n${stdout}\n--- stderr\n${stderr}`);
          checkOutput(block, stdout);
        }, 120_000);
      }
    });
  });
});

describe('docs: the output check itself', () => {
  it('tells a different answer from the one shown', () => {
    expect(mismatch({ status: 403, code: 'FORBIDDEN_FIELDS' }, { status: 403, code: 'FORBIDDEN_FIELDS' })).toBeNull();
    expect(mismatch({ status: 403, code: 'FORBIDDEN_FIELDS' }, { status: 404, code: 'NOT_FOUND' })).not.toBeNull();
    expect(mismatch({ id: 'evt-…', at: '…' }, { id: 'evt-12', at: 5 })).toBeNull();
    expect(mismatch({ id: 'evt-…' }, { id: 'shp-12' })).not.toBeNull();
    expect(mismatch({ a: 1 }, { a: 1, b: 2 })).not.toBeNull();
    expect(mismatch([1, 2], [1])).not.toBeNull();
    expect(parseJsonStream('{"a":[1,"}"]}\n{\n  "b": 2\n}\ntrue "x"')).toEqual([{ a: [1, '}'] }, { b: 2 }, true, 'x']);
    expect(textMismatch('HTTP/1.1 201 Created\nIdempotent-Replayed: …', 'HTTP/1.1 201 Created\nIdempotent-Replayed: true\n')).toBeNull();
    expect(textMismatch('RateLimit-Remaining: 599', 'RateLimit-Remaining: 598')).not.toBeNull();
  });
});
