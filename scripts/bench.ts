import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { loadOrCreateSigningKey } from '../src/auth/key-store';

/**
 * `npm run bench [-- --smoke] [-- --pg postgres://…] [-- --out docs/benchmarks.md]`
 * Governed vs ungoverned vs bare-handler throughput and latency, on SQLite and PostgreSQL,
 * in one run on one machine, plus audit group-commit throughput and a CPU profile share.
 */
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const argValue = (name: string, fallback: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : fallback; };
const PG_BASE = argValue('--pg', process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const OUT = argValue('--out', smoke ? join(tmpdir(), 'benchmarks-smoke.md') : 'docs/benchmarks.md');
const DURATION = smoke ? 1 : Number(argValue('--duration', '8'));
const CONNECTIONS = smoke ? 4 : 16;
const ISSUER = 'https://gateway.bench';
const AUDIENCE = 'bench';

interface Run { name: string; rps: number; p50: number; p99: number; non2xx: number; slices?: number[] }

/** Pairs of slices per route (one governed, one ungoverned), and the length of a slice in seconds. */
const PAIRS = smoke ? 1 : Number(argValue('--pairs', '6'));
const SLICE = smoke ? 1 : Number(argValue('--slice', '3'));

function spawnNode(argv: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitFor(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try { if ((await fetch(url)).status < 500) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const ended = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await ended;
}

async function cannon(name: string, opts: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx };
}

async function token(dataDir: string, claims: Record<string, unknown>): Promise<string> {
  const key = await loadOrCreateSigningKey(dataDir);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid }).setSubject('bench')
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt().setExpirationTime('1h').sign(key.privateKey);
}

/** The gateway as deployed (`npm start`): compiled once, then run from dist/ with plain node. */
function build(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

async function startGateway(port: number, env: Record<string, string>, extraArgs: string[] = []): Promise<ChildProcess> {
  const child = spawnNode([...extraArgs, 'dist/main.js'], {
    PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', NODE_ENV: 'development',
    JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...env,
  });
  await waitFor(`http://127.0.0.1:${port}/health/ready`);
  return child;
}

/** Lifts the demo partners' request quotas so the benchmark measures work, not 429s. */
async function liftQuotas(base: string, dataDir: string): Promise<void> {
  const gov = await token(dataDir, { roles: ['governance'] });
  for (const id of ['supplier-northwind', 'carrier-swiftlog']) {
    const current = (await (await fetch(`${base}/api/v1/policies/${id}`, { headers: { authorization: `Bearer ${gov}` } })).json()) as {
      data: { document: Record<string, unknown> & { limits?: Record<string, unknown> } };
    };
    const doc = { ...current.data.document, limits: { ...(current.data.document.limits ?? {}), requestsPerMinute: 1_000_000 } };
    const res = await fetch(`${base}/api/v1/policies/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${gov}`, 'content-type': 'application/json' }, body: JSON.stringify(doc) });
    if (res.status !== 200) throw new Error(`could not lift the quota of ${id}: ${res.status}`);
  }
}

/** A database of its own for one gateway: a data directory, and on PostgreSQL a fresh database. */
async function newStore(dialect: 'sqlite' | 'postgres', label: string): Promise<{ env: Record<string, string>; dataDir: string; drop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `bench-${dialect}-${label}-`));
  const env: Record<string, string> = { DATA_DIR: dataDir };
  let dbName: string | null = null;
  if (dialect === 'postgres') {
    dbName = `gw_bench_${label}_${Date.now()}`;
    const admin = new Client({ connectionString: PG_BASE });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${dbName}`);
    await admin.end();
    const url = new URL(PG_BASE);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  }
  const drop = async () => {
    if (dbName) {
      const admin = new Client({ connectionString: PG_BASE });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      await admin.end();
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { env, dataDir, drop };
}

interface Side { mode: 'governed' | 'ungoverned'; base: string; nw: string; sw: string }

async function sideOf(mode: Side['mode'], base: string, dataDir: string): Promise<Side> {
  return {
    mode, base,
    nw: await token(dataDir, { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' }),
    sw: await token(dataDir, { roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' }),
  };
}

const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
const GQL_BODY = JSON.stringify({ query: '{ demandSignals { nodes { id sku productFamily site region periodStart forecastQty orderedQty updatedAt } } }' });
const ROUTES: Array<{ name: string; request: (side: Side) => autocannon.Options }> = [
  { name: 'REST list', request: (s) => ({ url: `${s.base}/api/v1/demand-signals`, headers: auth(s.nw) }) },
  { name: 'GraphQL list', request: (s) => ({ url: `${s.base}/graphql`, method: 'POST', headers: auth(s.nw), body: GQL_BODY }) },
  { name: 'PATCH shipment', request: (s) => ({ url: `${s.base}/api/v1/shipments/shp-0001`, method: 'PATCH', headers: auth(s.sw), body: JSON.stringify({ lastLocation: 'Bench hub' }) }) },
];

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<{ runs: Run[]; pairs: Record<string, number[]>; audit?: { batched: number; unbatched: number }; policyShare?: number }> {
  const port = 4100 + (dialect === 'postgres' ? 10 : 0);
  const governedStore = await newStore(dialect, 'gov');
  const ungovernedStore = await newStore(dialect, 'ungov');
  const runs: Run[] = [];
  const pairs: Record<string, number[]> = {};
  // Both gateways run side by side, each on its own copy of the demo data; the one not measured idles.
  let governed = await startGateway(port, governedStore.env);
  const ungoverned = await startGateway(port + 2, { ...ungovernedStore.env, BENCH_UNGOVERNED: 'true' });
  const limit = spawnNode(['-r', 'ts-node/register/transpile-only', 'scripts/bench-limit-server.ts'], { ...governedStore.env, PORT: String(port + 1) });
  const base = `http://127.0.0.1:${port}`;
  try {
    await liftQuotas(base, governedStore.dataDir);
    await waitFor(`http://127.0.0.1:${port + 1}/`);
    const sides = [await sideOf('governed', base, governedStore.dataDir), await sideOf('ungoverned', `http://127.0.0.1:${port + 2}`, ungovernedStore.dataDir)];
    // Short slices in alternating pairs (governed first, then ungoverned first): the machine's drift
    // over the run falls on both sides alike, and each pair gives its own ratio.
    for (const route of ROUTES) {
      for (const side of sides) await cannon('warm-up', { ...route.request(side), duration: 1 });
      pairs[route.name] = [];
      for (let pair = 0; pair < PAIRS; pair++) {
        const order = pair % 2 === 0 ? sides : [...sides].reverse();
        const slice: Record<string, number> = {};
        for (const side of order) {
          const run = await cannon(`${route.name}, ${side.mode}`, { ...route.request(side), duration: SLICE });
          runs.push(run);
          slice[side.mode] = run.rps;
        }
        pairs[route.name].push(slice.governed / slice.ungoverned);
      }
    }
    const limitBase = `http://127.0.0.1:${port + 1}`;
    runs.push(await cannon('REST list, bare handler (limit)', { url: `${limitBase}/`, duration: SLICE * PAIRS }));
    runs.push(await cannon('GraphQL list, bare handler (limit)', { url: `${limitBase}/graphql`, method: 'POST', headers: { 'content-type': 'application/json' }, body: GQL_BODY, duration: SLICE * PAIRS }));

    const nw = sides[0].nw;
    let audit: { batched: number; unbatched: number } | undefined;
    let policyShare: number | undefined;
    if (dialect === 'postgres') {
      // Group commit against one transaction per event: each on a fresh process, warmed up alike.
      const eventsPerSecond = async (env: Record<string, string>) => {
        await stop(governed);
        governed = await startGateway(port, { ...governedStore.env, ...env });
        await cannon('warm-up', { url: `${base}/api/v1/demand-signals`, headers: auth(nw), duration: 1 });
        return (await cannon('audit events/s', { url: `${base}/api/v1/demand-signals`, headers: auth(nw) })).rps;
      };
      audit = { batched: await eventsPerSecond({}), unbatched: await eventsPerSecond({ AUDIT_FLUSH_MS: '0', AUDIT_MAX_BATCH: '1' }) };
    }
    if (!smoke) {
      await stop(governed);
      const profDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
      governed = await startGateway(port, governedStore.env, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      await cannon('profiled', { url: `${base}/api/v1/demand-signals`, headers: auth(nw) });
      await stop(governed);
      policyShare = policyCpuShare(profDir);
      rmSync(profDir, { recursive: true, force: true });
    }
    return { runs: combineSlices(runs), pairs, audit, policyShare };
  } finally {
    await stop(governed);
    await stop(ungoverned);
    await stop(limit);
    await governedStore.drop();
    await ungovernedStore.drop();
  }
}

/** Share of CPU samples (self time) spent in policy evaluation: ability lookup, CASL, field rights. */
function policyCpuShare(dir: string): number {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return NaN;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as { nodes: Array<{ id: number; callFrame: { url: string; functionName: string } }>; samples: number[] };
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let policy = 0;
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (!node) continue;
    const name = node.callFrame.functionName;
    if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') continue;
    busy++;
    const url = node.callFrame.url;
    if (/\/(src|dist)\/policy\/|\/(src|dist)\/access\/(policy-queries|row-judge|read-shape)|@casl|@ucast/.test(url)) policy++;
  }
  return busy === 0 ? NaN : policy / busy;
}

/** One row per route: the mean of its slices (the slices' req/s kept for the table). */
function combineSlices(runs: Run[]): Run[] {
  const names = [...new Set(runs.map((r) => r.name))];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return names.map((name) => {
    const of = runs.filter((r) => r.name === name);
    return {
      name, rps: mean(of.map((r) => r.rps)), p50: mean(of.map((r) => r.p50)), p99: mean(of.map((r) => r.p99)),
      non2xx: of.reduce((a, r) => a + r.non2xx, 0), slices: of.map((r) => r.rps),
    };
  });
}

function table(runs: Run[]): string {
  const lines = ['| route | req/s (mean) | req/s per slice (min–max) | p50 ms | p99 ms | non-2xx |', '|---|---:|---:|---:|---:|---:|'];
  for (const r of runs) {
    lines.push(`| ${r.name} | ${r.rps.toFixed(0)} | ${range(r.slices ?? [r.rps], 0)} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.non2xx} |`);
  }
  return lines.join('\n');
}

function range(values: number[], digits: number): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

function ratios(runs: Run[], pairs: Record<string, number[]>): string {
  const by = (n: string) => runs.find((r) => r.name === n)!;
  const overLimit = (route: string) => `- ${route} governed/limit throughput: ${(by(`${route}, governed`).rps / by(`${route}, bare handler (limit)`).rps).toFixed(2)}`;
  const line = (label: string, route: string, target: boolean) => {
    const gov = by(`${route}, governed`);
    const ungov = by(`${route}, ungoverned`);
    const ratio = (gov.rps / ungov.rps).toFixed(2);
    const perPair = `per pair ${range(pairs[route], 2)}`;
    const p99 = (gov.p99 / Math.max(ungov.p99, 1)).toFixed(2);
    return target
      ? `- ${label} governed/ungoverned throughput: **${ratio}** (target ≥ 0.80; ${perPair}); p99 ratio **${p99}** (target ≤ 2)`
      : `- ${label} governed/ungoverned throughput: ${ratio} (${perPair}); p99 ratio ${p99}`;
  };
  return [
    line('REST list', 'REST list', true),
    overLimit('REST list'),
    line('GraphQL list', 'GraphQL list', false),
    overLimit('GraphQL list'),
    line('PATCH shipment', 'PATCH shipment', false),
  ].join('\n');
}

async function main(): Promise<void> {
  const results: string[] = [];
  build();
  for (const dialect of ['sqlite', 'postgres'] as const) {
    process.stderr.write(`benchmarking ${dialect}…\n`);
    const { runs, pairs, audit, policyShare } = await benchDialect(dialect);
    const section = [`## ${dialect === 'sqlite' ? 'SQLite (embedded)' : 'PostgreSQL'}`, '', table(runs), '', ratios(runs, pairs)];
    if (audit) section.push(`- Audit log on PostgreSQL: ${audit.batched.toFixed(0)} events/s with group commit vs ${audit.unbatched.toFixed(0)} events/s with one transaction per event (each request writes one event)`);
    if (policyShare !== undefined) section.push(`- Policy evaluation (ability lookup, CASL, per-row field rights and their memo, read shapes) in a --cpu-prof profile of the governed list: ${(policyShare * 100).toFixed(1)}% of busy CPU samples (target < 5%)`);
    results.push(section.join('\n'));
    process.stdout.write(`${section.join('\n')}\n\n`);
  }
  const header = [
    '# Benchmarks', '',
    `Measured by \`npm run bench${smoke ? ' -- --smoke' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${type()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}.`,
    `autocannon, ${CONNECTIONS} connections. The governed and the ungoverned gateway run side by side, each on its own copy of the data; per route, after a 1 s warm-up of each, ${PAIRS} pair(s) of ${SLICE} s slices, one per gateway, in alternating order (each pair gives a ratio). Gateways, bare handler, load generator and database share the machine.`,
    'Same data (the demo set), same partner (supplier-northwind, purpose replenishment-planning, quota lifted), same rows and columns in every answer.', '',
    '- *governed*: the gateway as deployed (`npm start`: compiled, run from dist/ with node). Token verification, validation, rate limit, policy version check, cached ability, SQL row scope, per-row field rights, audit event committed before the answer.',
    '- *ungoverned*: the same routes on a gateway started with `BENCH_UNGOVERNED=true` (refused in production and off loopback): same controllers, token verification and validation; the row scope and granted fields are looked up once and reused as constants, and no request reads the policy version, counts a quota, evaluates rules per row or writes an audit event.',
    '- *bare handler*: a minimal Express handler plus the driver, the same SQL, no token (the practical limit); for GraphQL, the same rows through a bare graphql-js schema behind Express.', '',
  ].join('\n');
  // The figures are regenerated; the hand-written reading of them (its own section) is kept.
  const previous = existsSync(OUT) ? readFileSync(OUT, 'utf8') : '';
  const reading = previous.indexOf('\n## Reading the figures');
  writeFileSync(OUT, `${header}\n${results.join('\n\n')}\n${reading >= 0 ? previous.slice(reading) : ''}`);
  process.stderr.write(`written to ${OUT}\n`);
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
