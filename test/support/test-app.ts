import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import { Test, TestingModule } from '@nestjs/testing';
import { SignJWT } from 'jose';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AppModule } from '../../src/app.module';
import { loadOrCreateSigningKey } from '../../src/auth/key-store';
import { configureApp } from '../../src/transport/configure-app';
import { createTestDatabase, TestDatabase } from './database';

export const ISSUER = 'https://gateway.test';
export const AUDIENCE = 'partner-data-gateway-test';

export interface TokenOptions {
  sub?: string;
  roles: string[];
  partner?: string;
  purpose?: string;
  ttl?: number;
  claims?: Record<string, unknown>;
}

/** A real gateway on a real database (SQLite file or a fresh PostgreSQL database), driven over HTTP. */
export class TestGateway {
  private constructor(
    readonly app: INestApplication,
    readonly dataDir: string,
    private readonly database: TestDatabase,
  ) {}

  /** `compile` builds the module from the settings: the production AppModule unless told otherwise. */
  static async start(
    overrides: Record<string, string> = {},
    compile: (settings: Record<string, string>) => Promise<TestingModule> = (settings) =>
      Test.createTestingModule({ imports: [AppModule.register(settings)] }).compile(),
  ): Promise<TestGateway> {
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-test-'));
    const database = await createTestDatabase();
    const module = await compile({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url ?? '',
      JWT_ISSUER: ISSUER,
      JWT_AUDIENCE: AUDIENCE,
      AUDIT_FLUSH_MS: '1',
      ...overrides,
    });
    const app = module.createNestApplication({ bodyParser: false, logger: false });
    configureApp(app);
    await app.init();
    return new TestGateway(app, dataDir, database);
  }

  get http() {
    return request(this.app.getHttpServer());
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  get dialect(): 'sqlite' | 'postgres' {
    return this.dataSource.options.type === 'postgres' ? 'postgres' : 'sqlite';
  }

  async token(options: TokenOptions): Promise<string> {
    const key = await loadOrCreateSigningKey(this.dataDir);
    const now = Math.floor(Date.now() / 1000);
    const claims: Record<string, unknown> = { roles: options.roles, ...options.claims };
    if (options.partner) claims.partner_id = options.partner;
    if (options.purpose) claims.purpose = options.purpose;
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setSubject(options.sub ?? `user@${options.partner ?? options.roles[0]}`)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + (options.ttl ?? 600))
      .sign(key.privateKey);
  }

  /** SQL with `?` placeholders on both dialects. */
  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    let n = 0;
    const text = this.dialect === 'postgres' ? sql.replace(/\?/g, () => `$${++n}`) : sql;
    return this.dataSource.query(text, params);
  }

  async auditCount(): Promise<number> {
    const [row] = await this.query<{ n: string | number }>('SELECT COUNT(*) AS n FROM audit_events');
    return Number(row.n);
  }

  /** The events written after `sinceSeq`, oldest first. */
  async auditSince(sinceSeq: number): Promise<Array<Record<string, unknown>>> {
    return this.query(`SELECT * FROM audit_events WHERE seq > ? ORDER BY seq`, [sinceSeq]);
  }

  async headSeq(): Promise<number> {
    const [row] = await this.query<{ seq: string | number }>('SELECT seq FROM audit_head WHERE id = 1');
    return Number(row.seq);
  }

  async stop(): Promise<void> {
    await this.app.close();
    await this.database.drop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
