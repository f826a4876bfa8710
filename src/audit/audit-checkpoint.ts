import { CompactSign, compactVerify, KeyLike } from 'jose';
import { KeyResolver } from '../auth/key-store';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
}

const TYPE = 'audit-checkpoint+jws';

/** A signed statement "the chain had this head at this time"; kept elsewhere, it proves history was not rewritten. */
export async function signCheckpoint(checkpoint: Checkpoint, key: { privateKey: KeyLike | Uint8Array; kid: string; alg: string }): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(checkpoint)))
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TYPE })
    .sign(key.privateKey);
}

export async function readCheckpoint(jws: string, keys: KeyResolver): Promise<Checkpoint> {
  const { payload, protectedHeader } = await compactVerify(jws, keys as never, { algorithms: ['RS256', 'ES256', 'EdDSA'] });
  if (protectedHeader.typ !== TYPE) throw new Error('not an audit checkpoint');
  const parsed = JSON.parse(new TextDecoder().decode(payload)) as Checkpoint;
  if (!Number.isInteger(parsed.seq) || parsed.seq < 0 || !/^[0-9a-f]{64}$/.test(parsed.hash)) throw new Error('malformed checkpoint');
  return parsed;
}
