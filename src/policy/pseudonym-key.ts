import { createHmac, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const secrets = new Map<string, Buffer>();

/**
 * The gateway's pseudonym secret: the PSEUDONYM_KEY setting, or 32 random bytes created under
 * DATA_DIR/keys on first use (beside the signing key). Replicas must share it (the setting, or a
 * shared DATA_DIR) so a partner's pseudonyms are stable across them.
 */
export function pseudonymSecret(dataDir: string, setting?: string): Buffer {
  if (setting) return Buffer.from(setting, 'utf8');
  let secret = secrets.get(dataDir);
  if (secret) return secret;
  const dir = join(dataDir, 'keys');
  const file = join(dir, 'pseudonym.key');
  try {
    secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  } catch {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
  }
  secrets.set(dataDir, secret);
  return secret;
}

/** One partner's pseudonym key: two partners' pseudonyms of one value differ, so they cannot join on them. */
export function partnerPseudonymKey(secret: Buffer, partnerId: string): Buffer {
  return createHmac('sha256', secret).update(`pseudonym\u0000${partnerId}`, 'utf8').digest();
}
