import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Reads a V8 CPU profile (`node --cpu-prof`) into components: which part of the stack the sampled
 * time belongs to (node itself, Express, Nest, the driver, the gateway's own folders…).
 *
 * Each sample is counted twice, by two rules:
 * - *self*: the component of the frame that was running when the sample was taken;
 * - *attributed*: walking up the stack from that frame, the component of the first frame that has a
 *   script. V8 builtins and native functions (`JSON.stringify`, a driver's native step, a binding's
 *   call) have no script, so their time goes to the code that called them: the answer's
 *   `JSON.stringify` counts to the framework that serialises it, not to "native". Node's own
 *   modules are a component, so socket writes and the HTTP parser stay with node even when
 *   Express called them.
 * Busy samples are every sample but `(idle)`; garbage collection and `(program)` (V8 and native
 * code with no JavaScript on the stack) are busy samples with components of their own.
 */
export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  /** Microseconds on the system's monotonic clock (the clock of `process.hrtime`, in every process). */
  startTime?: number;
  /** Microseconds before each sample (the first after startTime). */
  timeDeltas?: number[];
}

/** A stretch of the monotonic clock in microseconds: `process.hrtime.bigint() / 1000n` in any process on the machine. */
export interface TimeWindow {
  from: number;
  to: number;
}

export interface ProfileBreakdown {
  /** Samples other than `(idle)`. */
  busy: number;
  /** Busy samples per component, by the frame sampled. */
  self: Map<string, number>;
  /** Busy samples per component, by the nearest frame with a script, walking up. */
  attributed: Map<string, number>;
  /** Busy samples whose nearest frame with a script is one of the ANSWER_SERIALISERS. */
  answerSerialisation: number;
}

/**
 * Where the frameworks turn an answer into JSON (JSON.stringify, a builtin, has no frame of its
 * own: its time is its caller's): the most a serialiser for known shapes could take off.
 */
const ANSWER_SERIALISERS: Array<{ url: RegExp; functionName: string }> = [
  // Nest's Express adapter answers with res.json(), which calls this.
  { url: /\/node_modules\/express\/lib\/response\.js$/, functionName: 'stringify' },
  // Apollo Server's default stringifyResult.
  { url: /\/node_modules\/@apollo\/server\/dist\/(cjs|esm)\/runHttpQuery\.js$/, functionName: 'prettyJSONStringify' },
];

/** The components that make up policy evaluation (the figure the issue sets a target for). */
export const POLICY_COMPONENTS = ['src/policy', 'src/access: policy evaluation (subject-plans, row-judge, read-shape)', 'CASL (@casl, @ucast)'];

const PROGRAM = 'V8 and native code, no JavaScript on the stack ((program))';
const NO_SCRIPT = 'V8 builtins and native functions (no script)';

/** Packages by component; a package not listed counts to "other packages". */
const PACKAGES: Array<[string, RegExp]> = [
  [
    'Express (express, router, body-parser and their packages)',
    packages(
      'express',
      'router',
      'body-parser',
      'finalhandler',
      'accepts',
      'content-disposition',
      'content-type',
      'cookie',
      'cookie-signature',
      'encodeurl',
      'escape-html',
      'etag',
      'fresh',
      'http-errors',
      'merge-descriptors',
      'mime-types',
      'mime-db',
      'on-finished',
      'parseurl',
      'proxy-addr',
      'qs',
      'range-parser',
      'send',
      'serve-static',
      'statuses',
      'type-is',
      'vary',
      'raw-body',
      'iconv-lite',
      'bytes',
      'path-to-regexp',
      'is-promise',
      'negotiator',
      'media-typer',
      'forwarded',
      'ipaddr.js',
      'ee-first',
      'unpipe',
      'helmet',
      'cors',
    ),
  ],
  [
    'Fastify (fastify, @fastify/*, find-my-way, light-my-request)',
    /^(fastify|@fastify\/.*|find-my-way|light-my-request|fast-json-stringify|fast-querystring|avvio)$/,
  ],
  [
    'Apollo and graphql-js (@apollo/*, graphql, @nestjs/graphql, @nestjs/apollo)',
    /^(@apollo\/.*|graphql|graphql-ws|@graphql-tools\/.*|@as-integrations\/.*|@nestjs\/graphql|@nestjs\/apollo|@graphql-typed-document-node\/.*)$/,
  ],
  ['TypeORM (typeorm, @nestjs/typeorm)', /^(typeorm|@nestjs\/typeorm)$/],
  ['database driver (better-sqlite3, pg)', /^(better-sqlite3|bindings|pg|pg-.*|postgres-.*|pgpass)$/],
  ['jose (token verification)', /^jose$/],
  ['class-validator, class-transformer', /^(class-validator|class-transformer|validator|libphonenumber-js)$/],
  [
    'pino (pino, pino-http, nestjs-pino)',
    /^(pino|pino-.*|nestjs-pino|sonic-boom|thread-stream|quick-format-unescaped|safe-stable-stringify|fast-redact|@pinojs\/.*)$/,
  ],
  ['CASL (@casl, @ucast)', /^(@casl\/.*|@ucast\/.*)$/],
  ['OpenTelemetry (@opentelemetry/*)', /^@opentelemetry\/.*$/],
  ['Nest core (@nestjs/*, rxjs, reflect-metadata)', /^(@nestjs\/.*|rxjs|reflect-metadata|tslib|iterare|uid|fast-safe-stringify)$/],
];

function packages(...names: string[]): RegExp {
  return new RegExp(`^(${names.map((n) => n.replace(/[.]/g, '\\.')).join('|')})$`);
}

/** The gateway's files where an access file does policy work (the rest of src/access is the governed data path). */
const ACCESS_POLICY = /^access\/(subject-plans|row-judge|read-shape)\./;

/**
 * The component of one frame, or null when the frame has no script (a V8 builtin or a native
 * function) and its time belongs to its caller. `root` is the project's directory as a file URL
 * or path prefix; files under it outside node_modules are the project's own code.
 */
export function componentOf(frame: { functionName: string; url: string }, root: string): string | null {
  const { functionName, url } = frame;
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (functionName === '(program)' || functionName === '(root)') return PROGRAM;
  if (!url) return null;
  if (url.startsWith('node:')) {
    if (/^node:(_http_|internal\/http|http$)/.test(url)) return 'node: HTTP (node:_http_*, parser)';
    // Where reads and writes reach the socket (the native writev under them counts here).
    if (/^node:(net$|internal\/stream_base_commons$|internal\/net$)/.test(url)) return 'node: sockets (net, stream_base_commons; writev)';
    return 'node: other internals (streams, events, timers, buffers, …)';
  }
  const path = url.replace(/^file:\/\//, '');
  const at = path.indexOf('/node_modules/');
  if (at >= 0) {
    // The outermost package owns what it bundles (node_modules/a/node_modules/b counts to a).
    const parts = path.slice(at + '/node_modules/'.length).split('/');
    const name = parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    return PACKAGES.find(([, pattern]) => pattern.test(name))?.[0] ?? `other packages (${name})`;
  }
  const base = root.replace(/^file:\/\//, '').replace(/\/$/, '');
  if (!path.startsWith(`${base}/`)) return 'other code';
  const own = path.slice(base.length + 1);
  // The gateway runs from dist/ (compiled) or src/ (ts-node); both lay out the same folders.
  const inGateway = /^(dist|src)\/(.*)$/.exec(own);
  if (!inGateway) return `${own.split('/')[0]}/`;
  const file = inGateway[2];
  if (ACCESS_POLICY.test(file)) return POLICY_COMPONENTS[1];
  const slash = file.indexOf('/');
  return slash < 0 ? 'src (main, app.module)' : `src/${file.slice(0, slash)}`;
}

/**
 * Counts a profile's busy samples per component, by the frame sampled and by the nearest frame
 * with a script; with a window, only the samples taken within it (a process profiled from its
 * start also samples its start-up and shutdown).
 */
export function breakdown(profile: CpuProfile, root: string, window?: TimeWindow): ProfileBreakdown {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const memo = new Map<number, { self: string; attributed: string; serialising: boolean }>();
  const componentsOf = (id: number): { self: string; attributed: string; serialising: boolean } => {
    const known = memo.get(id);
    if (known) return known;
    const own = componentOf(byId.get(id)!.callFrame, root);
    let attributed = own;
    let scripted: number | undefined = id;
    while (attributed === null && scripted !== undefined) {
      scripted = parent.get(scripted);
      if (scripted !== undefined) attributed = componentOf(byId.get(scripted)!.callFrame, root);
    }
    const frame = scripted === undefined ? undefined : byId.get(scripted)!.callFrame;
    const serialising = !!frame && ANSWER_SERIALISERS.some((s) => s.functionName === frame.functionName && s.url.test(frame.url));
    const result = { self: own ?? NO_SCRIPT, attributed: attributed ?? NO_SCRIPT, serialising };
    memo.set(id, result);
    return result;
  };
  const out: ProfileBreakdown = { busy: 0, self: new Map(), attributed: new Map(), answerSerialisation: 0 };
  let at = profile.startTime ?? 0;
  for (const [i, id] of profile.samples.entries()) {
    at += profile.timeDeltas?.[i] ?? 0;
    if (window && (at < window.from || at > window.to)) continue;
    const node = byId.get(id);
    if (!node || node.callFrame.functionName === '(idle)') continue;
    out.busy++;
    const { self, attributed, serialising } = componentsOf(id);
    if (serialising) out.answerSerialisation++;
    out.self.set(self, (out.self.get(self) ?? 0) + 1);
    out.attributed.set(attributed, (out.attributed.get(attributed) ?? 0) + 1);
  }
  return out;
}

/** Share of busy samples in policy evaluation: the sum of the POLICY_COMPONENTS rows. */
export function policyShare(counts: Map<string, number>, busy: number): number {
  return busy === 0 ? NaN : POLICY_COMPONENTS.reduce((sum, c) => sum + (counts.get(c) ?? 0), 0) / busy;
}

/** The first `.cpuprofile` a process wrote into `dir`. */
export function readCpuProfile(dir: string): CpuProfile | null {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile) : null;
}

/** Packages outside the named components below this share of busy samples in every column are summed in one row. */
const SMALL = 0.005;

/**
 * A Markdown table of breakdowns side by side (one self and one attributed column each), in % of
 * busy samples, rows by the first column's attributed share.
 */
export function breakdownTable(columns: Array<{ label: string; breakdown: ProfileBreakdown }>): string {
  const share = (b: ProfileBreakdown, counts: Map<string, number>, c: string) => (b.busy === 0 ? 0 : (counts.get(c) ?? 0) / b.busy);
  const names = [...new Set(columns.flatMap(({ breakdown: b }) => [...b.self.keys(), ...b.attributed.keys()]))];
  const rows = new Map<string, number[]>();
  for (const name of names) {
    const values = columns.flatMap(({ breakdown: b }) => [share(b, b.self, name), share(b, b.attributed, name)]);
    const row = name.startsWith('other packages (') && values.every((v) => v < SMALL) ? `other packages, each under ${SMALL * 100}%` : name;
    rows.set(
      row,
      (rows.get(row) ?? values.map(() => 0)).map((v, i) => v + values[i]),
    );
  }
  const sorted = [...rows].sort((a, b) => b[1][1] - a[1][1] || b[1][0] - a[1][0] || a[0].localeCompare(b[0]));
  const head = columns.flatMap(({ label }) => [`${label}: self`, `${label}: attributed`]);
  return [
    `| component | ${head.join(' | ')} |`,
    `|---|${head.map(() => '---:').join('|')}|`,
    ...sorted.map(([name, values]) => `| ${name} | ${values.map((v) => `${(v * 100).toFixed(1)}%`).join(' | ')} |`),
    `| busy samples | ${columns.flatMap(({ breakdown: b }) => [b.busy, b.busy]).join(' | ')} |`,
  ].join('\n');
}
