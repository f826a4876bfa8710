import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compactVerify, createLocalJWKSet, SignJWT } from 'jose';
import { signCheckpoint } from '../src/audit/audit-checkpoint';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { createTestDatabase, TestDatabase } from './support/database';
import { GatewayProcess } from './support/gateway-process';

const run = promisify(execFile);
const ISSUER = 'https://gateway.checkpoints.test';
const AUDIENCE = 'checkpoints';

/**
 * Two gateway processes on one PostgreSQL database, each with a DATA_DIR (and so an embedded key) of
 * its own, sharing one AUDIT_CHECKPOINT_KEY_FILE: a checkpoint either signs verifies on the other, by
 * the key set the other publishes and with audit:verify.
 */
describe('audit checkpoints across replicas with a shared key file', () => {
  let db: TestDatabase;
  let dir: string;
  let keyFile: string;
  let dataA: string;
  let dataB: string;
  let a: GatewayProcess;
  let b: GatewayProcess;
  let auditor: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-replicas-'));
    keyFile = join(dir, 'checkpoint-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    dataA = mkdtempSync(join(tmpdir(), 'checkpoint-replica-a-'));
    dataB = mkdtempSync(join(tmpdir(), 'checkpoint-replica-b-'));
    const env = { DATABASE_URL: db.url!, REDIS_URL: '', JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE, AUDIT_CHECKPOINT_KEY_FILE: keyFile };
    a = await GatewayProcess.start({ ...env, DATA_DIR: dataA });
    // B takes its callers' keys from A (as replicas behind an identity provider do); its own embedded key differs.
    b = await GatewayProcess.start({ ...env, DATA_DIR: dataB, JWT_JWKS_URL: `${a.url}/.well-known/jwks.json` });
    const key = await loadOrCreateSigningKey(dataA);
    auditor = await new SignJWT({ roles: ['auditor'] })
      .setProtectedHeader({ alg: 'RS256', kid: key.kid })
      .setSubject('auditor@orchestrator')
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key.privateKey);
  }, 180_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await db?.drop();
    for (const d of [dir, dataA, dataB]) if (d) rmSync(d, { recursive: true, force: true });
  });

  const get = async (gw: GatewayProcess, path: string) => {
    const res = await fetch(`${gw.url}${path}`, { headers: { authorization: `Bearer ${auditor}` } });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const cliEnv = (dataDir: string, extra: Record<string, string> = {}) => ({
    ...process.env,
    DATABASE_URL: db.url!,
    DATA_DIR: dataDir,
    AUDIT_CHECKPOINT_KEY_FILE: keyFile,
    ...extra,
  });

  it('both publish the same key, which is neither replica’s embedded key', async () => {
    const [ka, kb] = await Promise.all([get(a, '/api/v1/audit-events/checkpoint-keys'), get(b, '/api/v1/audit-events/checkpoint-keys')]);
    expect(ka.status).toBe(200);
    expect(kb).toEqual(ka);
    expect(ka.body.keys).toHaveLength(1);
    expect(ka.body.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    const embedded = [(await loadOrCreateSigningKey(dataA)).kid, (await loadOrCreateSigningKey(dataB)).kid];
    expect(embedded[0]).not.toBe(embedded[1]);
    expect(embedded).not.toContain(ka.body.keys[0].kid);
  });

  it('a checkpoint from one verifies by the key set the other publishes, on the other, and with audit:verify', async () => {
    const cp = (await get(a, '/api/v1/audit-events/checkpoint')).body.data;
    const published = (await get(b, '/api/v1/audit-events/checkpoint-keys')).body;
    const { payload } = await compactVerify(cp.checkpoint, createLocalJWKSet(published as never));
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ seq: cp.seq, hash: cp.hash, at: cp.at });

    const onB = await get(b, `/api/v1/audit-events/verify?checkpoint=${cp.checkpoint}`);
    expect(onB).toMatchObject({ status: 200, body: { ok: true, checkpoint: { seq: cp.seq, ok: true } } });

    const cli = await run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-verify.ts', '--checkpoint', cp.checkpoint], { env: cliEnv(dataB) });
    expect(JSON.parse(cli.stdout)).toMatchObject({ ok: true, checkpoint: { seq: cp.seq, ok: true } });

    const keysFile = join(dir, 'published.jwks.json');
    writeFileSync(keysFile, JSON.stringify(published));
    const byKeys = await run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-verify.ts', '--checkpoint', cp.checkpoint, '--keys', keysFile], {
      env: cliEnv(dataB, { AUDIT_CHECKPOINT_KEY_FILE: '' }),
    });
    expect(JSON.parse(byKeys.stdout)).toMatchObject({ ok: true, checkpoint: { ok: true } });
  });

  it('a checkpoint from audit:checkpoint with one replica’s settings verifies on the other', async () => {
    const { stdout } = await run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-checkpoint.ts'], { env: cliEnv(dataB) });
    const onA = await get(a, `/api/v1/audit-events/verify?checkpoint=${stdout.trim()}`);
    expect(onA).toMatchObject({ status: 200, body: { ok: true, checkpoint: { ok: true } } });
  });

  it('a checkpoint signed with a replica’s embedded key verifies on neither', async () => {
    const cp = (await get(b, '/api/v1/audit-events/checkpoint')).body.data;
    const own = await signCheckpoint({ seq: cp.seq, hash: cp.hash, at: cp.at }, await loadOrCreateSigningKey(dataB));
    for (const gw of [a, b]) expect((await get(gw, `/api/v1/audit-events/verify?checkpoint=${own}`)).status).toBe(400);
  });
});
