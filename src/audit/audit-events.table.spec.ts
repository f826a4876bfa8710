import { DataSource } from 'typeorm';
import { openMigratedMemoryStore } from '../database/migrated-memory-store';
import { DatabaseService } from '../database/database.service';
import { GENESIS_HASH } from './audit-chain';
import { AuditEventEntity } from './audit-event.entity';
import { AuditHeadEntity } from './audit-head.entity';
import { AuditEventInput } from './audit-record';
import {
  AuditStore,
  chainReader,
  countActivity,
  findAuditEvent,
  findAuditEvents,
  findEventHash,
  partnerUsage,
  readChainHead,
  touchChainHead,
} from './audit-events.table';
import { verifyChain } from './audit-verifier';

let dataSource: DataSource;
let db: DatabaseService;

function event(id: string, over: Partial<AuditEventInput> = {}): AuditEventInput {
  return {
    id,
    at: '2025-03-01T10:15:00.000Z',
    requestId: `req-${id}`,
    actor: { sub: 'sub-1', partnerId: 'reader', roles: ['partner'] },
    transport: 'rest',
    operation: 'GET /api/v1/shipments',
    action: 'read',
    subject: 'Shipment',
    resourceIds: ['S-1'],
    purpose: null,
    decision: 'allow',
    status: 200,
    code: null,
    reason: null,
    fieldsReturned: ['status', 'eta'],
    fieldsDenied: ['price'],
    rowCount: 1,
    policyVersion: 1,
    ruleIds: [],
    latencyMs: 3,
    ...over,
  };
}

beforeAll(async () => {
  dataSource = await openMigratedMemoryStore([AuditEventEntity, AuditHeadEntity]);
  db = new DatabaseService(dataSource);
  const store = new AuditStore(db);
  await store.appendGroup([event('e-1'), event('e-2', { decision: 'deny', status: 403, resourceIds: ['S-2'], fieldsReturned: [], rowCount: 0 })]);
  await db.transaction((m) =>
    store.appendWithin(m, [event('e-3', { at: '2025-03-02T08:00:00.000Z', actor: { sub: 'sub-2', partnerId: 'owner', roles: ['partner'] } })]),
  );
});

afterAll(async () => {
  await dataSource?.destroy();
});

describe('audit-events.table', () => {
  it('appends chained events and moves the head; the chain verifies from the table reads', async () => {
    const head = await db.read((m) => readChainHead(m));
    expect(head?.seq).toBe(3);
    expect(await db.read((m) => findEventHash(m, 3))).toBe(head?.hash);
    expect(await db.read((m) => findEventHash(m, 4))).toBeNull();
    const result = await verifyChain(chainReader((work) => db.read(work)));
    expect(result).toMatchObject({ ok: true, checked: 3, headSeq: 3, head: head?.hash });
    const first = await db.read((m) => findAuditEvent(m, 'e-1'));
    expect(first?.prev_hash).toBe(GENESIS_HASH);
    expect(await db.read((m) => findAuditEvent(m, 'nope'))).toBeNull();
  });

  it('selects events by JSON list members, after a seq, in seq order', async () => {
    const byResource = await db.read((m) => findAuditEvents(m, { afterSeq: 0, resourceId: 'S-1' }, 10));
    expect(byResource.map((r) => r.event_id)).toEqual(['e-1', 'e-3']);
    const byField = await db.read((m) => findAuditEvents(m, { afterSeq: 0, field: 'price' }, 10));
    expect(byField.map((r) => r.event_id)).toEqual(['e-1', 'e-2', 'e-3']);
    const after = await db.read((m) => findAuditEvents(m, { afterSeq: 1, partnerId: 'reader' }, 1));
    expect(after.map((r) => r.event_id)).toEqual(['e-2']);
  });

  it('counts requests and refusals per partner and day', async () => {
    const counts = await db.read((m) => countActivity(m, { afterSeq: 0, from: '2025-03-01T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z' }, 'day'));
    expect(counts).toEqual([
      { period: '2025-03-01', partnerId: 'reader', requests: 2, refusals: 1 },
      { period: '2025-03-02', partnerId: 'owner', requests: 1, refusals: 0 },
    ]);
  });

  it("counts other partners' reads of the owner's records from an owned-records fragment", async () => {
    const rows = await db.read((m) =>
      partnerUsage(
        m,
        { ownerId: 'owner', from: '2025-03-01T00:00:00.000Z', to: '2025-03-03T00:00:00.000Z', fields: { Shipment: ['status', 'eta'] } },
        { sql: 'SELECT ? AS id, ? AS subject', params: ['S-1', 'Shipment'] },
      ),
    );
    // e-2 was refused, e-3 is the owner's own read.
    expect(rows).toEqual([
      { partnerId: 'reader', subject: 'Shipment', field: 'eta', day: '2025-03-01', count: 1 },
      { partnerId: 'reader', subject: 'Shipment', field: 'status', day: '2025-03-01', count: 1 },
    ]);
  });

  it('takes the write path on the chain head without changing it', async () => {
    const before = await db.read((m) => readChainHead(m));
    await db.transaction((m) => touchChainHead(m));
    expect(await db.read((m) => readChainHead(m))).toEqual(before);
  });
});
