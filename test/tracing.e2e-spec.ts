import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { GatewayProcess } from './support/gateway-process';

jest.setTimeout(180_000);

/**
 * A gateway process with OTEL_EXPORTER_OTLP_ENDPOINT set sends its spans over OTLP/HTTP (JSON) to
 * a real receiver: a request that carries a W3C traceparent is traced in the caller's trace, with
 * the HTTP server span, the SQL statements, the GraphQL resolution and the audit append in it, and
 * the answer names the trace. On PostgreSQL when DATABASE_URL is set.
 */

const ISSUER = 'https://gateway.tracing-test';
const AUDIENCE = 'partner-data-gateway-tracing-test';

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: Array<{ key: string; value: OtlpValue }>;
}
interface OtlpExport {
  resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
}

const SERVER = 2;
const CLIENT = 3;

function attr(span: OtlpSpan, key: string): string | number | boolean | undefined {
  const v = span.attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? v?.boolValue;
}

async function mint(dataDir: string, claims: Record<string, unknown>): Promise<string> {
  const key = await loadOrCreateSigningKey(dataDir);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .setSubject('tracing-test')
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key.privateKey);
}

describe('OpenTelemetry traces over OTLP/HTTP', () => {
  let receiver: Server;
  const spans: OtlpSpan[] = [];
  const contentTypes = new Set<string>();
  let gw: GatewayProcess;
  let dataDir: string;
  let database: TestDatabase;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method === 'POST' && req.url === '/v1/traces') {
          contentTypes.add(String(req.headers['content-type']));
          const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport;
          for (const r of body.resourceSpans) for (const s of r.scopeSpans) spans.push(...s.spans);
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    dataDir = mkdtempSync(join(tmpdir(), 'gw-tracing-'));
    database = await createTestDatabase();
    gw = await GatewayProcess.start({
      DATA_DIR: dataDir,
      DATABASE_URL: database.url ?? '',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
  });

  afterAll(async () => {
    await gw?.stop();
    await new Promise((r) => receiver?.close(r));
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** The spans of one trace, once the gateway has sent all of `names` (each a test on a span). */
  async function trace(traceId: string, wanted: Array<(s: OtlpSpan) => boolean>): Promise<OtlpSpan[]> {
    for (let i = 0; i < 300; i++) {
      const of = spans.filter((s) => s.traceId === traceId);
      if (wanted.every((w) => of.some(w))) return of;
      await new Promise((r) => setTimeout(r, 100));
    }
    return spans.filter((s) => s.traceId === traceId);
  }

  const isSql = (s: OtlpSpan) => s.kind === CLIENT && /^(sqlite|postgresql)$/.test(String(attr(s, 'db.system.name') ?? attr(s, 'db.system')));

  it('a REST read continues the caller trace: HTTP server span, SQL spans and the audit append', async () => {
    const traceId = randomBytes(16).toString('hex');
    const parent = randomBytes(8).toString('hex');
    const token = await mint(dataDir, { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    const res = await fetch(`${gw.url}/api/v1/demand-signals?limit=5`, {
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-${parent}-01` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));

    const server = (s: OtlpSpan) => s.kind === SERVER && s.parentSpanId === parent;
    const append = (s: OtlpSpan) => s.name === 'audit append';
    const of = await trace(traceId, [server, isSql, append]);
    const httpSpan = of.find(server);
    expect(httpSpan).toBeDefined();
    expect(attr(httpSpan!, 'http.request.method') ?? attr(httpSpan!, 'http.method')).toBe('GET');
    expect(of.filter(isSql).length).toBeGreaterThan(0);
    expect(of.filter(isSql).some((s) => /demand_signals/.test(String(attr(s, 'db.query.text') ?? attr(s, 'db.statement'))))).toBe(true);
    expect(of.find(append)).toMatchObject({ name: 'audit append' });
    expect(attr(of.find(append)!, 'audit.transaction')).toBe('group');
    expect(of.some((s) => s.name === 'audit commit')).toBe(true);
    // The receiver parsed the spans as JSON: the exporter speaks OTLP/HTTP with the JSON encoding.
    expect([...contentTypes]).toEqual(['application/json']);
  });

  it('a write appends its audit event inside its own transaction, in the same trace', async () => {
    const traceId = randomBytes(16).toString('hex');
    const token = await mint(dataDir, { roles: ['partner'], partner_id: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const res = await fetch(`${gw.url}/api/v1/shipments/shp-0001`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ lastLocation: 'Traced hub' }),
    });
    expect(res.status).toBe(200);
    const append = (s: OtlpSpan) => s.name === 'audit append' && attr(s, 'audit.transaction') === 'caller';
    const updates = (s: OtlpSpan) => isSql(s) && /^UPDATE/i.test(String(attr(s, 'db.query.text') ?? attr(s, 'db.statement')));
    const of = await trace(traceId, [append, updates]);
    expect(of.filter(append)).toHaveLength(1);
    expect(of.filter(updates).length).toBeGreaterThan(0);
  });

  it('a GraphQL query is traced down to its resolvers', async () => {
    const traceId = randomBytes(16).toString('hex');
    const token = await mint(dataDir, { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    const res = await fetch(`${gw.url}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      body: JSON.stringify({ query: '{ demandSignals(first: 3) { nodes { id sku } } }' }),
    });
    expect(res.status).toBe(200);
    const resolve = (s: OtlpSpan) => s.name.startsWith('graphql.resolve');
    const of = await trace(traceId, [resolve, isSql, (s) => s.name === 'audit append']);
    expect(of.filter(resolve).map((s) => attr(s, 'graphql.field.name'))).toContain('demandSignals');
    expect(of.some(isSql)).toBe(true);
  });

  it('health probes are not traced', async () => {
    const traceId = randomBytes(16).toString('hex');
    expect((await fetch(`${gw.url}/health/ready`, { headers: { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` } })).status).toBe(200);
    // Counted after a later traced request's spans arrive, so the probe's would have arrived too.
    const later = randomBytes(16).toString('hex');
    const token = await mint(dataDir, { roles: ['partner'], partner_id: 'supplier-northwind', purpose: 'replenishment-planning' });
    await fetch(`${gw.url}/api/v1/demand-signals?limit=1`, {
      headers: { authorization: `Bearer ${token}`, traceparent: `00-${later}-${randomBytes(8).toString('hex')}-01` },
    });
    expect((await trace(later, [(s) => s.name === 'audit append'])).length).toBeGreaterThan(0);
    expect(spans.filter((s) => s.traceId === traceId)).toEqual([]);
  });
});
