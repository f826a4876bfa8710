import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { AuditService } from '../../src/audit/audit.service';
import { loadOrCreateSigningKey } from '../../src/auth/key-store';
import { ADMIN, AUDITOR, SWIFTLOG } from '../support/contract';
import { createTestDatabase, TestDatabase } from '../support/database';
import { GatewayProcess } from '../support/gateway-process';
import { TestGateway, TokenOptions } from '../support/test-app';

jest.setTimeout(240_000);

/**
 * SIGTERM while a load generator holds kept-alive connections to a real gateway process: every
 * request answered has exactly one audit event with its status; a request not answered has no
 * event that says it was served (a write's event commits with the write, so none was made); the
 * chain verifies after a restart on the same database. On PostgreSQL when DATABASE_URL is set.
 */

const ISSUER = 'https://gateway.shutdown-test';
const AUDIENCE = 'partner-data-gateway-shutdown-test';
const WORKERS = 6;
/** Answers before the SIGTERM is sent. */
const WARM_UP = 60;
/** Each worker's bound, whatever happens. */
const MAX_PER_WORKER = 3000;

interface Sent {
  id: string;
  method: 'GET' | 'PATCH';
  status: number | null;
  error: string | null;
  afterSigterm: boolean;
  connectionClose: boolean;
}

interface StoredEvent {
  request_id: string;
  status: number;
  decision: string;
  code: string | null;
}

async function mint(dataDir: string, who: TokenOptions): Promise<string> {
  const key = await loadOrCreateSigningKey(dataDir);
  const now = Math.floor(Date.now() / 1000);
  const claims: Record<string, unknown> = { roles: who.roles };
  if (who.partner) claims.partner_id = who.partner;
  if (who.purpose) claims.purpose = who.purpose;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject(who.sub ?? `user@${who.partner ?? who.roles[0]}`)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(key.privateKey);
}

function send(agent: Agent, port: number, r: Sent, token: string, body: string | null): Promise<void> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        agent,
        method: r.method,
        path: r.method === 'GET' ? '/api/v1/shipments?limit=5' : '/api/v1/shipments/shp-0001',
        headers: {
          Authorization: `Bearer ${token}`,
          'X-Request-Id': r.id,
          ...(body !== null ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}),
        },
      },
      (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          r.status = res.statusCode ?? null;
          r.connectionClose = /close/i.test(String(res.headers.connection ?? ''));
          resolve();
        });
        res.on('error', (e: NodeJS.ErrnoException) => {
          r.error = e.code ?? e.message;
          resolve();
        });
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      r.error = e.code ?? e.message;
      resolve();
    });
    req.end(body ?? undefined);
  });
}

async function storedEvents(dataDir: string, url: string | undefined): Promise<StoredEvent[]> {
  const sql = "SELECT request_id, status, decision, code FROM audit_events WHERE request_id LIKE 'sk-%' ORDER BY seq";
  if (url) {
    const c = new Client({ connectionString: url });
    await c.connect();
    try {
      return (await c.query(sql)).rows.map((r) => ({ ...r, status: Number(r.status) }));
    } finally {
      await c.end();
    }
  }
  const db = new Database(join(dataDir, 'gateway.sqlite'), { readonly: true });
  try {
    return db.prepare(sql).all() as StoredEvent[];
  } finally {
    db.close();
  }
}

describe('SIGTERM under keep-alive load', () => {
  let dataDir: string;
  let database: TestDatabase;
  let env: Record<string, string>;
  const gateways: GatewayProcess[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'gateway-shutdown-'));
    database = await createTestDatabase();
    env = {
      DATA_DIR: dataDir,
      DATABASE_URL: database.url ?? '',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      AUDIT_FLUSH_MS: '2',
      SHUTDOWN_DRAIN_DELAY_MS: '300',
      SHUTDOWN_TIMEOUT_MS: '8000',
    };
  });

  afterAll(async () => {
    for (const g of gateways) await g.stop();
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers in-flight and kept-alive requests with their audit events, then exits 0; the chain verifies after a restart', async () => {
    const gw = await GatewayProcess.start(env);
    gateways.push(gw);
    // Not a partner: partners' requests are rate-limited, and this load would be refused 429.
    const token = await mint(dataDir, ADMIN);
    const agent = new Agent({ keepAlive: true, maxSockets: WORKERS });
    const sent: Sent[] = [];
    let answered = 0;
    let sigterm = false;
    let warmedUp!: () => void;
    const warm = new Promise<void>((resolve) => {
      warmedUp = resolve;
    });
    const exited = new Promise<number | null>((resolve) => gw.child.once('exit', (code) => resolve(code)));

    const worker = async (w: number) => {
      let failures = 0;
      for (let i = 0; i < MAX_PER_WORKER; i++) {
        const method = i % 3 === 2 ? 'PATCH' : 'GET';
        const r: Sent = { id: `sk-${w}-${i}`, method, status: null, error: null, afterSigterm: sigterm, connectionClose: false };
        sent.push(r);
        await send(agent, gw.port, r, token, method === 'PATCH' ? JSON.stringify({ lastLocation: `Dock ${w}-${i}` }) : null);
        if (r.status !== null) {
          failures = 0;
          if (++answered === WARM_UP) warmedUp();
          continue;
        }
        // Refused: the listener is closed. Otherwise try again, a few times at most.
        if (r.error === 'ECONNREFUSED' || ++failures >= 3) return;
      }
    };
    const load = Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    await warm;
    sigterm = true;
    gw.child.kill('SIGTERM');
    await load;
    agent.destroy();
    const code = await exited;

    const answers = sent.filter((r) => r.status !== null);
    const unanswered = sent.filter((r) => r.status === null);
    const events = await storedEvents(dataDir, database.url);
    const byRequest = new Map<string, StoredEvent[]>();
    for (const e of events) byRequest.set(e.request_id, [...(byRequest.get(e.request_id) ?? []), e]);
    const sentIds = new Set(sent.map((r) => r.id));
    const late = answers.filter((r) => r.afterSigterm);
    expect({
      exitCode: code,
      // The load overlapped the drain: requests sent after the SIGTERM were answered, and the drain
      // told kept-alive clients to close their connections.
      answeredAfterSigterm: late.length > 0,
      toldToClose: late.some((r) => r.connectionClose),
      writesAnswered: answers.some((r) => r.method === 'PATCH' && r.status === 200),
      notOk: answers.filter((r) => r.status !== 200).map((r) => `${r.id} ${r.status}`),
      // Every answer has exactly one event, with the status the client got.
      answersWithoutTheirEvent: answers
        .map((r) => ({
          id: r.id,
          method: r.method,
          answered: r.status,
          events: (byRequest.get(r.id) ?? []).map((e) => `${e.status} ${e.decision} ${e.code ?? ''}`.trim()),
        }))
        .filter((x) => x.events.length !== 1 || !x.events[0].startsWith(`${x.answered} `)),
      // A request that got no answer was not served: at most an event saying so (decision error).
      unansweredButServed: unanswered
        .map((r) => ({ id: r.id, method: r.method, error: r.error, events: byRequest.get(r.id) ?? [] }))
        .filter((x) => x.events.some((e) => e.decision !== 'error')),
      eventsOfNoRequest: events.filter((e) => !sentIds.has(e.request_id)),
      badRequests: events.filter((e) => e.status === 400),
    }).toEqual({
      exitCode: 0,
      answeredAfterSigterm: true,
      toldToClose: true,
      writesAnswered: true,
      notOk: [],
      answersWithoutTheirEvent: [],
      unansweredButServed: [],
      eventsOfNoRequest: [],
      badRequests: [],
    });

    // Restarted on the same database, the chain verifies end to end.
    const again = await GatewayProcess.start(env);
    gateways.push(again);
    const res = await fetch(`${again.url}/api/v1/audit-events/verify`, { headers: { Authorization: `Bearer ${await mint(dataDir, AUDITOR)}` } });
    expect(res.status).toBe(200);
    const verified = (await res.json()) as { ok: boolean; checked: number; headSeq: number };
    expect(verified).toMatchObject({ ok: true });
    expect(verified.checked).toBe(verified.headSeq);
    expect(await again.stop()).toBe(0);
  });
});

describe('a client that closes its connection before its body is read', () => {
  let gw: TestGateway;

  beforeAll(async () => {
    gw = await TestGateway.start();
    await new Promise<void>((resolve) => gw.app.getHttpServer().listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await gw?.stop();
  });

  it('is audited as aborted (499 CLIENT_ABORTED, decision error), not as a bad request', async () => {
    const server = gw.app.getHttpServer();
    const { port } = server.address() as AddressInfo;
    const token = await gw.token(SWIFTLOG);
    const requestId = `abort-${Date.now()}`;
    const socket = connect(port, '127.0.0.1');
    // Cut the connection once the gateway is reading this request's body.
    server.on('request', (req: { headers: Record<string, string> }) => {
      if (req.headers['x-request-id'] === requestId) setImmediate(() => socket.destroy());
    });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(
      [
        'PATCH /api/v1/shipments/shp-0001 HTTP/1.1',
        'Host: localhost',
        `Authorization: Bearer ${token}`,
        `X-Request-Id: ${requestId}`,
        'Content-Type: application/json',
        'Content-Length: 200',
        '',
        '{"lastLocation":',
      ].join('\r\n'),
    );
    let events: Array<Record<string, unknown>> = [];
    for (let i = 0; i < 200 && events.length === 0; i++) {
      events = await gw.query('SELECT status, decision, code, reason FROM audit_events WHERE request_id = ?', [requestId]);
      if (events.length === 0) await new Promise((r) => setTimeout(r, 25));
    }
    expect(events).toEqual([expect.objectContaining({ status: 499, decision: 'error', code: 'CLIENT_ABORTED' })]);
    expect(String(events[0].reason)).toMatch(/closed the connection before the request body was read/);
  });

  it('once the audit log is closed for shutdown, a request is answered 503 with no data, never served without its event', async () => {
    const before = await gw.auditCount();
    await gw.app.get(AuditService).close();
    const res = await gw.http.get('/api/v1/shipments').set('Authorization', `Bearer ${await gw.token(SWIFTLOG)}`);
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    expect(res.body.data).toBeUndefined();
    expect(await gw.auditCount()).toBe(before);
  });
});
