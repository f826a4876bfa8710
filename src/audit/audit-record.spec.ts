import { AuditRecord } from './audit-record';

/** Text a driver would store differently from what was hashed breaks the chain's verification. */
const wellFormed = (s: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe('AuditRecord.toEvent', () => {
  it('never cuts a character outside the BMP in half when it shortens caller text', () => {
    for (let pad = 190; pad <= 202; pad++) {
      const operation = `${'x'.repeat(pad)}${'\u{1F4E6}'.repeat(10)}`;
      const event = new AuditRecord('req', 'graphql', operation).toEvent(200);
      expect(event.operation.length).toBeLessThanOrEqual(200);
      expect(wellFormed(event.operation)).toBe(true);
      expect(event.operation.endsWith('\u2026') || event.operation === operation).toBe(true);
    }
  });

  it('replaces lone surrogates, which the databases would not store as given', () => {
    const event = new AuditRecord('req', 'graphql', 'query \uD800 and \uDC00 but \u{1F4E6} kept').toEvent(200);
    expect(event.operation).toBe('query \uFFFD and \uFFFD but \u{1F4E6} kept');
  });
});
