import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../../src/auth/key-store';
import { bearer, dbIds, expectProblem, expectStatus, SWIFTLOG } from '../support/contract';
import { AUDIENCE, ISSUER, TestGateway } from '../support/test-app';
import { CanaryServer, PUSH_TALLIES, refused } from './support/attack';

jest.setTimeout(120_000);

/**
 * OWASP API7:2023 Server Side Request Forgery. The only URL the gateway ever fetches is its own
 * JWT_JWKS_URL. Tokens whose headers name other key locations (jku, x5u) or bring their own key
 * (jwk, x5c), and EPCIS documents full of URLs (JSON-LD @context, GS1 Digital Links), point at a
 * canary server started here: it must receive nothing, and the tokens are refused, even when
 * otherwise validly signed.
 */

const now = () => Math.floor(Date.now() / 1000);
const claims = (): JWTPayload => ({
  sub: 'dispatch@swiftlog',
  roles: ['partner'],
  partner_id: 'carrier-swiftlog',
  purpose: 'shipment-execution',
  iss: ISSUER,
  aud: AUDIENCE,
  iat: now(),
  exp: now() + 600,
});

interface Attacker {
  privateKey: KeyLike;
  jwk: JWK;
  kid: string;
}

describe('API7 SSRF', () => {
  let canary: CanaryServer;
  let attacker: Attacker;

  beforeAll(async () => {
    canary = await CanaryServer.start();
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const kid = `attacker-${randomUUID()}`;
    attacker = { privateKey, kid, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
    canary.handler = (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [attacker.jwk] }));
    };
  });
  afterAll(async () => {
    await canary.stop();
  });

  /** Header variations, each signed by the attacker's key (whose JWKS the canary would serve) or by the gateway's own. */
  function headerAttacks(gatewayKid: () => string): Array<[string, () => Record<string, unknown>, 'attacker' | 'gateway']> {
    return [
      ['jku at the canary, attacker kid', () => ({ jku: canary.url('/jwks.json'), kid: attacker.kid }), 'attacker'],
      ['jku at the canary, the gateway\u2019s kid', () => ({ jku: canary.url('/jwks.json'), kid: gatewayKid() }), 'attacker'],
      ['x5u at the canary', () => ({ x5u: canary.url('/cert.pem'), kid: attacker.kid }), 'attacker'],
      ['an embedded jwk', () => ({ jwk: { kty: attacker.jwk.kty, n: attacker.jwk.n, e: attacker.jwk.e } }), 'attacker'],
      [
        'an embedded jwk with the gateway\u2019s kid',
        () => ({ jwk: { kty: attacker.jwk.kty, n: attacker.jwk.n, e: attacker.jwk.e }, kid: gatewayKid() }),
        'attacker',
      ],
      ['an embedded x5c chain', () => ({ x5c: [Buffer.from('not a certificate').toString('base64')], kid: attacker.kid }), 'attacker'],
      ['jku at the canary on a token the gateway\u2019s key signed', () => ({ jku: canary.url('/jwks.json'), kid: gatewayKid() }), 'gateway'],
      ['x5u at the canary on a token the gateway\u2019s key signed', () => ({ x5u: canary.url('/cert.pem'), kid: gatewayKid() }), 'gateway'],
      [
        'an embedded jwk on a token the gateway\u2019s key signed',
        () => ({ jwk: { kty: attacker.jwk.kty, n: attacker.jwk.n, e: attacker.jwk.e }, kid: gatewayKid() }),
        'gateway',
      ],
    ];
  }

  describe('with the embedded key pair (default)', () => {
    let gw: TestGateway;
    let gatewayKey: Awaited<ReturnType<typeof loadOrCreateSigningKey>>;
    beforeAll(async () => {
      gw = await TestGateway.start();
      gatewayKey = await loadOrCreateSigningKey(gw.dataDir);
    });
    afterAll(async () => {
      await gw.stop();
    });

    it.each(headerAttacks(() => gatewayKey.kid))('%s: 401, and the canary receives nothing', async (_, header, signer) => {
      const hits = canary.requests.length;
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', ...header() })
        .sign(signer === 'gateway' ? gatewayKey.privateKey : attacker.privateKey);
      const { res } = await refused(gw, () => gw.http.get('/api/v1/shipments').set('Authorization', `Bearer ${token}`), 401);
      expectProblem(res, 401, 'UNAUTHENTICATED');
      await new Promise((r) => setTimeout(r, 50));
      expect(canary.since(hits)).toBe(0);
    });

    it('EPCIS documents full of URLs make the gateway fetch nothing', async () => {
      const hits = canary.requests.length;
      const foreign = (await dbIds(gw, 'shipments', 'carrier_id = ?', ['carrier-northstar']))[0];
      const [{ sscc }] = await gw.query<{ sscc: string }>('SELECT sscc FROM shipments WHERE id = ? ', [foreign]);
      const doc = {
        '@context': [canary.url('/context.jsonld'), { evil: canary.url('/ns/') }],
        type: 'EPCISDocument',
        schemaVersion: '2.0',
        creationDate: '2026-03-05T10:00:00.000Z',
        epcisBody: {
          eventList: [
            {
              type: 'ObjectEvent',
              eventTime: '2026-03-05T08:30:00.000Z',
              eventTimeZoneOffset: '+00:00',
              epcList: [`http://127.0.0.1:${canary.port}/00/${sscc ?? '106141410000001234'}`],
              action: 'OBSERVE',
              bizStep: canary.url('/bizstep'),
              disposition: canary.url('/disposition'),
              readPoint: { id: canary.url('/readpoint') },
              bizTransactionList: [{ type: canary.url('/bt'), bizTransaction: canary.url('/ASN-1') }],
            },
          ],
        },
      };
      const swift = await bearer(gw, SWIFTLOG);
      const { res } = await refused(
        gw,
        () => gw.http.post('/api/v1/epcis/capture').set('Authorization', swift).set('content-type', 'application/ld+json').send(JSON.stringify(doc)),
        { ignore: [PUSH_TALLIES] },
      );
      expect([200, 400]).toContain(res.status);
      await new Promise((r) => setTimeout(r, 100));
      expect(canary.since(hits)).toBe(0);
    });
  });

  describe('with a remote JWKS (production)', () => {
    let gw: TestGateway;
    let idp: CanaryServer;
    let idpKey: { privateKey: KeyLike; kid: string };
    beforeAll(async () => {
      idp = await CanaryServer.start();
      const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
      idpKey = { privateKey, kid: 'idp-1' };
      const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'RS256', use: 'sig' };
      idp.handler = (_req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [jwk] }));
      };
      gw = await TestGateway.start({ JWT_JWKS_URL: idp.url('/jwks.json'), JWT_JWKS_COOLDOWN_MS: '0' });
      const ok = await new SignJWT(claims()).setProtectedHeader({ alg: 'RS256', kid: 'idp-1' }).sign(privateKey);
      expectStatus(await gw.http.get('/api/v1/shipments').set('Authorization', `Bearer ${ok}`));
    });
    afterAll(async () => {
      await gw.stop();
      await idp.stop();
    });

    it.each(headerAttacks(() => 'idp-1'))('%s: 401; only the configured JWKS is ever fetched', async (_, header, signer) => {
      const hits = canary.requests.length;
      const token = await new SignJWT(claims())
        .setProtectedHeader({ alg: 'RS256', ...header() })
        .sign(signer === 'gateway' ? idpKey.privateKey : attacker.privateKey);
      const { res } = await refused(gw, () => gw.http.get('/api/v1/shipments').set('Authorization', `Bearer ${token}`), 401);
      expectProblem(res, 401, 'UNAUTHENTICATED');
      await new Promise((r) => setTimeout(r, 50));
      expect(canary.since(hits)).toBe(0);
      expect(idp.requests.every((r) => r.url === '/jwks.json')).toBe(true);
    });
  });
});
