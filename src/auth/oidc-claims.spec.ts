import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { validateConfig } from '../config/app-config';
import { KeySetUnavailableError } from './key-store';
import { discoverJwksUri, discoveryUrl } from './oidc-discovery';
import { claimAt, mapIssuerClaims, toPrincipal } from './token-verifier.service';

describe('OpenID Connect claims', () => {
  it('reads a claim by its whole name first, then by a dotted path', () => {
    const payload = { 'https://example.com/roles': ['auditor'], realm_access: { roles: ['governance'] } };
    expect(claimAt(payload, 'https://example.com/roles')).toEqual(['auditor']);
    expect(claimAt(payload, 'realm_access.roles')).toEqual(['governance']);
    expect(claimAt(payload, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(payload, 'toString')).toBeUndefined();
  });

  it('maps roles (array or separated names, unknown names dropped) and the partner claim', () => {
    const mapped = mapIssuerClaims({ sub: 'u1', groups: 'partner offline_access,uma', org: { id: 'supplier-acme' }, roles: ['admin'] }, 'groups', 'org.id');
    expect(toPrincipal(mapped)).toMatchObject({ sub: 'u1', roles: ['partner'], partnerId: 'supplier-acme' });
  });

  it('refuses a token whose claim holds no gateway role', () => {
    expect(() => toPrincipal(mapIssuerClaims({ sub: 'u1', roles: ['offline_access'] }, 'roles', 'partner_id'))).toThrow('A valid bearer token is required.');
  });

  it('validates the settings: issuer and client id together, https in production, claim names', () => {
    expect(() => validateConfig({ OIDC_ISSUER: 'https://id.example.com' })).toThrow(/OIDC_ISSUER, OIDC_CLIENT_ID/);
    expect(() => validateConfig({ NODE_ENV: 'production', METRICS_TOKEN: 'x'.repeat(24), OIDC_ISSUER: 'http://id.example.com', OIDC_CLIENT_ID: 'c' })).toThrow(
      /https/,
    );
    expect(() => validateConfig({ OIDC_ROLES_CLAIM: 'roles here' })).toThrow(/OIDC_ROLES_CLAIM/);
    expect(() => validateConfig({ OIDC_SCOPE: 'profile' })).toThrow(/OIDC_SCOPE/);
    const c = validateConfig({ OIDC_ISSUER: 'https://id.example.com', OIDC_CLIENT_ID: 'console' });
    expect(c.oidcEnabled).toBe(true);
    expect([c.OIDC_ROLES_CLAIM, c.OIDC_PARTNER_CLAIM, c.OIDC_SCOPE]).toEqual(['roles', 'partner_id', 'openid']);
  });
});

describe('OpenID Connect discovery', () => {
  let server: Server;
  let base: string;
  let doc: unknown;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url !== '/.well-known/openid-configuration') return void res.writeHead(404).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('finds the jwks_uri of a document that names the issuer', async () => {
    doc = { issuer: base, jwks_uri: `${base}/jwks` };
    expect(discoveryUrl(`${base}/`)).toBe(`${base}/.well-known/openid-configuration`);
    await expect(discoverJwksUri(base, 1000)).resolves.toBe(`${base}/jwks`);
  });

  it('refuses a document naming another issuer, without jwks_uri, or unreachable', async () => {
    doc = { issuer: 'https://other.example.com', jwks_uri: `${base}/jwks` };
    await expect(discoverJwksUri(base, 1000)).rejects.toThrow(KeySetUnavailableError);
    doc = { issuer: base };
    await expect(discoverJwksUri(base, 1000)).rejects.toThrow(/no jwks_uri/);
    await expect(discoverJwksUri(`${base}/nowhere`, 1000)).rejects.toThrow(/cannot be read/);
  });
});
