import { decodeJwt, generateKeyPair } from 'jose';
import { DEMO_IDENTITIES, DEMO_TOKEN_TTL_S, demoSignInOpen, signDemoToken } from './demo-identities';

describe('demo sign-in', () => {
  const base = { production: false, host: '127.0.0.1' };

  it('is open on a loopback HOST outside production with the embedded key', () => {
    expect(demoSignInOpen(base, '127.0.0.1', 'localhost:3000')).toBe(true);
    expect(demoSignInOpen({ ...base, host: '::1' }, '::1', 'localhost:3000')).toBe(true);
  });

  it('is closed in production, with an OIDC issuer, with a remote JWKS, and on a non-loopback HOST', () => {
    expect(demoSignInOpen({ ...base, production: true }, '127.0.0.1', 'localhost:3000')).toBe(false);
    expect(demoSignInOpen({ ...base, oidcIssuer: 'https://id.example.com' }, '127.0.0.1', 'localhost:3000')).toBe(false);
    expect(demoSignInOpen({ ...base, jwksUrl: 'https://id.example.com/jwks' }, '127.0.0.1', 'localhost:3000')).toBe(false);
    expect(demoSignInOpen({ ...base, host: '10.0.0.5' }, '127.0.0.1', 'localhost:3000')).toBe(false);
  });

  it('on the default HOST (every address) answers callers on this machine only', () => {
    expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, '127.0.0.1', 'localhost:3000')).toBe(true);
    expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, '::ffff:127.0.0.1', 'localhost:3000')).toBe(true);
    expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, '192.168.1.20', 'localhost:3000')).toBe(false);
    expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, undefined, 'localhost:3000')).toBe(false);
  });

  it('answers only requests that name a loopback host (a rebinding DNS name on 127.0.0.1 is not this machine)', () => {
    for (const host of ['localhost', 'localhost:3000', '127.0.0.1:3000', '[::1]:3000', '[::1]'])
      expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, '127.0.0.1', host)).toBe(true);
    for (const host of ['attacker.example:3000', 'attacker.example', 'localhost.attacker.example', '127.0.0.1.nip.io', '', undefined, '[::2]:3000'])
      expect(demoSignInOpen({ ...base, host: '0.0.0.0' }, '127.0.0.1', host)).toBe(false);
    expect(demoSignInOpen(base, '127.0.0.1', 'attacker.example:3000')).toBe(false);
  });

  it('names the identities by role and partner, and signs tokens of at most 15 minutes', async () => {
    expect(DEMO_IDENTITIES.map((i) => i.label)).toEqual(
      expect.arrayContaining(['Governance officer', 'Second governance officer', 'Auditor', 'Northwind (supplier)']),
    );
    const { privateKey } = await generateKeyPair('RS256');
    const northwind = DEMO_IDENTITIES.find((i) => i.label === 'Northwind (supplier)')!;
    const { token } = await signDemoToken(
      northwind,
      { kid: 'k', alg: 'RS256', privateKey, publicJwk: { kty: 'RSA' } },
      'https://gateway.local',
      'partner-data-gateway',
    );
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({
      sub: northwind.sub,
      roles: ['partner'],
      partner_id: 'supplier-northwind',
      iss: 'https://gateway.local',
      aud: 'partner-data-gateway',
    });
    expect(claims.exp! - claims.iat!).toBe(DEMO_TOKEN_TTL_S);
    expect(DEMO_TOKEN_TTL_S).toBeLessThanOrEqual(15 * 60);
  });
});
