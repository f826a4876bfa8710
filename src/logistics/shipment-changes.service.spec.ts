import { parseNotice } from './shipment-changes.service';

describe('shipment-change notices from Redis', () => {
  it('reads a well-formed notice', () => {
    const change = { shipmentId: 'shp-0001', at: '2026-11-23T10:00:00.000Z' };
    expect(parseNotice(JSON.stringify({ origin: 'replica-a', change }))).toEqual({ origin: 'replica-a', change });
  });

  it('keeps only the shipment id and time of a notice that carries more', () => {
    const notice = parseNotice(JSON.stringify({ origin: 'a', change: { shipmentId: 's', at: 't', freightCost: 9 } }));
    expect(notice).toEqual({ origin: 'a', change: { shipmentId: 's', at: 't' } });
  });

  it.each([
    'not json',
    'null',
    '[]',
    '{"origin":1,"change":{"shipmentId":"s","at":"t"}}',
    '{"origin":"a","change":{"shipmentId":5,"at":"t"}}',
    '{"origin":"a"}',
  ])('ignores a malformed notice (%s) instead of throwing', (message) => expect(parseNotice(message)).toBeNull());
});
