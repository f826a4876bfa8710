import { createHmac, createPrivateKey, createPublicKey, createSign, JsonWebKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompactEncrypt, generateKeyPair, importJWK, JWTPayload, SignJWT } from 'jose';
import { loadOrCreateSigningKey, SigningKey } from '../../src/auth/key-store';
import { TokenVerifier } from '../../src/auth/token-verifier.service';
import { bearer, expectProblem, expectStatus, SWIFTLOG } from '../support/contract';
import { AUDIENCE, ISSUER, TestGateway } from '../support/test-app';
import { b64url, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * The JWT attacks of test/auth.e2e-spec.ts, extended against jose's verification as configured:
 * `alg: none` in every spelling, HMAC signed with the public key in every encoding, algorithms
 * outside the allow-list even with the right key, kid injection, token age, missing iss/aud,
 * oversized tokens (refused before any parsing), JWEs and unusual header parameters. Every
 * failure is the same 401 body, audited, and changes nothing.
 */

const now = () => Math.floor(Date.now() / 1000);
const URL_UNDER_TEST = '/api/v1/shipments';

describe('JWT verification attacks', () => {
  let gw: TestGateway;
  let key: SigningKey;
  let anonymous: Record<string, unknown>;
  let keyLookups = 0;

  const claims = (over: JWTPayload = {}): JWTPayload => ({
    sub: 'dispatch@swiftlog',
    roles: ['partner'],
    partner_id: 'carrier-swiftlog',
    purpose: 'shipment-execution',
    iss: ISSUER,
    aud: AUDIENCE,
    iat: now(),
    exp: now() + 600,
    ...over,
  });
  const payloadPart = (over: JWTPayload = {}) => b64url(claims(over));

  /** Signs with the gateway's own key unless told otherwise. */
  const sign = (over: JWTPayload = {}, header: Record<string, unknown> = {}, signingKey?: Parameters<SignJWT['sign']>[0], omit: string[] = []) => {
    const c = claims(over);
    for (const k of omit) delete c[k];
    return new SignJWT(c).setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header }).sign(signingKey ?? key.privateKey);
  };

  const hmac = (alg: 'HS256' | 'HS384' | 'HS512', secret: Buffer | string, header: Record<string, unknown> = {}) => {
    const h = b64url({ alg, typ: 'JWT', kid: key.kid, ...header });
    const p = payloadPart();
    const digest = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[alg];
    return `${h}.${p}.${createHmac(digest, secret).update(`${h}.${p}`).digest('base64url')}`;
  };

  async function expectRejected(token: string | (() => Promise<string> | string)): Promise<void> {
    const t = typeof token === 'function' ? await token() : token;
    const { res } = await refused(gw, () => gw.http.get(URL_UNDER_TEST).set('Authorization', `Bearer ${t}`), 401);
    expectProblem(res, 401, 'UNAUTHENTICATED');
    expect({ ...res.body, instance: undefined }).toEqual({ ...anonymous, instance: undefined });
  }

  beforeAll(async () => {
    gw = await TestGateway.start();
    key = await loadOrCreateSigningKey(gw.dataDir);
    anonymous = (await gw.http.get(URL_UNDER_TEST)).body;
    const verifier = gw.app.get<TokenVerifier, { keys: (...a: unknown[]) => unknown }>(TokenVerifier);
    const real = verifier.keys;
    verifier.keys = (...a: unknown[]) => {
      keyLookups++;
      return real(...a);
    };
  });
  afterAll(async () => {
    await gw.stop();
  });

  it('control: a token signed with the gateway key verifies', async () => {
    expectStatus(await gw.http.get(URL_UNDER_TEST).set('Authorization', `Bearer ${await sign()}`));
    expectStatus(await gw.http.get(URL_UNDER_TEST).set('Authorization', await bearer(gw, SWIFTLOG)));
  });

  describe('alg none, in every spelling', () => {
    const spellings = ['none', 'None', 'NONE', 'nOnE', 'none ', ' none', 'nonE\u0000'];
    it.each(spellings.map((s) => [JSON.stringify(s), s]))('alg %s, empty and non-empty signature', async (_, alg) => {
      const head = b64url({ alg, typ: 'JWT', kid: key.kid });
      await expectRejected(`${head}.${payloadPart()}.`);
      await expectRejected(`${head}.${payloadPart()}.${b64url('signature')}`);
      await expectRejected(`${head}.${payloadPart({ roles: ['admin'] })}.AA`);
    });
  });

  describe('HMAC signed with the public key (algorithm confusion)', () => {
    const encodings: Array<[string, () => Buffer | string]> = [
      ['SPKI PEM', () => publicKey().export({ type: 'spki', format: 'pem' })],
      ['PKCS#1 PEM', () => publicKey().export({ type: 'pkcs1', format: 'pem' })],
      ['SPKI DER bytes', () => publicKey().export({ type: 'spki', format: 'der' })],
      ['PKCS#1 DER bytes', () => publicKey().export({ type: 'pkcs1', format: 'der' })],
      ['the JWK as JSON text', () => JSON.stringify(key.publicJwk)],
      ['the modulus bytes', () => Buffer.from(String(key.publicJwk.n), 'base64url')],
    ];
    const publicKey = (): KeyObject => createPublicKey({ key: key.publicJwk as JsonWebKey, format: 'jwk' });
    it.each(encodings)('HS256/HS384/HS512 with %s', async (_, secret) => {
      for (const alg of ['HS256', 'HS384', 'HS512'] as const) await expectRejected(hmac(alg, secret()));
    });
  });

  describe('algorithms and keys outside the allow-list', () => {
    it('RS384, RS512, PS256 signed with the gateway\u2019s own private key', async () => {
      for (const alg of ['RS384', 'RS512', 'PS256', 'PS512']) {
        const k = await importJWK(JSON.parse(JSON.stringify({ ...(await exportPrivate()), alg: undefined })), alg);
        await expectRejected(() => sign({}, { alg }, k));
      }
    });

    it('a foreign EdDSA key and a foreign ES384 key under the gateway\u2019s kid', async () => {
      await expectRejected(async () => sign({}, { alg: 'EdDSA' }, (await generateKeyPair('EdDSA')).privateKey));
      await expectRejected(async () => sign({}, { alg: 'ES384' }, (await generateKeyPair('ES384')).privateKey));
    });

    it('a token without a kid is not tried against other keys', async () => {
      // one key is published, so jose may use it; a foreign key without kid must still fail
      await expectRejected(async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      });
    });
  });

  describe('kid injection', () => {
    it.each([
      ['path traversal', '../../etc/passwd'],
      ['a file URL', 'file:///etc/passwd'],
      ['SQL', "' OR '1'='1' --"],
      ['SQL union', "x' UNION SELECT private_key FROM keys --"],
      ['a NUL byte', 'abc\u0000def'],
      ['very long', 'k'.repeat(4000)],
    ])('%s, with a foreign key, and appended to the gateway\u2019s kid with its own key', async (_, kid) => {
      await expectRejected(async () => sign({}, { kid }, (await generateKeyPair('RS256')).privateKey));
      await expectRejected(() => sign({ roles: ['admin'] }, { kid: `${key.kid}${kid}` }));
    });

    it.each([
      ['a number', 42],
      ['an object', { $ne: null }],
      ['an array', [null]],
      ['null', null],
    ])('a kid that is not a string (%s) is refused, even on a token the gateway\u2019s key signed', async (_, kid) => {
      // jose's key set ignores a non-string kid and would try every key of the right type
      await expectRejected(() => sign({ roles: ['admin'] }, { kid }));
      await expectRejected(async () => sign({}, { kid }, (await generateKeyPair('RS256')).privateKey));
    });
  });

  describe('claims', () => {
    it('issued longer ago than JWT_MAX_AGE_S (24 h), though not expired', async () => {
      await expectRejected(() => sign({ iat: now() - 86_400 - 120, exp: now() + 600 }));
    });

    it('without iat (the age cannot be checked)', async () => {
      await expectRejected(() => sign({}, {}, undefined, ['iat']));
    });

    it('without iss, without aud, with an empty or a look-alike issuer', async () => {
      await expectRejected(() => sign({}, {}, undefined, ['iss']));
      await expectRejected(() => sign({}, {}, undefined, ['aud']));
      await expectRejected(() => sign({ iss: '' }));
      await expectRejected(() => sign({ iss: `${ISSUER}/` }));
      await expectRejected(() => sign({ iss: ISSUER.toUpperCase() }));
      await expectRejected(() => sign({ aud: [] }));
    });

    it('claims of the wrong type (roles as a string, partner_id as an object, sub as a number)', async () => {
      await expectRejected(() => sign({ roles: 'admin' }));
      await expectRejected(() => sign({ partner_id: { id: 'carrier-swiftlog' } }));
      await expectRejected(() => sign({ sub: 42 as never }));
      await expectRejected(() => sign({ partner_id: "carrier-swiftlog' OR 1=1 --" }));
    });
  });

  describe('size and shape', () => {
    it('a token over JWT_MAX_TOKEN_BYTES (8 KB) is refused before any parsing, though validly signed', async () => {
      const big = await sign({ pad: 'p'.repeat(9000) });
      expect(big.length).toBeGreaterThan(8192);
      const lookups = keyLookups;
      await expectRejected(big);
      expect(keyLookups).toBe(lookups);
      // control: just under the limit verifies
      const fits = await sign({ pad: 'p'.repeat(5000) });
      expect(fits.length).toBeLessThan(8192);
      expectStatus(await gw.http.get(URL_UNDER_TEST).set('Authorization', `Bearer ${fits}`));
    });

    it('a JWE (five-part compact serialization) encrypted to the gateway\u2019s own key', async () => {
      const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(claims())))
        .setProtectedHeader({ alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: key.kid, cty: 'JWT' })
        .encrypt(await importJWK({ ...key.publicJwk, alg: 'RSA-OAEP-256', use: 'enc' }, 'RSA-OAEP-256'));
      expect(jwe.split('.')).toHaveLength(5);
      await expectRejected(jwe);
    });

    it('a JWS in JSON serialization, a token with padding or with extra segments', async () => {
      const t = await sign();
      const [h, p, s] = t.split('.');
      await expectRejected(Buffer.from(JSON.stringify({ protected: h, payload: p, signature: s })).toString('base64url'));
      await expectRejected(`${h}.${p}.${s}=`);
      await expectRejected(`${t}.`);
      await expectRejected(`${h}.${p}.${s}.${s}`);
    });

    it('unencoded payload (b64: false) and unknown critical headers, signed with the gateway\u2019s key', async () => {
      const raw = async (header: Record<string, unknown>) => {
        const h = b64url({ alg: 'RS256', kid: key.kid, ...header });
        const p = payloadPart();
        const signer = createSign('RSA-SHA256').update(`${h}.${p}`);
        return `${h}.${p}.${signer.sign(createPrivateKey({ key: (await exportPrivate()) as JsonWebKey, format: 'jwk' })).toString('base64url')}`;
      };
      expectStatus(await gw.http.get(URL_UNDER_TEST).set('Authorization', `Bearer ${await raw({})}`)); // control
      await expectRejected(await raw({ b64: false, crit: ['b64'] }));
      await expectRejected(await raw({ crit: ['exp'], exp: now() + 60 }));
      await expectRejected(await raw({ crit: ['x-custom'], 'x-custom': true }));
      await expectRejected(await raw({ crit: [] }));
    });
  });

  function exportPrivate(): Promise<Record<string, unknown>> {
    return Promise.resolve(JSON.parse(readFileSync(join(gw.dataDir, 'keys', 'signing-key.jwk.json'), 'utf8')) as Record<string, unknown>);
  }
});
