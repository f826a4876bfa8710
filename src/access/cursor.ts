import { GatewayError } from '../common/gateway-error';

/** Opaque keyset cursors: the last id seen, bound to the subject they page through. */
export function encodeCursor(subject: string, lastId: string): string {
  return Buffer.from(JSON.stringify({ s: subject, k: lastId }), 'utf8').toString('base64url');
}

export function decodeCursor(subject: string, cursor: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { s?: unknown; k?: unknown };
    if (parsed.s === subject && typeof parsed.k === 'string' && parsed.k.length <= 64) return parsed.k;
  } catch {
    // fall through
  }
  throw new GatewayError(400, 'INVALID_CURSOR', 'Invalid cursor', { detail: 'The cursor is not one this gateway gave for this list.' });
}
