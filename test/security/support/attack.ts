import { createHash } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { TestGateway } from '../../support/test-app';

/**
 * Shared assertions of the attack suites (test/security/*.e2e-spec.ts): every attack is refused,
 * writes exactly one audit event for its request with decision `deny`, and changes nothing in the
 * database (row counts and checksums of every table but the audit log's and the push metrics').
 */

/** The audit log itself (every attack adds its event) and migration bookkeeping. */
const NOT_DATA = new Set(['audit_events', 'audit_head', 'migrations', 'typeorm_metadata']);
/** Push data-quality tallies count refused pushed events by design: ignored for attacks on push routes only. */
export const PUSH_TALLIES = 'push_tallies';

export interface TableFingerprint {
  rows: number;
  checksum: string;
}

export type DbFingerprint = Record<string, TableFingerprint>;

async function tableNames(gw: TestGateway): Promise<string[]> {
  const rows =
    gw.dialect === 'postgres'
      ? await gw.query<{ name: string }>("SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public'")
      : await gw.query<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
  return rows
    .map((r) => r.name)
    .filter((n) => !NOT_DATA.has(n))
    .sort();
}

/** Row count and an order-independent checksum of every data table. */
export async function dbFingerprint(gw: TestGateway, ignore: string[] = []): Promise<DbFingerprint> {
  const out: DbFingerprint = {};
  for (const table of (await tableNames(gw)).filter((t) => !ignore.includes(t))) {
    const rows = await gw.query(`SELECT * FROM ${table}`);
    const lines = rows
      .map((r) =>
        JSON.stringify(
          Object.keys(r)
            .sort()
            .map((k) => [k, r[k] === null || r[k] === undefined ? null : String(r[k])]),
        ),
      )
      .sort();
    out[table] = { rows: rows.length, checksum: createHash('sha256').update(lines.join('\n')).digest('hex') };
  }
  return out;
}

const PROTOTYPE_BASELINE = Object.getOwnPropertyNames(Object.prototype).sort();

/** No request ever adds to Object.prototype (prototype pollution). */
export function expectNoPollution(): void {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(PROTOTYPE_BASELINE);
}

export interface Refusal<T> {
  res: T;
  event: Record<string, unknown>;
}

/**
 * Runs one attack request and proves it was refused: exactly one audit event, decision deny
 * (with the given HTTP status on that event when named), no data table changed, no pollution.
 */
export async function refused<T>(
  gw: TestGateway,
  attack: () => Promise<T>,
  options: number | { status?: number; ignore?: string[] } = {},
): Promise<Refusal<T>> {
  const { status, ignore } = typeof options === 'number' ? { status: options, ignore: [] } : options;
  const before = await dbFingerprint(gw, ignore);
  const seq = await gw.headSeq();
  const res = await attack();
  const events = await gw.auditSince(seq);
  expect(events.map((e) => ({ decision: e.decision, ...(status === undefined ? {} : { status: Number(e.status) }) }))).toEqual([
    { decision: 'deny', ...(status === undefined ? {} : { status }) },
  ]);
  expect(await dbFingerprint(gw, ignore)).toEqual(before);
  expectNoPollution();
  return { res, event: events[0] };
}

/**
 * For attacks the gateway answers without refusing (a filter or cursor naming rows out of scope
 * gives an empty or own-scoped page): one audit event, no foreign ids in it, nothing changed.
 */
export async function harmless<T>(gw: TestGateway, attack: () => Promise<T>, foreignIds: string[]): Promise<Refusal<T>> {
  const before = await dbFingerprint(gw);
  const seq = await gw.headSeq();
  const res = await attack();
  const events = await gw.auditSince(seq);
  expect(events).toHaveLength(1);
  const ids = String(events[0].resource_ids ?? '');
  for (const id of foreignIds) expect(ids).not.toContain(id);
  expect(await dbFingerprint(gw)).toEqual(before);
  expectNoPollution();
  return { res, event: events[0] };
}

/** A local HTTP server that counts (and records) every request it receives; an SSRF canary or a JWKS host. */
export class CanaryServer {
  readonly requests: Array<{ method: string; url: string; at: number }> = [];
  handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.statusCode = 404;
    res.end();
  };
  private readonly sockets = new Set<import('node:net').Socket>();

  private constructor(private readonly server: Server) {
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  static async start(): Promise<CanaryServer> {
    let self: CanaryServer | null = null;
    const server = createServer((req, res) => {
      self!.requests.push({ method: req.method ?? '', url: req.url ?? '', at: Date.now() });
      self!.handler(req, res);
    });
    self = new CanaryServer(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  url(path = '/'): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** Requests received since `from` (an index into `requests`). */
  since(from: number): number {
    return this.requests.length - from;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export const b64url = (v: object | string | Buffer): string =>
  (Buffer.isBuffer(v) ? v : Buffer.from(typeof v === 'string' ? v : JSON.stringify(v))).toString('base64url');
