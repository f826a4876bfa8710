import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { breakdown, breakdownTable, componentOf, CpuProfile, CpuProfileNode, policyShare, readCpuProfile } from '../scripts/cpu-profile';

/**
 * `npm run bench` reads the governed gateway's CPU profile into components (scripts/cpu-profile.ts):
 * each busy sample by the frame sampled (self) and by the nearest frame with a script walking up
 * (attributed). Checked on a profile built by hand, where every count is known, and on one that
 * node itself writes.
 */
const ROOT = 'file:///repo';
const EXPRESS = 'Express (express, router, body-parser and their packages)';
const NO_SCRIPT = 'V8 builtins and native functions (no script)';
const ACCESS_POLICY = 'src/access: policy evaluation (subject-plans, row-judge, read-shape)';
const CASL = 'CASL (@casl, @ucast)';

function frame(id: number, functionName: string, url: string, children: number[] = []): CpuProfileNode {
  return { id, callFrame: { functionName, url }, children };
}

/** The call tree: (root) → Express → [JSON.stringify, the governed list → [row judge → CASL, a native step, TypeORM → a bundled package]], and so on. */
const NODES: CpuProfileNode[] = [
  frame(1, '(root)', '', [2, 3, 4, 5, 13, 14, 16, 17, 18, 19]),
  frame(2, '(program)', ''),
  frame(3, '(idle)', ''),
  frame(4, '(garbage collector)', ''),
  frame(5, 'handle', `${ROOT}/node_modules/express/lib/router.js`, [6, 7, 20]),
  frame(6, 'stringify', ''),
  frame(7, 'list', `${ROOT}/dist/access/governed-data.service.js`, [8, 9, 10]),
  frame(8, 'judge', `${ROOT}/dist/access/row-judge.js`, [11]),
  frame(9, 'all', ''),
  frame(10, 'query', `${ROOT}/node_modules/typeorm/driver/Query.js`, [12]),
  frame(11, 'can', `${ROOT}/node_modules/@casl/ability/dist/index.js`),
  frame(12, 'format', `${ROOT}/node_modules/typeorm/node_modules/dayjs/index.js`),
  frame(13, 'parserOnHeadersComplete', 'node:_http_common'),
  frame(14, 'writeGeneric', 'node:internal/stream_base_commons', [15]),
  frame(15, 'writev', ''),
  frame(16, 'compile', `${ROOT}/dist/policy/policy-compiler.js`),
  frame(17, 'elsewhere', 'file:///opt/lib/x.js'),
  frame(18, 'get', `${ROOT}/node_modules/lru-cache/dist/index.js`),
  frame(19, 'jwtVerify', `${ROOT}/node_modules/jose/dist/node/cjs/jwt/verify.js`),
  // res.json's stringify: JSON.stringify has no frame of its own, a native toJSON under it has.
  frame(20, 'stringify', `${ROOT}/node_modules/express/lib/response.js`, [21]),
  frame(21, 'toJSON', ''),
];

/** Samples by node id: 43 busy, 10 idle. */
const COUNTS: Record<number, number> = {
  2: 1,
  3: 10,
  4: 3,
  5: 2,
  6: 5,
  7: 1,
  8: 2,
  9: 4,
  10: 1,
  11: 3,
  12: 2,
  13: 2,
  14: 1,
  15: 4,
  16: 1,
  17: 1,
  18: 1,
  19: 6,
  20: 2,
  21: 1,
};
const SAMPLES = Object.entries(COUNTS).flatMap(([id, n]) => Array<number>(n).fill(Number(id)));

describe('CPU profile breakdown for the benchmark', () => {
  it('puts each frame in its component: node, packages by the outermost node_modules, the gateway by folder', () => {
    const of = (url: string, functionName = 'f') => componentOf({ functionName, url }, ROOT);
    expect(of('node:_http_server')).toBe('node: HTTP (node:_http_*, parser)');
    expect(of('node:internal/streams/writable')).toBe('node: other internals (streams, events, timers, buffers, …)');
    expect(of('node:net')).toBe('node: sockets (net, stream_base_commons; writev)');
    expect(of(`${ROOT}/node_modules/body-parser/lib/types/json.js`)).toBe(EXPRESS);
    expect(of(`${ROOT}/node_modules/@nestjs/core/router/router-execution-context.js`)).toBe('Nest core (@nestjs/*, rxjs, reflect-metadata)');
    expect(of(`${ROOT}/node_modules/rxjs/dist/cjs/internal/Observable.js`)).toBe('Nest core (@nestjs/*, rxjs, reflect-metadata)');
    expect(of(`${ROOT}/node_modules/@nestjs/graphql/dist/index.js`)).toBe('Apollo and graphql-js (@apollo/*, graphql, @nestjs/graphql, @nestjs/apollo)');
    expect(of(`${ROOT}/node_modules/@nestjs/typeorm/dist/index.js`)).toBe('TypeORM (typeorm, @nestjs/typeorm)');
    expect(of(`${ROOT}/node_modules/pg-protocol/dist/parser.js`)).toBe('database driver (better-sqlite3, pg)');
    expect(of(`${ROOT}/node_modules/class-transformer/cjs/index.js`)).toBe('class-validator, class-transformer');
    expect(of(`${ROOT}/node_modules/pino-http/logger.js`)).toBe('pino (pino, pino-http, nestjs-pino)');
    expect(of(`${ROOT}/node_modules/@ucast/js/dist/index.js`)).toBe(CASL);
    expect(of(`${ROOT}/node_modules/express/node_modules/qs/lib/parse.js`)).toBe(EXPRESS);
    expect(of(`${ROOT}/node_modules/lru-cache/dist/index.js`)).toBe('other packages (lru-cache)');
    expect(of(`${ROOT}/dist/audit/audit.service.js`)).toBe('src/audit');
    expect(of(`${ROOT}/src/rate-limit/quota.ts`)).toBe('src/rate-limit');
    expect(of(`${ROOT}/dist/access/read-shape.js`)).toBe(ACCESS_POLICY);
    expect(of(`${ROOT}/dist/access/governed-data.service.js`)).toBe('src/access');
    expect(of(`${ROOT}/dist/main.js`)).toBe('src (main, app.module)');
    expect(of(`${ROOT}/scripts/bench-floor.ts`)).toBe('scripts/');
    expect(of('file:///opt/lib/x.js')).toBe('other code');
    expect(of('', 'stringify')).toBeNull();
    expect(of('', '(garbage collector)')).toBe('garbage collection');
  });

  it('counts busy samples by the frame sampled and by the nearest frame with a script', () => {
    const b = breakdown({ nodes: NODES, samples: SAMPLES }, ROOT);
    expect(b.busy).toBe(43);
    const program = 'V8 and native code, no JavaScript on the stack ((program))';
    expect(Object.fromEntries(b.self)).toEqual({
      [program]: 1,
      'garbage collection': 3,
      [EXPRESS]: 2 + 2,
      [NO_SCRIPT]: 5 + 4 + 4 + 1,
      'src/access': 1,
      [ACCESS_POLICY]: 2,
      'TypeORM (typeorm, @nestjs/typeorm)': 1 + 2,
      [CASL]: 3,
      'node: HTTP (node:_http_*, parser)': 2,
      'node: sockets (net, stream_base_commons; writev)': 1,
      'src/policy': 1,
      'other code': 1,
      'other packages (lru-cache)': 1,
      'jose (token verification)': 6,
    });
    // A native function under Express counts to Express, the native step under the governed list
    // to src/access, the socket's writev under node's stream code to node's sockets.
    expect(Object.fromEntries(b.attributed)).toEqual({
      [program]: 1,
      'garbage collection': 3,
      [EXPRESS]: 2 + 5 + 2 + 1,
      'src/access': 1 + 4,
      [ACCESS_POLICY]: 2,
      'TypeORM (typeorm, @nestjs/typeorm)': 3,
      [CASL]: 3,
      'node: HTTP (node:_http_*, parser)': 2,
      'node: sockets (net, stream_base_commons; writev)': 1 + 4,
      'src/policy': 1,
      'other code': 1,
      'other packages (lru-cache)': 1,
      'jose (token verification)': 6,
    });
    // Policy evaluation is the sum of its rows: src/policy, the policy files of src/access, CASL.
    expect(policyShare(b.attributed, b.busy)).toBeCloseTo((1 + 2 + 3) / 43);
    expect(policyShare(b.self, b.busy)).toBeCloseTo((1 + 2 + 3) / 43);
    // The answer's serialisation: res.json's stringify and the native call under it.
    expect(b.answerSerialisation).toBe(2 + 1);
  });

  it('reads only the samples within a window of the monotonic clock', () => {
    // One sample every 100 µs after 1,000,000 µs: the second and the third fall in [1,000,150, 1,000,350].
    const profile: CpuProfile = { nodes: NODES, samples: [19, 19, 16, 11, 3, 19], startTime: 1_000_000, timeDeltas: [100, 100, 100, 100, 100, 100] };
    const b = breakdown(profile, ROOT, { from: 1_000_150, to: 1_000_350 });
    expect(b.busy).toBe(2);
    expect(Object.fromEntries(b.self)).toEqual({ 'jose (token verification)': 1, 'src/policy': 1 });
    expect(breakdown(profile, ROOT).busy).toBe(5);
  });

  it('writes a table of shares, small unnamed packages summed, busy samples last', () => {
    const b = breakdown({ nodes: NODES, samples: SAMPLES }, ROOT);
    const lines = breakdownTable([{ label: 'REST list', breakdown: b }]).split('\n');
    expect(lines[0]).toBe('| component | REST list: self | REST list: attributed |');
    expect(lines[2]).toBe(`| ${EXPRESS} | 9.3% | 23.3% |`);
    expect(lines).toContain('| jose (token verification) | 14.0% | 14.0% |');
    expect(lines).toContain('| other packages (lru-cache) | 2.3% | 2.3% |');
    expect(lines.at(-1)).toBe('| busy samples | 43 | 43 |');
  });

  it('reads a profile written by node --cpu-prof', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cpu-profile-spec-'));
    try {
      // Express's query-string parser (qs), called in a loop: a fixed amount of work.
      const script = join(dir, 'work.js');
      writeFileSync(
        script,
        `const qs = require(${JSON.stringify(require.resolve('qs'))});\nlet n = 0;\nfor (let i = 0; i < 20000; i++) n += Object.keys(qs.parse('a=1&b[c]=2&d=' + i)).length;\nif (n === 0) process.exit(1);\n`,
      );
      execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-interval', '100', `--cpu-prof-dir=${dir}`, script]);
      const profile = readCpuProfile(dir)!;
      const b = breakdown(profile, pathToFileURL(process.cwd()).href);
      expect(b.busy).toBeGreaterThan(0);
      expect(b.attributed.get(EXPRESS)).toBeGreaterThan(0);
      expect([...b.attributed.values()].reduce((a, n) => a + n, 0)).toBe(b.busy);
      expect([...b.self.values()].reduce((a, n) => a + n, 0)).toBe(b.busy);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
