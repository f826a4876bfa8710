import { generateKeyPairSync, KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { calculateJwkThumbprint, compactVerify, createLocalJWKSet } from 'jose';
import { readCheckpoint, signCheckpoint } from './audit-checkpoint';
import { checkpointKeyResolver, checkpointKeySet, readCheckpointKeyFile } from './checkpoint-key';

describe('the shared checkpoint key file (AUDIT_CHECKPOINT_KEY_FILE)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const CP = { seq: 7, hash: 'a'.repeat(64), at: '2026-12-02T00:00:00.000Z' };

  it.each([
    ['an RSA PEM (PKCS#8)', 'rsa', { modulusLength: 2048 }, 'RS256', 'pkcs8'],
    ['an RSA PEM (PKCS#1)', 'rsa', { modulusLength: 2048 }, 'RS256', 'pkcs1'],
    ['an EC P-256 PEM (SEC1)', 'ec', { namedCurve: 'prime256v1' }, 'ES256', 'sec1'],
    ['an Ed25519 PEM', 'ed25519', {}, 'EdDSA', 'pkcs8'],
  ] as const)('reads %s; the kid is the thumbprint, and a signed checkpoint verifies with the published set alone', async (_, type, options, alg, format) => {
    const { privateKey } = generateKeyPairSync(type as 'rsa', options as never) as unknown as { privateKey: KeyObject };
    const path = file(`${type}-${format}.pem`, privateKey.export({ type: format, format: 'pem' }).toString());
    const key = readCheckpointKeyFile(path);
    expect(key.alg).toBe(alg);
    expect(key.publicJwk).not.toHaveProperty('d');
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk));
    const jws = await signCheckpoint(CP, key);
    const published = checkpointKeySet(key);
    const { payload } = await compactVerify(jws, createLocalJWKSet(JSON.parse(JSON.stringify(published)) as never));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual(CP);
    // Read again (another replica): the same kid, and its checkpoints verify with the first one's key.
    expect(await readCheckpoint(await signCheckpoint(CP, readCheckpointKeyFile(path)), checkpointKeyResolver(key))).toEqual(CP);
  });

  it('reads a private JWK and keeps its own kid', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'audit-2026' };
    const key = readCheckpointKeyFile(file('ec.jwk.json', JSON.stringify(jwk)));
    expect(key).toMatchObject({ kid: 'audit-2026', alg: 'ES256', publicJwk: { kty: 'EC', crv: 'P-256', kid: 'audit-2026', alg: 'ES256', use: 'sig' } });
    expect(key.publicJwk).not.toHaveProperty('d');
  });

  it('refuses what cannot sign checkpoints, in one line naming the setting', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const { privateKey: small } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const { privateKey: p384 } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
    const cases: Array<[string, RegExp]> = [
      [join(dir, 'missing.pem'), /^AUDIT_CHECKPOINT_KEY_FILE: cannot read .*missing\.pem \(ENOENT\)$/],
      [file('garbage.pem', 'not a key'), /^AUDIT_CHECKPOINT_KEY_FILE: .*garbage\.pem holds no private key in PEM or JWK form$/],
      [file('public.jwk.json', JSON.stringify(publicKey.export({ format: 'jwk' }))), /holds a public JWK; the file must hold the private key$/],
      [file('public.pem', publicKey.export({ type: 'spki', format: 'pem' }).toString()), /holds no private key in PEM or JWK form$/],
      [file('small.pem', small.export({ type: 'pkcs8', format: 'pem' }).toString()), /must hold an RSA key of 2048 bits or more.*\(got rsa 1024 bits\)$/],
      [file('p384.pem', p384.export({ type: 'pkcs8', format: 'pem' }).toString()), /\(got ec secp384r1\)$/],
    ];
    for (const [path, message] of cases) {
      let error: Error | undefined;
      try {
        readCheckpointKeyFile(path);
      } catch (e) {
        error = e as Error;
      }
      expect(error?.message).toMatch(message);
      expect(error?.message).toMatch(/^AUDIT_CHECKPOINT_KEY_FILE: [^\n]+$/);
    }
  });
});
