import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { Client } from 'pg';
import { loadOrCreateSigningKey } from '../../src/auth/key-store';
import { createTestDatabase, TestDatabase } from './database';
import { GatewayProcess } from './gateway-process';

const ISSUER = 'https://gateway.replicas.test';
const AUDIENCE = 'replicas';

/**
 * Two real gateway processes (what an operator runs behind a load balancer) on one fresh PostgreSQL
 * database and one Redis, sharing one signing key; plus a direct database client for checks.
 */
export class ReplicaPair {
  private constructor(
    readonly a: GatewayProcess,
    readonly b: GatewayProcess,
    readonly pg: Client,
    private readonly db: TestDatabase,
    private readonly dataDir: string,
  ) {}

  /** `extraEnv` adds settings to both replicas; `readyTimeoutMs` bounds each one's start. */
  static async start(extraEnv: Record<string, string> = {}, readyTimeoutMs?: number): Promise<ReplicaPair> {
    const db = await createTestDatabase();
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-replicas-'));
    // A key prefix of its own: test files run in parallel on one Redis, and a pair must not hear another's live updates.
    const env = {
      DATABASE_URL: db.url!,
      DATA_DIR: dataDir,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `pair-${randomBytes(4).toString('hex')}:`,
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      ...extraEnv,
    };
    const started = await Promise.allSettled([GatewayProcess.start(env, undefined, readyTimeoutMs), GatewayProcess.start(env, undefined, readyTimeoutMs)]);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      // The replica that did start, the database and the data directory go with the failed start.
      for (const s of started) if (s.status === 'fulfilled') await s.value.stop();
      await db.drop();
      rmSync(dataDir, { recursive: true, force: true });
      throw failed.reason;
    }
    const [a, b] = started.map((s) => (s as PromiseFulfilledResult<GatewayProcess>).value);
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    return new ReplicaPair(a, b, pg, db, dataDir);
  }

  /** A token both replicas accept. */
  async token(claims: Record<string, unknown>, sub = 'user'): Promise<string> {
    const key = await loadOrCreateSigningKey(this.dataDir);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey);
  }

  /** A JSON request to one replica with a bearer token. */
  call(gw: GatewayProcess, path: string, token: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${gw.url}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(init.headers ?? {}) } });
  }

  async stop(): Promise<void> {
    await this.pg.end();
    await Promise.all([this.a.stop(), this.b.stop()]);
    await this.db.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
