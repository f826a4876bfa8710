// A real OpenID Connect provider (the oidc-provider package) for the console's sign-in tests. It is an
// ES module, so the tests run it as its own node process: `node test/support/oidc-provider.mjs` with
// OIDC_TEST_SETTINGS (JSON) in the environment; it prints one line `ready <issuer>` when it listens.
//
// Settings: { port, clientId, redirectUris, postLogoutRedirectUris, resource, scope, accounts: { <login>: { roles, partner } } }.
// The discovery document names an end_session_endpoint (RP-initiated logout) where the console's
// sign-out window ends the provider's session, after the provider's own "Yes, sign me out" page.
// The access tokens are JWTs for `resource` (aud) carrying { gateway: { roles, partner } } of the account
// that signed in: a nested claim, as some identity providers put theirs.
import { createServer } from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const settings = JSON.parse(process.env.OIDC_TEST_SETTINGS ?? '{}');
const issuer = `http://127.0.0.1:${settings.port}`;
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signing = { ...(await exportJWK(privateKey)), kid: 'provider-key-1', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: settings.clientId,
      application_type: 'web',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: settings.redirectUris,
      post_logout_redirect_uris: settings.postLogoutRedirectUris ?? [],
    },
  ],
  pkce: { required: () => true },
  jwks: { keys: [signing] },
  cookies: { keys: ['test-cookie-key-not-secret'] },
  scopes: ['openid', settings.scope],
  async findAccount(_ctx, id) {
    return { accountId: id, claims: async () => ({ sub: id }) };
  },
  features: {
    devInteractions: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => settings.resource,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, indicator) => {
        if (indicator !== settings.resource) throw new Provider.errors.InvalidTarget();
        return { scope: settings.scope, audience: settings.resource, accessTokenFormat: 'jwt', accessTokenTTL: 600, jwt: { sign: { alg: 'RS256' } } };
      },
    },
  },
  async extraTokenClaims(_ctx, token) {
    const account = settings.accounts?.[token.accountId];
    if (token.kind !== 'AccessToken' || !account) return undefined;
    return { gateway: { roles: account.roles, ...(account.partner ? { partner: account.partner } : {}) } };
  },
  clientBasedCORS: (_ctx, origin, client) => client.redirectUris.some((uri) => new URL(uri).origin === origin),
});
provider.on('server_error', (_ctx, err) => console.error('provider error', err));

const server = createServer(provider.callback());
server.listen(settings.port, '127.0.0.1', () => console.log(`ready ${issuer}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
