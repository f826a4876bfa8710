import { CompactSign, compactVerify } from 'jose';
import { KeyResolver } from '../auth/key-store';
import { AuditChainReader } from './audit-event-rows';
import { verifyChain, VerifyResult } from './audit-verifier';
import { CheckpointKey } from './checkpoint-key';

export interface Checkpoint {
  seq: number;
  hash: string;
  at: string;
}

export type SignedCheckpoint = Checkpoint & { checkpoint: string };

export type CheckpointVerifyResult = VerifyResult & { checkpoint: { seq: number; ok: boolean } };

const TYPE = 'audit-checkpoint+jws';

/** A signed statement "the chain had this head at this time"; kept elsewhere, it proves history was not rewritten. */
export async function signCheckpoint(checkpoint: Checkpoint, key: Pick<CheckpointKey, 'privateKey' | 'kid' | 'alg'>): Promise<string> {
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

/** The chain head now, signed: what GET /api/v1/audit-events/checkpoint answers and `npm run audit:checkpoint` prints. */
export async function takeCheckpoint(chain: AuditChainReader, key: CheckpointKey): Promise<SignedCheckpoint> {
  const head = await chain.head();
  if (!head) throw new Error('audit_head row is missing');
  const cp = { seq: head.seq, hash: head.hash, at: new Date().toISOString() };
  return { checkpoint: await signCheckpoint(cp, key), ...cp };
}

/** Verifies events 1..the checkpoint's seq and that the chain there still ends in the checkpoint's hash. */
export async function verifyToCheckpoint(chain: AuditChainReader, cp: Checkpoint): Promise<CheckpointVerifyResult> {
  const result = await verifyChain(chain, { from: 1, to: cp.seq });
  if (!result.ok) return { ...result, checkpoint: { seq: cp.seq, ok: false } };
  if (result.checked < cp.seq || result.head !== cp.hash) {
    return {
      ...result,
      ok: false,
      brokenSeq: Math.min(result.checked + 1, cp.seq),
      reason: 'checkpoint-mismatch',
      detail: `the chain up to seq ${cp.seq} no longer ends in the checkpoint's hash`,
      checkpoint: { seq: cp.seq, ok: false },
    };
  }
  return { ...result, checkpoint: { seq: cp.seq, ok: true } };
}
