import { randomUUID } from 'node:crypto';
import { chainEvent } from '../src/audit/audit-chain';
import { AuditEventEntity } from '../src/audit/audit-event.entity';
import { AuditEventInput } from '../src/audit/audit-record';
import { bearer, NORTHWIND } from './support/contract';
import { TestGateway } from './support/test-app';

/**
 * Group commits on PostgreSQL append in one statement that succeeds only if the chain head is the
 * one this replica last saw. Another writer (another replica, a write's own transaction) moving the
 * head in between must cost a retry, never a fork, a gap or a lost event.
 */
describe('audit appends when another writer moved the chain head', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await TestGateway.start();
  });
  afterAll(async () => {
    await gw.stop();
  });

  /** Appends an event the way another replica would: under the head's lock, in its own transaction. */
  async function appendElsewhere(): Promise<void> {
    await gw.dataSource.transaction(async (m) => {
      const lock = gw.dialect === 'postgres' ? ' FOR UPDATE' : '';
      const [head] = await m.query(`SELECT seq, hash FROM audit_head WHERE id = 1${lock}`);
      const input: AuditEventInput = {
        id: randomUUID(),
        at: new Date().toISOString(),
        requestId: `elsewhere-${randomUUID()}`,
        actor: { sub: 'other-replica', partnerId: null, roles: ['admin'] },
        transport: 'rest',
        operation: 'GET /elsewhere',
        action: 'read',
        subject: 'DemandSignal',
        resourceIds: [],
        purpose: null,
        decision: 'allow',
        status: 200,
        code: null,
        reason: null,
        fieldsReturned: [],
        fieldsDenied: [],
        rowCount: 0,
        policyVersion: null,
        ruleIds: [],
        latencyMs: 1,
      };
      const event = chainEvent(input, BigInt(head.seq), head.hash);
      await m.createQueryBuilder().insert().into(AuditEventEntity).values(event).execute();
      await m.query(
        gw.dialect === 'postgres' ? 'UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1' : 'UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1',
        [event.seq, event.hash],
      );
    });
  }

  it('interleaved with another writer, every answered read has its event and the chain verifies', async () => {
    const token = await bearer(gw, NORTHWIND);
    const [{ seq: start }] = await gw.query<{ seq: string }>('SELECT seq FROM audit_head');
    for (let i = 0; i < 5; i++) {
      const reads = await Promise.all(Array.from({ length: 4 }, () => gw.http.get('/api/v1/demand-signals?limit=2').set('Authorization', token)));
      expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200]);
      await appendElsewhere();
    }
    const after = await gw.query<{ seq: string; request_id: string }>('SELECT seq, request_id FROM audit_events WHERE seq > ? ORDER BY seq', [Number(start)]);
    expect(after.map((r) => Number(r.seq))).toEqual(Array.from({ length: 25 }, (_, i) => Number(start) + i + 1));
    expect(after.filter((r) => r.request_id.startsWith('elsewhere-'))).toHaveLength(5);
    const auditor = await bearer(gw, { roles: ['auditor'] });
    const verify = await gw.http.get('/api/v1/audit-events/verify').set('Authorization', auditor).expect(200);
    expect(verify.body).toMatchObject({ ok: true });
  });
});
