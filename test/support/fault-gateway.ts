import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { loadOrCreateSigningKey } from '../../src/auth/key-store';
import { GatewayProcess } from './gateway-process';

const ISSUER = 'https://gateway.faults.test';
const AUDIENCE = 'faults';

/** One real gateway process with a data directory and signing key of its own, for fault tests. */
export class FaultGateway {
  private constructor(
    readonly process: GatewayProcess,
    readonly dataDir: string,
  ) {}

  static async start(env: Record<string, string>): Promise<FaultGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-faults-'));
    try {
      const gw = await GatewayProcess.start({ DATA_DIR: dataDir, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, ...env });
      return new FaultGateway(gw, dataDir);
    } catch (e) {
      rmSync(dataDir, { recursive: true, force: true });
      throw e;
    }
  }

  get alive(): boolean {
    return this.process.child.exitCode === null && this.process.child.signalCode === null;
  }

  async token(claims: Record<string, unknown>, sub = 'user'): Promise<string> {
    const key = await loadOrCreateSigningKey(this.dataDir);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('30m')
      .sign(key.privateKey);
  }

  /** A JSON request with a bearer token; never throws on a refused connection (status 0 instead). */
  async call(
    path: string,
    token: string,
    init: RequestInit & { headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any; requestId: string | null }> {
    try {
      const res = await fetch(`${this.process.url}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body, requestId: res.headers.get('x-request-id') };
    } catch {
      return { status: 0, body: null, requestId: null };
    }
  }

  async stop(): Promise<number | null> {
    const code = await this.process.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }
}
