import { AuditRecord } from '../audit/audit-record';
import { GatewayError } from '../common/gateway-error';
import { callerOf } from './caller-of';
import { GatewayRequest } from './gateway-request';

function request(headers: Record<string, string | string[]>): GatewayRequest {
  const audit = new AuditRecord('req-1', 'rest', 'GET /api/v1/shipments');
  const principal = { sub: 'northwind-svc', partnerId: 'northwind', roles: ['partner' as const], purpose: null };
  return { headers, gateway: { audit, principal, authError: null } } as unknown as GatewayRequest;
}

describe('callerOf', () => {
  it('carries the principal, the declared purpose, the audit record and a valid Idempotency-Key', () => {
    const req = request({ 'x-purpose': 'replenishment', 'idempotency-key': 'order-42' });
    const caller = callerOf(req);
    expect(caller.principal.partnerId).toBe('northwind');
    expect(caller.purpose).toBe('replenishment');
    expect(caller.idempotencyKey).toBe('order-42');
    expect(caller.audit).toBe(req.gateway!.audit);
  });

  it.each([['with a space'], ['x'.repeat(201)], [''], ['caf\u00e9']])('refuses the Idempotency-Key %j with a validation error', (key) => {
    let thrown: unknown;
    try {
      callerOf(request({ 'idempotency-key': key }));
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(GatewayError);
    expect(thrown).toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses a repeated Idempotency-Key header', () => {
    expect(() => callerOf(request({ 'idempotency-key': ['a', 'b'] }))).toThrow(GatewayError);
  });
});
