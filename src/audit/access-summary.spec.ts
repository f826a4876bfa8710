import { carriedBy, carry, deciding, merge, mergeAll, NOTHING, recorded, summaryOf, touched, judgedBy } from './access-summary';
import { AuditRecord } from './audit-record';

describe('AccessSummary', () => {
  it('keeps lists in the order met, without repeats, and cannot be changed', () => {
    const s = summaryOf({
      resourceIds: ['b', 'a', 'b'],
      fieldsTransformed: [
        ['x', 'mask'],
        ['x', 'round'],
      ],
    });
    expect(s.resourceIds).toEqual(['b', 'a']);
    expect(s.fieldsTransformed).toEqual([['x', 'round']]);
    expect(s.rowCount).toBe(0);
    expect(Object.isFrozen(s) && Object.isFrozen(s.resourceIds)).toBe(true);
    expect(() => (s.resourceIds as string[]).push('c')).toThrow(TypeError);
  });

  it('merges in order: lists joined, counts added, reasons joined, later decisions replacing earlier ones', () => {
    const a = merge(touched('read', 'Shipment'), summaryOf({ resourceIds: ['s1'], rowCount: 1, policyVersion: 3, purpose: 'p', reason: 'one' }));
    const b = merge(touched('read', 'Carrier'), summaryOf({ resourceIds: ['s2', 's1'], rowCount: 2, policyVersion: 4, reason: 'two' }));
    const m = merge(a, b);
    expect(m.actions).toEqual(['read']);
    expect(m.subjects).toEqual(['Shipment', 'Carrier']);
    expect(m.resourceIds).toEqual(['s1', 's2']);
    expect(m.rowCount).toBe(3);
    expect(m.policyVersion).toBe(4);
    expect(m.purpose).toBe('p');
    expect(m.reason).toBe('one; two');
    // An explicit null is a decision too (no policy version), unlike an absent one.
    expect(merge(m, summaryOf({ policyVersion: null })).policyVersion).toBeNull();
    expect(merge(m, NOTHING)).toBe(m);
    expect(mergeAll([a, b])).toEqual(m);
  });

  it('lets a reason that stands for the whole request replace the ones before it', () => {
    const replay = summaryOf({ reason: 'idempotent replay: nothing written', replacesReason: true });
    expect(merge(replay, replay).reason).toBe('idempotent replay: nothing written');
    expect(merge(summaryOf({ reason: 'a' }), summaryOf({ reason: 'a' })).reason).toBe('a; a');
    const record = new AuditRecord('req', 'graphql', 'mutation');
    record.add(replay);
    record.add(replay);
    expect(record.toEvent(201).reason).toBe('idempotent replay: nothing written');
  });

  it('says which policy judged a step', () => {
    const ruleAgreements = new Map([['r1', 'agr-1']]);
    expect(judgedBy({ version: 7, ruleAgreements }, 'ops')).toMatchObject({ policyVersion: 7, purpose: 'ops', ruleAgreements });
  });

  it('lets an error carry what was decided before it, outer steps first', async () => {
    const error = new Error('refused');
    carry(error, summaryOf({ policyVersion: 2 }));
    await expect(deciding(touched('create', 'Shipment'), () => Promise.reject(error))).rejects.toBe(error);
    expect(carriedBy(error)).toMatchObject({ actions: ['create'], subjects: ['Shipment'], policyVersion: 2 });
    expect(carriedBy(new Error('other'))).toBe(NOTHING);
    expect(carriedBy('not an object')).toBe(NOTHING);
  });
});

describe('recorded', () => {
  it('adds a step summary, or the one its error carries, in the order the steps began', async () => {
    const record = new AuditRecord('req', 'graphql', 'graphql query q');
    let finishFirst!: () => void;
    const first = new Promise<{ summary: ReturnType<typeof touched> }>((resolve) => {
      finishFirst = () => resolve({ summary: merge(touched('read', 'Shipment'), summaryOf({ resourceIds: ['s1'], rowCount: 1 })) });
    });
    const one = recorded(record, first);
    const refused = new Error('no');
    carry(refused, merge(touched('read', 'Carrier'), summaryOf({ policyVersion: 5 })));
    const failing = Promise.reject(refused);
    await expect(recorded(record, failing)).rejects.toThrow('no');
    finishFirst();
    await one;
    const event = record.toEvent(200);
    expect(event).toMatchObject({ action: 'read', subject: 'Shipment,Carrier', resourceIds: ['s1'], rowCount: 1, policyVersion: 5 });
  });

  it('leaves the record as it was until the step ends; a pending summary is in the event without being added', () => {
    const record = new AuditRecord('req', 'rest', 'POST /shipments');
    record.add(touched('create', 'Shipment'));
    const pending = summaryOf({ rowCount: 1, fieldsReturned: ['id'], reason: 'written' });
    expect(record.toEvent(201, pending)).toMatchObject({ rowCount: 1, fieldsReturned: ['id'], reason: 'written', decision: 'allow' });
    expect(record.toEvent(201)).toMatchObject({ rowCount: 0, fieldsReturned: [], reason: null });
  });

  it('decides partial or deny from what was returned and withheld', () => {
    const record = new AuditRecord('req', 'graphql', 'op');
    record.add(summaryOf({ fieldsDenied: ['secret'] }));
    expect(record.toEvent(200).decision).toBe('deny');
    record.add(summaryOf({ fieldsReturned: ['id'] }));
    expect(record.toEvent(200).decision).toBe('partial');
    record.add(summaryOf({ decisionOverride: 'allow' }));
    expect(record.toEvent(200).decision).toBe('allow');
  });
});
