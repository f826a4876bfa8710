import { AuditRecord } from './audit-record';
import { chainEvent, GENESIS_HASH, hashEvent } from './audit-chain';

describe('audit chain', () => {
  const input = new AuditRecord('req-1', 'rest', 'GET /api/v1/shipments').toEvent(200);

  it('links each event to the previous hash', () => {
    const first = chainEvent(input, 0n, GENESIS_HASH);
    const second = chainEvent({ ...input, id: 'other' }, 1n, first.hash);
    expect(first.seq).toBe('1');
    expect(second.seq).toBe('2');
    expect(second.prevHash).toBe(first.hash);
    expect(first.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes the hash when any canonical field changes', () => {
    const e = chainEvent(input, 0n, GENESIS_HASH);
    const { hash, ...rest } = e;
    expect(hashEvent(rest)).toBe(hash);
    expect(hashEvent({ ...rest, decision: 'deny' })).not.toBe(hash);
    expect(hashEvent({ ...rest, rowCount: rest.rowCount + 1 })).not.toBe(hash);
    expect(hashEvent({ ...rest, prevHash: 'f'.repeat(64) })).not.toBe(hash);
  });

  it('does not depend on how seq is typed by the driver', () => {
    const e = chainEvent(input, 41n, GENESIS_HASH);
    const { hash, ...rest } = e;
    expect(hashEvent({ ...rest, seq: 42 as unknown as string })).toBe(hash);
  });
});
