import { get } from 'node:http';
import { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TestGateway } from './support/test-app';

const EVENTS = 100_000;

/** A month of audit events streams out at constant memory. */
describe('audit export at scale', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start({ SEED_DEMO: 'false' });
    const padding = 'x'.repeat(300);
    const cols = `seq, event_id, at, request_id, actor_sub, actor_partner_id, actor_roles, transport, operation, action, subject,
      resource_ids, purpose, decision, status, code, reason, fields_returned, fields_denied, row_count, policy_version, rule_ids,
      latency_ms, prev_hash, hash`;
    const values = (n: string, id: string, at: string) => `${n} + 1000, ${id}, ${at}, 'bulk', 'sub', 'carrier-swiftlog', '["partner"]', 'rest',
      'GET /api/v1/shipments', 'read', 'Shipment', '["${padding}"]', 'shipment-execution', 'allow', 200, NULL, NULL, '["id"]', '[]', 1, 1,
      '[]', 1, '${'0'.repeat(64)}', '${'0'.repeat(64)}'`;
    if (gw.dialect === 'postgres') {
      await gw.query(
        `INSERT INTO audit_events (${cols}) SELECT ${values('g', "'bulk-' || g", "'2026-10-01T00:00:00.000Z'")} FROM generate_series(1, ${EVENTS}) AS g`,
      );
    } else {
      await gw.query(`WITH RECURSIVE c(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM c WHERE g < ${EVENTS})
        INSERT INTO audit_events (${cols}) SELECT ${values('g', "'bulk-' || g", "'2026-10-01T00:00:00.000Z'")} FROM c`);
    }
    await gw.app.listen(0, '127.0.0.1');
  }, 120_000);
  afterAll(async () => {
    await gw.stop();
  });

  it(`streams ${EVENTS.toLocaleString('en')} events as NDJSON while memory stays bounded`, async () => {
    const token = await gw.token({ roles: ['auditor'] });
    const { port } = gw.app.getHttpServer().address() as AddressInfo;
    // Live heap after a full collection, sampled while the export streams: garbage does not count,
    // anything the export held on to would.
    setFlagsFromString('--expose_gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = baseline;
    let bytes = 0;
    let lines = 0;
    // Sampled at every tenth of the export rather than on a timer: a full collection in a long-lived
    // test worker can take a second, and a timer would spend the test collecting garbage.
    let nextSample = EVENTS / 10;
    const sample = () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    await new Promise<void>((resolve, reject) => {
      get(
        {
          host: '127.0.0.1',
          port,
          path: '/api/v1/audit-events/export?format=ndjson&partnerId=carrier-swiftlog',
          headers: { authorization: `Bearer ${token}` },
        },
        (res) => {
          expect(res.statusCode).toBe(200);
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            for (const b of chunk) if (b === 10) lines++;
            if (lines >= nextSample) {
              sample();
              nextSample += EVENTS / 10;
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      ).on('error', reject);
    });
    expect(lines).toBe(EVENTS);
    expect(nextSample).toBeGreaterThan(EVENTS); // every tenth was sampled
    expect(bytes).toBeGreaterThan(40 * 1024 * 1024);
    // The whole export is over 40 MB; what stays alive while it streams is a page or two.
    expect(peak - baseline).toBeLessThan(16 * 1024 * 1024);
  }, 180_000);
});
