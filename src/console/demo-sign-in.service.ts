import { Inject, Injectable } from '@nestjs/common';
import { loadOrCreateSigningKey, SigningKey } from '../auth/key-store';
import { GatewayError } from '../common/gateway-error';
import { AppConfig } from '../config/app-config';
import { DEMO_IDENTITIES, demoSignInOpen, DemoIdentity, signDemoToken } from './demo-identities';

export interface ConsoleSettings {
  /** The sign-in the console offers: OpenID Connect, the demo identities, or none (tokens come from elsewhere). */
  signIn: 'oidc' | 'demo' | 'none';
  oidc: { issuer: string; clientId: string; scope: string; rolesClaim: string; partnerClaim: string } | null;
  demoIdentities: { id: string; label: string; roles: string[]; partnerId: string | null }[];
}

/** What the console needs before sign-in, and the demo identities' tokens (docs/console.md). */
@Injectable()
export class DemoSignInService {
  private key: Promise<SigningKey> | null = null;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {}

  open(remoteAddress: string | undefined, requestHost: string | undefined): boolean {
    return demoSignInOpen(
      {
        production: this.config.isProduction,
        host: this.config.HOST,
        oidcIssuer: this.config.OIDC_ISSUER,
        jwksUrl: this.config.JWT_JWKS_URL,
      },
      remoteAddress,
      requestHost,
    );
  }

  settings(remoteAddress: string | undefined, requestHost: string | undefined): ConsoleSettings {
    const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_SCOPE: scope, OIDC_ROLES_CLAIM: rolesClaim, OIDC_PARTNER_CLAIM: partnerClaim } = this.config;
    if (issuer && clientId) return { signIn: 'oidc', oidc: { issuer, clientId, scope, rolesClaim, partnerClaim }, demoIdentities: [] };
    if (!this.open(remoteAddress, requestHost)) return { signIn: 'none', oidc: null, demoIdentities: [] };
    return {
      signIn: 'demo',
      oidc: null,
      demoIdentities: DEMO_IDENTITIES.map((i) => ({ id: i.id, label: i.label, roles: [...i.roles], partnerId: i.partnerId ?? null })),
    };
  }

  /** A short-lived token for one demo identity; 404 wherever demo sign-in is closed, as if it did not exist. */
  async issue(
    identityId: unknown,
    remoteAddress: string | undefined,
    requestHost: string | undefined,
  ): Promise<{ identity: DemoIdentity; token: string; expiresAt: string }> {
    if (!this.open(remoteAddress, requestHost)) throw GatewayError.notFound('Route', 'POST /console/demo-token');
    const identity = DEMO_IDENTITIES.find((i) => i.id === identityId);
    if (typeof identityId !== 'string' || !identity) {
      throw GatewayError.validation([`identity must be one of ${DEMO_IDENTITIES.map((i) => i.id).join(', ')}`]);
    }
    this.key ??= loadOrCreateSigningKey(this.config.DATA_DIR);
    const signed = await signDemoToken(identity, await this.key, this.config.JWT_ISSUER, this.config.JWT_AUDIENCE);
    return { identity, ...signed };
  }
}
