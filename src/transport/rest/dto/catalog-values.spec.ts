import 'reflect-metadata';
import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CreateCapacitySignalDto } from './capacity-signal.dto';
import { CreateShipmentDto, RecordShipmentEventDto, UpdateShipmentDto } from './shipment.dto';

describe('DTOs take their limits from the catalog', () => {
  const errorsOf = (dto: new () => object, body: Record<string, unknown>) =>
    validateSync(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true }).flatMap((e) => Object.values(e.constraints ?? {}));
  const shipment = { reference: 'PO-1', carrierId: 'c', shipperId: 's', origin: 'o', destination: 'd', sku: 'k', quantity: 1 };

  it('accepts a valid body, with astral characters counted as one', () => {
    expect(errorsOf(CreateShipmentDto, { ...shipment, reference: '\u{1F4E6}'.repeat(64), eta: '2026-05-01T12:00:00+02:00' })).toEqual([]);
  });

  it.each([
    [{ quantity: 2 ** 31 }, /^quantity must be a whole number from/],
    [{ reference: '\u{1F4E6}'.repeat(65) }, /^reference must be at most 64 characters long \(it has 65\)/],
    [{ origin: 'a\uDFFF' }, /^origin must not contain a lone UTF-16 surrogate/],
    [{ eta: '2026-02-30T10:00:00Z' }, /^eta must be an RFC 3339 date-time/],
    [{ eta: '2026-W05-3' }, /^eta must be an RFC 3339 date-time/],
    [{ routingPlan: 'x'.repeat(4001) }, /^routingPlan must be at most 4000/],
  ])('refuses bad value #%# naming the field', (change, message) => {
    expect(errorsOf(CreateShipmentDto, { ...shipment, ...change })).toEqual([expect.stringMatching(message)]);
  });

  it('inherited (PATCH) and own properties alike, each checked once', () => {
    const errors = errorsOf(UpdateShipmentDto, { eta: '2026-032', lastEventAt: '2026-13-45T00:00:00Z' });
    expect(errors.sort()).toEqual([expect.stringMatching(/^eta must be an RFC 3339/), expect.stringMatching(/^lastEventAt must be an RFC 3339/)]);
    // A value of the wrong type is named once, by the DTO's own type check.
    const typeErrors = errorsOf(UpdateShipmentDto, { quantity: 'many' });
    expect(typeErrors).toContain('quantity must be an integer number');
    expect(typeErrors.filter((e) => /whole number/.test(e))).toEqual([]);
    // Only declared properties are checked (and so whitelisted): a system field stays unknown.
    expect(errorsOf(UpdateShipmentDto, { updatedAt: '2026-05-01T10:00:00Z' })).toEqual(['property updatedAt should not exist']);
  });

  it('dates, events and client ids', () => {
    const capacity = { site: 's', sku: 'k', periodStart: '2026-02-30', availableQty: 1, riskLevel: 'low' };
    expect(errorsOf(CreateCapacitySignalDto, capacity)).toEqual([expect.stringMatching(/^periodStart must be a calendar date YYYY-MM-DD/)]);
    expect(errorsOf(RecordShipmentEventDto, { status: 'in_transit', occurredAt: '2026-05-01T10:00:00Z', eventId: '\uD800' })).toEqual([
      expect.stringMatching(/^eventId must not contain a lone UTF-16 surrogate/),
    ]);
  });
});
