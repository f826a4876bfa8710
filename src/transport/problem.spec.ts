import { Logger } from '@nestjs/common';
import { toGatewayError } from './problem';

/** A driver error as the database layer hands it on: the driver's own error under `driverError`. */
const driverFailure = (code: string, message: string) => Object.assign(new Error(message), { driverError: Object.assign(new Error(message), { code }) });

describe('toGatewayError: a store that cannot serve is 503, not 500', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it.each([
    ['SQLITE_BUSY', 'database is locked'],
    ['SQLITE_READONLY_DBMOVED', 'attempt to write a readonly database'],
    ['57P01', 'terminating connection due to administrator command'],
  ])('%s', (code, message) => {
    expect(toGatewayError(driverFailure(code, message))).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
  });

  it('other database errors stay 500', () => {
    expect(toGatewayError(driverFailure('SQLITE_CONSTRAINT_UNIQUE', 'UNIQUE constraint failed: shipments.id'))).toMatchObject({
      status: 500,
      code: 'INTERNAL',
    });
    expect(toGatewayError(new Error('syntax error at or near "SELEC"'))).toMatchObject({ status: 500, code: 'INTERNAL' });
  });
});
