import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem, type } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { breakdown, breakdownTable, policyShare, POLICY_COMPONENTS, ProfileBreakdown, readCpuProfile, TimeWindow } from './cpu-profile';

/**
 * `npm run bench [-- --smoke] [-- --pg postgres://…] [-- --out docs/benchmarks.md]`
 * Governed vs ungoverned vs bare-handler throughput and latency, on SQLite and PostgreSQL,
 * in one run on one machine, plus audit group-commit throughput and a CPU profile of the governed gateway
 * read into components (scripts/cpu-profile.ts).
 */
const USAGE = `npm run bench [-- options]

Compiles the gateway (tsc -p tsconfig.build.json), then measures it from dist/: the governed gateway
(dist/main.js) against the ungoverned one (dist/bench/ungoverned-main.js), minimal Nest apps (Express, Fastify) and a bare
node:http handler, on SQLite and PostgreSQL, and on PostgreSQL's GraphQL list against PostGraphile 4 with row-level
security (its own package in scripts/postgraphile, installed there with npm ci when missing); writes the figures to
docs/benchmarks.md.

  --smoke                 1 s slices, one round, 4 connections; writes to the temporary directory
  --only sqlite|postgres  one dialect
  --pg <url>              PostgreSQL server for the fresh databases (default $BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/test)
  --out <file>            where the figures go (default docs/benchmarks.md)
  --duration <s>          length of the audit and profile runs (default 8)
  --keep-profile <dir>    keep the governed gateway's CPU profile there (governed-<dialect>.cpuprofile)
  --rounds <n>            rounds per route (default 5)
  --slice <s>             length of a slice (default 3)
  --ab <label>            this build against a variant: [--b-dist <dir>] [--b-env K=V,K=V] [--ab-pg] [--no-build]
  --shadow                a governed gateway with and without a candidate in shadow: [--shadow-rows] [--ab-pg] [--b-env K=V] [--no-build]
  --help                  this text
`;
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const argValue = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
};
const PG_BASE = argValue('--pg', process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const OUT = argValue('--out', smoke ? join(tmpdir(), 'benchmarks-smoke.md') : 'docs/benchmarks.md');
const DURATION = smoke ? 1 : Number(argValue('--duration', '8'));
const KEEP_PROFILE = argValue('--keep-profile', '');
const CONNECTIONS = smoke ? 4 : 16;
const ISSUER = 'https://gateway.bench';
const AUDIENCE = 'bench';

interface Run {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  /** Requests answered in the run. */
  requests?: number;
  /** The server's CPU time per request in the run (µs), where its process is known. */
  cpuPerRequest?: number;
  slices?: number[];
  cpuSlices?: number[];
}

/** Rounds per route (one slice per side in each), and the length of a slice in seconds. */
const ROUNDS = smoke ? 1 : Number(argValue('--rounds', '5'));
const SLICE = smoke ? 1 : Number(argValue('--slice', '3'));

function spawnNode(argv: string[], env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, argv, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
}

async function waitFor(url: string, timeoutMs = 180_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(url)).status < 500) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not come up`);
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const ended = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await ended;
}

async function cannon(name: string, opts: autocannon.Options): Promise<Run> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  return { name, rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, requests: result.requests.total };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux whatever the kernel's tick rate). */
const USER_HZ = 100;

/**
 * The CPU time (user and system, in µs) a process has used so far, from /proc/<pid>/stat; undefined
 * where there is no /proc. A side's CPU time per request depends far less on what else the machine
 * runs than its throughput does, so small differences show in it that the throughput's noise hides.
 */
function cpuMicros(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (in parentheses, which may hold spaces): utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / USER_HZ;
}

async function token(dataDir: string, claims: Record<string, unknown>): Promise<string> {
  const key = await loadOrCreateSigningKey(dataDir);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject('bench')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(key.privateKey);
}

/** The gateway as deployed (`npm start`): compiled once, then run from dist/ with plain node. */
function build(): void {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
}

async function startGateway(port: number, env: Record<string, string>, extraArgs: string[] = [], main = 'dist/main.js'): Promise<ChildProcess> {
  const child = spawnNode([...extraArgs, main], {
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    NODE_ENV: 'development',
    JWT_ISSUER: ISSUER,
    JWT_AUDIENCE: AUDIENCE,
    ...env,
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
    const res = await fetch(`${base}/api/v1/policies/${id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${gov}`, 'content-type': 'application/json' },
      body: JSON.stringify(doc),
    });
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

/** Demand rows added for the page-cost comparison, and how many of them are in Northwind's scope on its small side. */
const GROWTH = smoke ? 20_000 : 200_000;
const SMALL_SCOPE = GROWTH / 100;

type Mode =
  'governed' | 'ungoverned' | 'nest' | 'nestFastify' | 'nestFastifySchema' | 'bare' | 'postgraphile' | 'scopeSmall' | 'scopeLarge' | 'variant' | 'shadowed';
interface Side {
  mode: Mode;
  base: string;
  nw: string;
  sw: string;
  /** The side's server process, whose CPU time per request is read from /proc (Linux) around each slice. */
  pid?: number;
}

const MODE_LABEL: Record<Mode, string> = {
  governed: 'governed',
  ungoverned: 'ungoverned',
  nest: 'minimal Nest (Express)',
  nestFastify: 'minimal Nest (Fastify)',
  nestFastifySchema: 'minimal Nest (Fastify, answer schema)',
  bare: 'bare node:http',
  postgraphile: 'PostGraphile (row-level security)',
  scopeSmall: `governed, ${SMALL_SCOPE.toLocaleString('en')} rows in scope`,
  scopeLarge: `governed, ${GROWTH.toLocaleString('en')} rows in scope`,
  variant: 'governed, variant',
  shadowed: 'governed, shadow running',
};

async function sideOf(mode: Side['mode'], base: string, dataDir: string, pid?: number): Promise<Side> {
  return {
    mode,
    base,
    pid,
    nw: await token(dataDir, { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' }),
    sw: await token(dataDir, { roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' }),
  };
}

const auth = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
const GQL_BODY = JSON.stringify({ query: '{ demandSignals { nodes { id sku productFamily site region periodStart forecastQty orderedQty updatedAt } } }' });
/**
 * The same question put to PostGraphile: its root field is named as the gateway's (scripts/postgraphile/server.cjs),
 * in id order, a page of the gateway's default size (DEFAULT_PAGE, src/access/governed-data.service.ts).
 */
const PGL_BODY = JSON.stringify({
  query: '{ demandSignals(first: 100, orderBy: ID_ASC) { nodes { id sku productFamily site region periodStart forecastQty orderedQty updatedAt } } }',
});
interface Route {
  name: string;
  request: (side: Side) => autocannon.Options;
  /** Floors measured on this route besides the minimal Nest app on Express and the bare handler. */
  floors?: Array<'nestFastify' | 'nestFastifySchema'>;
  /** The same request to PostGraphile, measured on PostgreSQL (the side takes no token: its database role is fixed). */
  postgraphile?: (side: Side) => autocannon.Options;
}
const requestOf = (route: Route, side: Side): autocannon.Options => (side.mode === 'postgraphile' ? route.postgraphile!(side) : route.request(side));
const REST_LIST: Route = {
  name: 'REST list',
  request: (s) => ({ url: `${s.base}/api/v1/demand-signals`, headers: auth(s.nw) }),
  floors: ['nestFastify', 'nestFastifySchema'],
};
const GRAPHQL_LIST: Route = {
  name: 'GraphQL list',
  request: (s) => ({ url: `${s.base}/graphql`, method: 'POST', headers: auth(s.nw), body: GQL_BODY }),
  postgraphile: (s) => ({ url: `${s.base}/graphql`, method: 'POST', headers: { 'content-type': 'application/json' }, body: PGL_BODY }),
};
const ROUTES: Route[] = [
  REST_LIST,
  GRAPHQL_LIST,
  {
    name: 'PATCH shipment',
    request: (s) => ({ url: `${s.base}/api/v1/shipments/shp-0001`, method: 'PATCH', headers: auth(s.sw), body: JSON.stringify({ lastLocation: 'Bench hub' }) }),
    floors: ['nestFastify'],
  },
];
/** The routes profiled on the governed gateway, one after the other in one profiled process. */
const PROFILED: Route[] = [REST_LIST, GRAPHQL_LIST];

/** The floors must give the same list answer (a floor serialising with a schema could drop or coerce a field). */
async function sameListAnswers(urls: string[]): Promise<void> {
  const answers = await Promise.all(urls.map(async (url): Promise<unknown> => (await fetch(url)).json()));
  const differing = urls.filter((_, i) => !isDeepStrictEqual(answers[i], answers[0]));
  if (differing.length) throw new Error(`the floors' list answers differ from ${urls[0]}'s: ${differing.join(', ')}`);
}

const PGL_DIR = join('scripts', 'postgraphile');

/**
 * PostGraphile 4 needs graphql 15 and the gateway uses 16, so it is a package of its own
 * (scripts/postgraphile, with its own lock file), installed there when it is missing or not the pinned version.
 */
function installPostGraphile(): void {
  const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
  const pinned = readJson<{ dependencies: Record<string, string> }>(join(PGL_DIR, 'package.json')).dependencies.postgraphile;
  const installed = join(PGL_DIR, 'node_modules', 'postgraphile', 'package.json');
  if (existsSync(installed) && readJson<{ version: string }>(installed).version === pinned) return;
  process.stderr.write(`installing PostGraphile ${pinned} into ${PGL_DIR} (npm ci)…\n`);
  execFileSync('npm', ['ci', '--prefix', PGL_DIR, '--no-audit', '--no-fund'], { stdio: ['ignore', 2, 2] });
}

/** The PostGraphile side's database roles; roles belong to the whole PostgreSQL server, so each run has its own. */
interface PostGraphileRoles {
  /** Northwind (purpose replenishment-planning): the role every PostGraphile request runs as. */
  partner: string;
  /** The role PostGraphile logs in as: it may only become the partner's role (NOINHERIT). */
  authenticator: string;
  password: string;
}

function postgraphileRoles(): PostGraphileRoles {
  const suffix = `${process.pid}_${Date.now()}`;
  return { partner: `bench_pgl_northwind_${suffix}`, authenticator: `bench_pgl_auth_${suffix}`, password: randomBytes(16).toString('hex') };
}

/**
 * Northwind's GraphQL list rights (policies/supplier-northwind.yaml, purpose replenishment-planning) in
 * PostgreSQL's own terms, on the floors' store: row-level security for the rows of
 * `demand-for-supplied-skus` and column grants for its fields. `no-order-volumes-in-restricted-region`
 * withholds one field on some rows, which neither a policy (rows) nor a grant (columns) can say: the
 * role is granted, in place of `ordered_qty`, a stored generated column that is null on those rows,
 * named `orderedQty` in PostGraphile's schema (smart comment). The floors connect as the table's owner,
 * which row-level security does not restrict, and name their columns, so they read as before.
 * Returns the authenticator's connection string.
 */
async function grantPostGraphile(databaseUrl: string, roles: PostGraphileRoles): Promise<string> {
  const { partner, authenticator, password } = roles;
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (const sql of [
      `CREATE ROLE ${partner} NOLOGIN`,
      `CREATE ROLE ${authenticator} LOGIN NOINHERIT PASSWORD '${password}'`,
      `GRANT ${partner} TO ${authenticator}`,
      `GRANT USAGE ON SCHEMA public TO ${partner}`,
      `ALTER TABLE demand_signals ADD COLUMN ordered_qty_unrestricted integer GENERATED ALWAYS AS (CASE WHEN region = 'EMEA-RESTRICTED' THEN NULL ELSE ordered_qty END) STORED`,
      `COMMENT ON COLUMN demand_signals.ordered_qty_unrestricted IS '@name ordered_qty'`,
      `GRANT SELECT (id, sku, product_family, site, region, period_start, forecast_qty, ordered_qty_unrestricted, updated_at) ON demand_signals TO ${partner}`,
      'ALTER TABLE demand_signals ENABLE ROW LEVEL SECURITY',
      `CREATE POLICY demand_for_supplied_skus ON demand_signals FOR SELECT TO ${partner} USING (sku IN ('SKU-100', 'SKU-200'))`,
    ])
      await client.query(sql);
  } finally {
    await client.end();
  }
  const url = new URL(databaseUrl);
  url.username = authenticator;
  url.password = password;
  return url.toString();
}

/** After the floors' database is dropped (the roles hold rights in it until then). */
async function dropPostGraphileRoles(roles: PostGraphileRoles): Promise<void> {
  const admin = new Client({ connectionString: PG_BASE });
  await admin.connect();
  try {
    await admin.query(`DROP ROLE IF EXISTS ${roles.authenticator}`);
    await admin.query(`DROP ROLE IF EXISTS ${roles.partner}`);
  } finally {
    await admin.end();
  }
}

/**
 * PostGraphile must answer the GraphQL list with the governed answer's rows, field for field (a field
 * the policy withholds on a row is null in both; the governed answer also carries an error for it).
 */
async function sameRowsAsGoverned(governed: Side, postgraphile: Side): Promise<void> {
  const nodes = async (side: Side): Promise<unknown[]> => {
    const { url, method, headers, body } = requestOf(GRAPHQL_LIST, side);
    const answer = (await (await fetch(url, { method, headers: headers as Record<string, string>, body: body as string })).json()) as {
      data?: { demandSignals?: { nodes?: unknown[] } };
    };
    const rows = answer.data?.demandSignals?.nodes;
    if (!Array.isArray(rows) || rows.length === 0)
      throw new Error(`no GraphQL list rows from ${MODE_LABEL[side.mode]}: ${JSON.stringify(answer).slice(0, 500)}`);
    return rows;
  };
  const [expected, actual] = [await nodes(governed), await nodes(postgraphile)];
  if (isDeepStrictEqual(actual, expected)) return;
  const differing = expected.findIndex((row, i) => !isDeepStrictEqual(row, actual[i]));
  const at = differing >= 0 ? differing : expected.length;
  throw new Error(
    `PostGraphile's GraphQL list differs from the governed one (${actual.length} rows against ${expected.length}); first difference at row ${at}: ${JSON.stringify(actual[at])} against ${JSON.stringify(expected[at])}`,
  );
}

/** Now on the system's monotonic clock in microseconds, the clock of a CPU profile's sample times. */
const nowMicros = (): number => Number(process.hrtime.bigint() / 1000n);
/** The governed list of a partner with and without a candidate policy in shadow (docs/governance-guide.md, "Shadow mode"). */
const SHADOW_ROUTE: Route = { name: 'REST list, shadow', request: (s) => ({ url: `${s.base}/api/v1/demand-signals`, headers: auth(s.nw) }) };

/**
 * Runs a candidate in shadow for Northwind on one gateway: the version in force without the product
 * family, so every list differs and is counted (SHADOW_SAMPLE_RATE stays at its default, 1). Such a
 * candidate keeps the row scope and is judged on the rows answered; with --shadow-rows it narrows
 * the rows too and each evaluation runs one more query.
 */
async function startShadow(base: string, dataDir: string): Promise<void> {
  const gov = await token(dataDir, { roles: ['governance'] });
  const current = (await (await fetch(`${base}/api/v1/policies/supplier-northwind`, { headers: auth(gov) })).json()) as {
    data: { document: { rules: Array<{ id: string; fields?: string[]; conditions?: Record<string, unknown> }> } };
  };
  const doc = structuredClone(current.data.document);
  const rule = doc.rules.find((r) => r.id === 'demand-for-supplied-skus')!;
  rule.fields = rule.fields!.filter((f) => f !== 'productFamily');
  // `--shadow-rows`: the candidate also changes the row scope, so each evaluation runs its own query.
  if (args.includes('--shadow-rows')) rule.conditions = { ...(rule.conditions ?? {}), region: { $ne: 'APAC' } };
  const res = await fetch(`${base}/api/v1/policies/supplier-northwind/shadow`, { method: 'PUT', headers: auth(gov), body: JSON.stringify(doc) });
  if (res.status !== 200) throw new Error(`could not start the shadow: ${res.status} ${await res.text()}`);
}

/** What the shadow counted over the run (a check that it ran: every list evaluated). */
async function shadowReport(base: string, dataDir: string): Promise<{ evaluated: number; differing: number; errors: number }> {
  const gov = await token(dataDir, { roles: ['governance'] });
  return (await (await fetch(`${base}/api/v1/policies/supplier-northwind/shadow`, { headers: auth(gov) })).json()) as {
    evaluated: number;
    differing: number;
    errors: number;
  };
}

/**
 * Page cost as the caller's scope grows: two gateways, each on the demo data plus GROWTH demand rows
 * (tables of the same size), of which SMALL_SCOPE rows, or all of them, are Northwind's (SKU-100 or
 * SKU-200); both asked for the first page of 100.
 */
const GROWTH_ROUTE: Route = { name: 'REST list, page of 100', request: (s) => ({ url: `${s.base}/api/v1/demand-signals?limit=100`, headers: auth(s.nw) }) };

/**
 * Per round, one slice per side, the order rotated each round so the machine's drift over the run
 * falls on every side alike; each round gives its own ratio of the governed gateway to each other side.
 */
async function measure(
  route: Route,
  sides: Side[],
  runs: Run[],
  ratios: Record<string, number[]>,
  pairs: Array<[Mode, Mode]> = [],
  cpuRatios: Record<string, number[]> = {},
): Promise<void> {
  for (const side of sides) await cannon('warm-up', { ...requestOf(route, side), duration: 1 });
  for (let round = 0; round < ROUNDS; round++) {
    const order = [...sides.slice(round % sides.length), ...sides.slice(0, round % sides.length)];
    if (round % 2 === 1) order.reverse();
    const slice: Partial<Record<Mode, number>> = {};
    const cpu: Partial<Record<Mode, number>> = {};
    for (const side of order) {
      const before = cpuMicros(side.pid);
      const run = await cannon(`${route.name}, ${MODE_LABEL[side.mode]}`, { ...requestOf(route, side), duration: SLICE });
      const after = cpuMicros(side.pid);
      if (before !== undefined && after !== undefined && run.requests) run.cpuPerRequest = cpu[side.mode] = (after - before) / run.requests;
      runs.push(run);
      slice[side.mode] = run.rps;
    }
    const reference = route === GROWTH_ROUTE ? 'scopeLarge' : 'governed';
    for (const side of sides) {
      if (side.mode === reference) continue;
      (ratios[`${route.name}: ${MODE_LABEL[reference]} / ${MODE_LABEL[side.mode]}`] ??= []).push(slice[reference]! / slice[side.mode]!);
      // The same comparison by CPU time per request: the other side's over the reference's, so that, like the
      // throughput ratio, it is below 1 when the reference costs more.
      if (cpu[reference] !== undefined && cpu[side.mode] !== undefined)
        (cpuRatios[`${route.name}: ${MODE_LABEL[reference]} / ${MODE_LABEL[side.mode]}`] ??= []).push(cpu[side.mode]! / cpu[reference]);
    }
    // Ratios between two other sides, e.g. the Nest floor on Fastify over the one on Express.
    for (const [a, b] of pairs) {
      if (slice[a] !== undefined && slice[b] !== undefined) (ratios[`${route.name}: ${MODE_LABEL[a]} / ${MODE_LABEL[b]}`] ??= []).push(slice[a] / slice[b]);
      if (cpu[a] !== undefined && cpu[b] !== undefined) (cpuRatios[`${route.name}: ${MODE_LABEL[a]} / ${MODE_LABEL[b]}`] ??= []).push(cpu[b] / cpu[a]);
    }
  }
}

/**
 * Adds GROWTH demand rows (ids after the demo's, so a page's first rows are the demo's), `inScope`
 * of them Northwind's (spread evenly, SKU-100 and SKU-200 in turn), the others of SKUs it does not supply.
 */
async function grow(dialect: 'sqlite' | 'postgres', env: Record<string, string>, dataDir: string, inScope: number): Promise<void> {
  const every = GROWTH / inScope;
  const select = (seq: string, pad: (e: string) => string) =>
    `SELECT 'ds-g' || ${pad(seq)}, CASE WHEN ${seq} % ${every} = 0 THEN (CASE WHEN (${seq} / ${every}) % 2 = 0 THEN 'SKU-100' ELSE 'SKU-200' END) ELSE 'SKU-G' || (${seq} % 400) END, 'Growth', 'PLANT-G-' || (${seq} % 7), CASE WHEN ${seq} % 3 = 0 THEN 'EMEA' ELSE 'AMER' END, '2025-0' || (1 + ${seq} % 9) || '-01', ${seq} % 1000, ${seq} % 800, 12.5, 'Growth customer', 0.1, '2025-06-01T00:00:00.000Z'`;
  const columns = '(id, sku, product_family, site, region, period_start, forecast_qty, ordered_qty, unit_price, customer_name, margin_pct, updated_at)';
  if (dialect === 'postgres') {
    const client = new Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    await client.query(`INSERT INTO demand_signals ${columns} ${select('n', (e) => `lpad(${e}::text, 7, '0')`)} FROM generate_series(1, ${GROWTH}) n`);
    await client.query('ANALYZE demand_signals');
    await client.end();
    return;
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Database = require('better-sqlite3') as typeof import('better-sqlite3');
  const db = new Database(join(dataDir, 'gateway.sqlite'));
  db.pragma('busy_timeout = 10000');
  db.exec(
    `INSERT INTO demand_signals ${columns} WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ${GROWTH}) ${select('n', (e) => `printf('%07d', ${e})`)} FROM s`,
  );
  db.exec('ANALYZE');
  db.close();
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<{
  runs: Run[];
  ratios: Record<string, number[]>;
  cpuRatios: Record<string, number[]>;
  audit?: { batched: number; unbatched: number };
  profiles?: Array<{ label: string; breakdown: ProfileBreakdown }>;
}> {
  const port = 4100 + (dialect === 'postgres' ? 10 : 0);
  const stores = {
    governed: await newStore(dialect, 'gov'),
    ungoverned: await newStore(dialect, 'ungov'),
    floor: await newStore(dialect, 'floor'),
    scopeSmall: await newStore(dialect, 'scope_small'),
    scopeLarge: await newStore(dialect, 'scope_large'),
    shadowed: await newStore(dialect, 'shadow'),
  };
  const runs: Run[] = [];
  const ratios: Record<string, number[]> = {};
  const cpuRatios: Record<string, number[]> = {};
  const children: ChildProcess[] = [];
  const base = `http://127.0.0.1:${port}`;
  const portOf = {
    ungoverned: port + 1,
    bare: port + 2,
    nest: port + 3,
    scopeSmall: port + 4,
    scopeLarge: port + 9,
    shadowed: port + 5,
    nestFastify: port + 6,
    nestFastifySchema: port + 7,
    postgraphile: port + 8,
  };
  // Every side runs at once, each on its own copy of the demo data (the floors share one); the ones not measured idle.
  // Started together: each start is mostly waiting (migrations, seeding, readiness polls).
  const started = await Promise.allSettled([
    startGateway(port, stores.governed.env),
    // The ungoverned gateway is its own entry (src/bench/ungoverned-main.ts): AppModule with governance's providers replaced.
    startGateway(portOf.ungoverned, stores.ungoverned.env, [], 'dist/bench/ungoverned-main.js'),
    // The floors' store is created and seeded by a gateway that then stops.
    startGateway(portOf.bare, stores.floor.env),
    startGateway(portOf.scopeSmall, stores.scopeSmall.env),
    startGateway(portOf.scopeLarge, stores.scopeLarge.env),
    startGateway(portOf.shadowed, stores.shadowed.env),
  ]);
  for (const s of started) if (s.status === 'fulfilled') children.push(s.value);
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  let governed = started[0].status === 'fulfilled' ? started[0].value : undefined;
  const pglRoles = dialect === 'postgres' ? postgraphileRoles() : undefined;
  // Each side's server process, for its CPU time per request.
  const pidOf: Partial<Record<Mode, number>> = {};
  try {
    if (failed) throw failed.reason as Error;
    pidOf.ungoverned = children[1].pid;
    children.shift();
    const shadowedGateway = children.pop()!;
    const scopeGateways = [children.pop()!, children.pop()!];
    [pidOf.shadowed, pidOf.scopeLarge, pidOf.scopeSmall] = [shadowedGateway.pid, ...scopeGateways.map((g) => g.pid)];
    await stop(children.pop());
    if (pglRoles) {
      // PostGraphile on the floors' store, as Northwind's database role (scripts/postgraphile/server.cjs); the
      // column it adds is in place before the floors' first statements.
      const authenticatorUrl = await grantPostGraphile(stores.floor.env.DATABASE_URL, pglRoles);
      children.push(
        spawnNode([join(PGL_DIR, 'server.cjs')], { DATABASE_URL: authenticatorUrl, PGL_ROLE: pglRoles.partner, PORT: String(portOf.postgraphile) }),
      );
      pidOf.postgraphile = children[children.length - 1].pid;
      await waitFor(`http://127.0.0.1:${portOf.postgraphile}/graphql`);
    }
    const floorEnv = { ...stores.floor.env };
    children.push(spawnNode(['-r', 'ts-node/register/transpile-only', 'scripts/bench-limit-server.ts'], { ...floorEnv, PORT: String(portOf.bare) }));
    pidOf.bare = children[children.length - 1].pid;
    await waitFor(`http://127.0.0.1:${portOf.bare}/`);
    children.push(spawnNode(['-r', 'ts-node/register/transpile-only', 'scripts/bench-nest-floor.ts'], { ...floorEnv, PORT: String(portOf.nest) }));
    pidOf.nest = children[children.length - 1].pid;
    await waitFor(`http://127.0.0.1:${portOf.nest}/api/v1/demand-signals`);
    for (const [mode, flags] of [
      ['nestFastify', ['--fastify']],
      ['nestFastifySchema', ['--fastify', '--schema']],
    ] as const) {
      children.push(spawnNode(['-r', 'ts-node/register/transpile-only', 'scripts/bench-nest-floor.ts', ...flags], { ...floorEnv, PORT: String(portOf[mode]) }));
      pidOf[mode] = children[children.length - 1].pid;
      await waitFor(`http://127.0.0.1:${portOf[mode]}/api/v1/demand-signals`);
    }
    await sameListAnswers([portOf.bare, portOf.nest, portOf.nestFastify, portOf.nestFastifySchema].map((p) => `http://127.0.0.1:${p}/api/v1/demand-signals`));
    await liftQuotas(base, stores.governed.dataDir);
    children.push(...scopeGateways);
    for (const [mode, inScope] of [
      ['scopeSmall', SMALL_SCOPE],
      ['scopeLarge', GROWTH],
    ] as const) {
      await liftQuotas(`http://127.0.0.1:${portOf[mode]}`, stores[mode].dataDir);
      await grow(dialect, stores[mode].env, stores[mode].dataDir, inScope);
    }
    children.push(shadowedGateway);
    const shadowedBase = `http://127.0.0.1:${portOf.shadowed}`;
    await liftQuotas(shadowedBase, stores.shadowed.dataDir);
    await startShadow(shadowedBase, stores.shadowed.dataDir);

    const gov = await sideOf('governed', base, stores.governed.dataDir, governed?.pid);
    const sides = [
      gov,
      await sideOf('ungoverned', `http://127.0.0.1:${portOf.ungoverned}`, stores.ungoverned.dataDir, pidOf.ungoverned),
      { ...gov, mode: 'nest' as const, base: `http://127.0.0.1:${portOf.nest}`, pid: pidOf.nest },
      { ...gov, mode: 'bare' as const, base: `http://127.0.0.1:${portOf.bare}`, pid: pidOf.bare },
    ];
    const pgl = pglRoles ? [{ ...gov, mode: 'postgraphile' as const, base: `http://127.0.0.1:${portOf.postgraphile}`, pid: pidOf.postgraphile }] : [];
    for (const side of pgl) await sameRowsAsGoverned(gov, side);
    for (const route of ROUTES) {
      const floors = (route.floors ?? []).map((mode) => ({ ...gov, mode, base: `http://127.0.0.1:${portOf[mode]}`, pid: pidOf[mode] }));
      await measure(
        route,
        [...sides.slice(0, 3), ...floors, ...sides.slice(3), ...(route.postgraphile ? pgl : [])],
        runs,
        ratios,
        [
          ['nestFastify', 'nest'],
          ['nestFastifySchema', 'nestFastify'],
        ],
        cpuRatios,
      );
    }
    const scopeSides = [];
    for (const mode of ['scopeSmall', 'scopeLarge'] as const)
      scopeSides.push(await sideOf(mode, `http://127.0.0.1:${portOf[mode]}`, stores[mode].dataDir, pidOf[mode]));
    for (const side of scopeSides) {
      const page = (await (await fetch(`${side.base}/api/v1/demand-signals?limit=100`, { headers: auth(side.nw) })).json()) as { data?: unknown[] };
      if (page.data?.length !== 100) throw new Error(`${MODE_LABEL[side.mode]}: a page of ${page.data?.length ?? 'no'} rows, not 100`);
    }
    await measure(GROWTH_ROUTE, scopeSides, runs, ratios, [], cpuRatios);
    await measure(SHADOW_ROUTE, [gov, await sideOf('shadowed', shadowedBase, stores.shadowed.dataDir, pidOf.shadowed)], runs, ratios);

    const nw = gov.nw;
    let audit: { batched: number; unbatched: number } | undefined;
    let profiles: Array<{ label: string; breakdown: ProfileBreakdown }> | undefined;
    if (dialect === 'postgres' && !smoke) {
      // Group commit against one transaction per event: each on a fresh process, warmed up alike.
      const eventsPerSecond = async (env: Record<string, string>) => {
        await stop(governed);
        governed = await startGateway(port, { ...stores.governed.env, ...env });
        await cannon('warm-up', { url: `${base}/api/v1/demand-signals`, headers: auth(nw), duration: 1 });
        return (await cannon('audit events/s', { url: `${base}/api/v1/demand-signals`, headers: auth(nw) })).rps;
      };
      audit = { batched: await eventsPerSecond({}), unbatched: await eventsPerSecond({ AUDIT_FLUSH_MS: '0', AUDIT_MAX_BATCH: '1' }) };
    }
    {
      // One profiled process; per route a warm-up, then the measured run, whose samples alone are read.
      await stop(governed);
      const profDir = mkdtempSync(join(tmpdir(), 'bench-prof-'));
      governed = await startGateway(port, stores.governed.env, ['--cpu-prof', `--cpu-prof-dir=${profDir}`]);
      const windows: TimeWindow[] = [];
      for (const route of PROFILED) {
        await cannon('warm-up', { ...route.request(gov), duration: 1 });
        const from = nowMicros();
        await cannon('profiled', route.request(gov));
        windows.push({ from, to: nowMicros() });
      }
      await stop(governed);
      const profile = readCpuProfile(profDir);
      rmSync(profDir, { recursive: true, force: true });
      if (profile && KEEP_PROFILE) {
        // With the windows, so a reader of the profile (Chrome DevTools, Performance) can find the measured runs.
        const kept = join(KEEP_PROFILE, `governed-${dialect}.cpuprofile`);
        mkdirSync(KEEP_PROFILE, { recursive: true });
        writeFileSync(kept, JSON.stringify(profile));
        process.stderr.write(
          `profile kept in ${kept}; measured runs (µs, monotonic clock): ${PROFILED.map((r, i) => `${r.name} ${windows[i].from}–${windows[i].to}`).join(', ')}\n`,
        );
      }
      const root = pathToFileURL(process.cwd()).href;
      if (profile) profiles = PROFILED.map((route, i) => ({ label: route.name, breakdown: breakdown(profile, root, windows[i]) }));
    }
    return { runs: combineSlices(runs), ratios, cpuRatios, audit, profiles };
  } finally {
    await stop(governed);
    for (const child of children) await stop(child);
    for (const store of Object.values(stores)) await store.drop();
    if (pglRoles) await dropPostGraphileRoles(pglRoles);
  }
}

/** One row per route: the mean of its slices (the slices' req/s kept for the table). */
function combineSlices(runs: Run[]): Run[] {
  const names = [...new Set(runs.map((r) => r.name))];
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return names.map((name) => {
    const of = runs.filter((r) => r.name === name);
    return {
      name,
      rps: mean(of.map((r) => r.rps)),
      p50: mean(of.map((r) => r.p50)),
      p99: mean(of.map((r) => r.p99)),
      non2xx: of.reduce((a, r) => a + r.non2xx, 0),
      slices: of.map((r) => r.rps),
      ...(of.every((r) => r.cpuPerRequest !== undefined)
        ? { cpuPerRequest: mean(of.map((r) => r.cpuPerRequest!)), cpuSlices: of.map((r) => r.cpuPerRequest!) }
        : {}),
    };
  });
}

function table(runs: Run[]): string {
  const lines = [
    '| route | req/s (mean) | req/s per slice (min–max) | CPU µs per request (mean) | per slice (min–max) | p50 ms | p99 ms | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of runs) {
    const cpu = r.cpuPerRequest === undefined ? ['–', '–'] : [r.cpuPerRequest.toFixed(0), range(r.cpuSlices ?? [r.cpuPerRequest], 0)];
    lines.push(
      `| ${r.name} | ${r.rps.toFixed(0)} | ${range(r.slices ?? [r.rps], 0)} | ${cpu.join(' | ')} | ${r.p50.toFixed(0)} | ${r.p99.toFixed(0)} | ${r.non2xx} |`,
    );
  }
  return lines.join('\n');
}

function range(values: number[], digits: number): string {
  const lo = Math.min(...values).toFixed(digits);
  const hi = Math.max(...values).toFixed(digits);
  return lo === hi ? lo : `${lo}–${hi}`;
}

/** CPU-time ratios (`measure`'s cpuRatios), with how to read them. */
function cpuLines(cpuRatios: Record<string, number[]>): string {
  if (Object.keys(cpuRatios).length === 0) return '';
  return `Ratios of CPU time per request (the other side's over the first side's; below 1 where the first costs more; the server process only, a PostgreSQL server's own work not included):\n\n${ratioLines(cpuRatios)}`;
}

function ratioLines(ratios: Record<string, number[]>): string {
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return Object.entries(ratios)
    .map(([name, xs]) => `- ${name}: **${mean(xs).toFixed(2)}** (per round ${range(xs, 2)})`)
    .join('\n');
}

/** Settings for the second side: `--b-env K=V,K=V`. */
function envArg(): Record<string, string> {
  return Object.fromEntries(
    argValue('--b-env', '')
      .split(',')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
}

/**
 * `npm run bench -- --ab <label> [--b-dist <dir>] [--b-env K=V,K=V] [--ab-pg]`: one lever at a time.
 * The governed gateway of this build against a variant (another compiled build, e.g. a worktree of
 * the commit before the lever, and/or other settings), side by side in alternating rounds, on the
 * three routes. A sink on port 4399 answers OTLP/HTTP posts, so tracing's cost can be measured with
 * --b-env OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4399.
 */
async function abRun(): Promise<void> {
  const label = argValue('--ab', 'variant');
  MODE_LABEL.variant = `governed, ${label}`;
  const bMain = args.includes('--b-dist') ? join(argValue('--b-dist', ''), 'main.js') : 'dist/main.js';
  const bEnv = envArg();
  const dialect = args.includes('--ab-pg') ? 'postgres' : 'sqlite';
  if (!args.includes('--no-build')) build();
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => sink.listen(4399, '127.0.0.1', r));
  const a = await newStore(dialect, 'a');
  const b = await newStore(dialect, 'b');
  const started = await Promise.allSettled([startGateway(4200, a.env), startGateway(4201, { ...b.env, ...bEnv }, [], bMain)]);
  const [ga, gb] = started.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason as Error;
    await liftQuotas('http://127.0.0.1:4200', a.dataDir);
    await liftQuotas('http://127.0.0.1:4201', b.dataDir);
    const sides = [await sideOf('governed', 'http://127.0.0.1:4200', a.dataDir, ga?.pid), await sideOf('variant', 'http://127.0.0.1:4201', b.dataDir, gb?.pid)];
    const runs: Run[] = [];
    const ratios: Record<string, number[]> = {};
    const cpuRatios: Record<string, number[]> = {};
    for (const route of ROUTES) await measure(route, sides, runs, ratios, [], cpuRatios);
    process.stdout.write(
      `## ${dialect}: this build against ${label} (${bMain}${Object.keys(bEnv).length ? `, ${Object.keys(bEnv).join(', ')}` : ''})\n\n${table(combineSlices(runs))}\n\nThroughput ratios:\n\n${ratioLines(ratios)}\n\n${cpuLines(cpuRatios)}\n`,
    );
  } finally {
    await stop(ga);
    await stop(gb);
    sink.close();
    await a.drop();
    await b.drop();
  }
}

/**
 * `npm run bench -- --shadow [--shadow-rows] [--ab-pg] [--b-env SHADOW_SAMPLE_RATE=0.1] [--rounds n] [--slice s]`: only the
 * shadow-mode case. Two governed gateways of this build side by side, one running a candidate in
 * shadow (with the settings of --b-env), on the REST list.
 */
async function shadowRun(): Promise<void> {
  const dialect = args.includes('--ab-pg') ? 'postgres' : 'sqlite';
  const bEnv = envArg();
  const loadAtStart = loadavg()[0];
  if (!args.includes('--no-build')) build();
  const a = await newStore(dialect, 'a');
  const b = await newStore(dialect, 'b');
  const [ga, gb] = await Promise.all([startGateway(4200, a.env), startGateway(4201, { ...b.env, ...bEnv })]);
  try {
    await liftQuotas('http://127.0.0.1:4200', a.dataDir);
    await liftQuotas('http://127.0.0.1:4201', b.dataDir);
    await startShadow('http://127.0.0.1:4201', b.dataDir);
    const sides = [await sideOf('governed', 'http://127.0.0.1:4200', a.dataDir, ga.pid), await sideOf('shadowed', 'http://127.0.0.1:4201', b.dataDir, gb.pid)];
    const runs: Run[] = [];
    const ratios: Record<string, number[]> = {};
    await measure(SHADOW_ROUTE, sides, runs, ratios);
    const counted = await shadowReport('http://127.0.0.1:4201', b.dataDir);
    process.stdout.write(
      `## ${dialect}: the governed REST list with and without a shadow (candidate: ${args.includes('--shadow-rows') ? 'other rows and fields' : 'other fields'})${
        Object.keys(bEnv).length
          ? ` (shadowed side: ${Object.entries(bEnv)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      } (${new Date().toISOString().slice(0, 10)}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end; ${CONNECTIONS} connections, ${ROUNDS} round(s) of ${SLICE} s slices)\n\n${table(combineSlices(runs))}\n\n${ratioLines(ratios)}\n- The shadow evaluated ${counted.evaluated} requests (${counted.differing} differing, ${counted.errors} errors).\n`,
    );
  } finally {
    await stop(ga);
    await stop(gb);
    await a.drop();
    await b.drop();
  }
}

async function main(): Promise<void> {
  if (args.includes('--help')) return void process.stdout.write(USAGE);
  if (args.includes('--ab')) return abRun();
  if (args.includes('--shadow')) return shadowRun();
  const results: string[] = [];
  const loadAtStart = loadavg()[0];
  build();
  const dialects = (['sqlite', 'postgres'] as const).filter((d) => !args.includes('--only') || argValue('--only', '') === d);
  if (dialects.includes('postgres')) installPostGraphile();
  for (const dialect of dialects) {
    process.stderr.write(`benchmarking ${dialect}…\n`);
    const { runs, ratios, cpuRatios, audit, profiles } = await benchDialect(dialect);
    const section = [
      `## ${dialect === 'sqlite' ? 'SQLite (embedded)' : 'PostgreSQL'}`,
      '',
      table(runs),
      '',
      "Throughput ratios (mean of the rounds' ratios):",
      '',
      ratioLines(ratios),
    ];
    if (audit)
      section.push(
        `- Audit log on PostgreSQL: ${audit.batched.toFixed(0)} events/s with group commit vs ${audit.unbatched.toFixed(0)} events/s with one transaction per event (each request writes one event)`,
      );
    section.push('', cpuLines(cpuRatios));
    if (profiles) {
      const share = (b: ProfileBreakdown, counts: 'self' | 'attributed') => `${(policyShare(b[counts], b.busy) * 100).toFixed(1)}%`;
      section.push(
        '',
        `CPU profile of the governed gateway (\`--cpu-prof\`; per route, only the samples of its measured ${DURATION} s run after a 1 s warm-up): % of busy samples by component (scripts/cpu-profile.ts). *self*: the frame sampled; *attributed*: walking up the stack from it, the first frame with a script (builtins and native functions count to their caller).`,
        '',
        breakdownTable(profiles),
        '',
        `- Policy evaluation (ability lookup, CASL, per-row field rights and their memo, read shapes: the rows ${POLICY_COMPONENTS.map((c) => `"${c}"`).join(', ')}): ${profiles
          .map(({ label, breakdown: b }) => `${label} ${share(b, 'attributed')} attributed (${share(b, 'self')} self)`)
          .join(', ')} of busy CPU samples (target < 5%)`,
        `- The answer's serialisation (JSON.stringify called by Express's res.json for the REST list, by Apollo's prettyJSONStringify for GraphQL; within those rows above): ${profiles
          .map(({ label, breakdown: b }) => `${label} ${((b.answerSerialisation / b.busy) * 100).toFixed(1)}%`)
          .join(', ')} of busy CPU samples: the most a serialiser for known shapes (fast-json-stringify) could take off`,
      );
    }
    results.push(section.join('\n'));
    process.stdout.write(`${section.join('\n')}\n\n`);
  }
  const header = [
    '# Benchmarks',
    '',
    `Measured by \`npm run bench${smoke ? ' -- --smoke' : ''}\` on ${new Date().toISOString().slice(0, 10)}: ${type()} · ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'} · ${(totalmem() / 2 ** 30).toFixed(0)} GiB · Node ${process.version}. Load average (1 min) ${loadAtStart.toFixed(1)} at the start and ${loadavg()[0].toFixed(1)} at the end: other work on the machine shares its cores.`,
    `autocannon, ${CONNECTIONS} connections. Every side runs at once; per route, after a 1 s warm-up of each, ${ROUNDS} round(s) of one ${SLICE} s slice per side, the order rotated and reversed from round to round (each round gives its own ratios). Gateways, floors, load generator and database share the machine.`,
    'Same demo data, same partner (supplier-northwind, purpose replenishment-planning, quota lifted; carrier-swiftlog for the PATCH), same rows and columns in every answer.',
    '',
    '- *governed*: the gateway as deployed (`npm start`: compiled, run from dist/ with node). Token verification, validation, rate limit, policy version check, cached ability, SQL row scope, per-row field rights, audit event committed before the answer.',
    '- *ungoverned*: the same routes on the benchmark-only gateway (`node dist/bench/ungoverned-main.js`: the production AppModule with the audit, data and write services and the rate-limit guard replaced; it refuses to start in production or off loopback): same controllers, token verification and validation; the row scope and granted fields are looked up once and reused as constants, and no request reads the policy version, counts a quota, evaluates rules per row or writes an audit event.',
    "- *minimal Nest (Express)*: a Nest app with one controller and nothing else (scripts/bench-nest-floor.ts) around the same work as the bare handler: the framework's floor.",
    "- *minimal Nest (Fastify)*: the same app and controller on the Fastify adapter (`scripts/bench-nest-floor.ts --fastify`, @nestjs/platform-fastify; answers serialised with JSON.stringify), on the REST list and the PATCH: the Fastify lever at the floor. *answer schema*: the same with the list's JSON schema declared on its route (`--fastify --schema`), so Fastify writes the answer with fast-json-stringify: the known-shapes lever at the floor (REST list only).",
    "- *bare node:http*: node:http and the driver (better-sqlite3, pg) and nothing else (scripts/bench-limit-server.ts, scripts/bench-floor.ts): the governed list's page SQL (one index range per SKU, same columns), the same rows through graphql-js on a tiny schema, and for the PATCH the UPDATE plus a hash-linked audit row in one transaction. No token.",
    "- *PostGraphile (row-level security)*: PostgreSQL, GraphQL list only. PostGraphile 4 (scripts/postgraphile/server.cjs, its own package with graphql 15; no GraphiQL, no query log, no mutations) on node:http over the floors' store, the database deciding what Northwind may read: it logs in as a role that can only become Northwind's role and runs each request as that role in a transaction (`pgDefaultRole`); row-level security gives the rows of `demand-for-supplied-skus` (`sku IN ('SKU-100', 'SKU-200')`), column grants its nine fields, and with `ignoreRBAC: false` no other column is in its schema. The order volumes withheld on the restricted region's rows (`no-order-volumes-in-restricted-region`) are granted as a stored generated column, null on those rows, in place of `ordered_qty`. Asked `demandSignals(first: 100, orderBy: ID_ASC)` for the same fields (the gateway's default page); before measuring, the script checks that its rows equal the governed answer's. No token (the role is fixed, no JWT verified), no rate limit, no policy version check, no audit log; a withheld field is a plain null, without the governed answer's error.",
    '- *shadow running*: a governed gateway on which governance runs a candidate policy in shadow for Northwind (the version in force without `productFamily`, so every list differs and is counted; `SHADOW_SAMPLE_RATE=1`, every request evaluated), against the governed gateway without one, on the same REST list.',
    `- *rows in scope*: page cost as the caller's scope grows. Two governed gateways, each on the demo data plus ${GROWTH.toLocaleString('en')} demand rows (tables of the same size): on one, ${SMALL_SCOPE.toLocaleString('en')} of them are in Northwind's scope (SKU-100 or SKU-200), on the other all ${GROWTH.toLocaleString('en')}; both asked for the first page of 100 (\`?limit=100\`). The ratio is the large scope's throughput over the small one's: 1 is a page cost flat with the scope, 0.67 a page 1.5 times as costly.`,
    '',
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
