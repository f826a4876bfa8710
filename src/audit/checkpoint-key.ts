import { createHash, createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK, KeyLike } from 'jose';
import { KeyResolver, loadOrCreateSigningKey, localKeyResolver } from '../auth/key-store';

export type CheckpointAlgorithm = 'RS256' | 'ES256' | 'EdDSA';

/** The key audit checkpoints are signed with, and its public half as published. */
export interface CheckpointKey {
  kid: string;
  alg: CheckpointAlgorithm;
  privateKey: KeyLike | Uint8Array;
  publicJwk: JWK;
}

export interface CheckpointKeySettings {
  AUDIT_CHECKPOINT_KEY_FILE?: string;
  DATA_DIR: string;
}

/** A setting's file that cannot be the checkpoint key; the message is one line naming the setting. */
export class CheckpointKeyFileError extends Error {}

/**
 * The shared checkpoint key from AUDIT_CHECKPOINT_KEY_FILE: a private key as PEM (PKCS#8, PKCS#1 or
 * SEC1) or as a JWK, RSA of 2048 bits or more (RS256), EC P-256 (ES256) or Ed25519 (EdDSA). The kid
 * is the JWK's own `kid`, else the key's JWK thumbprint (RFC 7638), so every replica that reads the
 * same file publishes and signs with the same kid.
 */
export function readCheckpointKeyFile(path: string): CheckpointKey {
  const fail = (why: string) => new CheckpointKeyFileError(`AUDIT_CHECKPOINT_KEY_FILE: ${why}`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    throw fail(`cannot read ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let privateKey: KeyObject;
  let ownKid: string | undefined;
  try {
    if (text.startsWith('{')) {
      const jwk = JSON.parse(text) as JWK;
      if (typeof jwk.d !== 'string') throw fail(`${path} holds a public JWK; the file must hold the private key`);
      ownKid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : undefined;
      privateKey = createPrivateKey({ key: jwk as never, format: 'jwk' });
    } else {
      privateKey = createPrivateKey(text);
    }
  } catch (e) {
    if (e instanceof CheckpointKeyFileError) throw e;
    throw fail(`${path} holds no private key in PEM or JWK form`);
  }
  const alg = algorithmOf(privateKey);
  if (!alg) {
    const details = privateKey.asymmetricKeyDetails;
    const what = `${privateKey.asymmetricKeyType ?? 'unknown'}${details?.modulusLength ? ` ${details.modulusLength} bits` : ''}${details?.namedCurve ? ` ${details.namedCurve}` : ''}`;
    throw fail(`${path} must hold an RSA key of 2048 bits or more, an EC P-256 or an Ed25519 key (got ${what})`);
  }
  const pub = createPublicKey(privateKey).export({ format: 'jwk' }) as JWK;
  const kid = ownKid ?? thumbprint(pub);
  return { kid, alg, privateKey, publicJwk: { ...pub, kid, alg, use: 'sig' } };
}

/** The key this process signs checkpoints with: the shared key file when set, else the embedded key under DATA_DIR/keys. */
export async function checkpointKeyOf(settings: CheckpointKeySettings): Promise<CheckpointKey> {
  if (settings.AUDIT_CHECKPOINT_KEY_FILE) return readCheckpointKeyFile(settings.AUDIT_CHECKPOINT_KEY_FILE);
  return loadOrCreateSigningKey(settings.DATA_DIR);
}

/** The public key set auditors verify checkpoints with (GET /api/v1/audit-events/checkpoint-keys). */
export function checkpointKeySet(key: CheckpointKey): { keys: JWK[] } {
  return { keys: [key.publicJwk] };
}

export function checkpointKeyResolver(key: CheckpointKey): KeyResolver {
  return localKeyResolver([key.publicJwk]);
}

function algorithmOf(key: KeyObject): CheckpointAlgorithm | null {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048) return 'RS256';
  if (key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1') return 'ES256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return null;
}

/** RFC 7638 JWK thumbprint (SHA-256) of a public RSA, EC or OKP key. */
function thumbprint(jwk: JWK): string {
  const members: Record<string, string[]> = { RSA: ['e', 'kty', 'n'], EC: ['crv', 'kty', 'x', 'y'], OKP: ['crv', 'kty', 'x'] };
  const required = members[jwk.kty ?? ''] ?? [];
  const canonical = `{${required.map((k) => `${JSON.stringify(k)}:${JSON.stringify((jwk as unknown as Record<string, unknown>)[k])}`).join(',')}}`;
  return createHash('sha256').update(canonical).digest('base64url');
}
