import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compactVerify, createLocalJWKSet } from 'jose';
import { signCheckpoint } from '../src/audit/audit-checkpoint';
import { readCheckpointKeyFile } from '../src/audit/checkpoint-key';
import { loadOrCreateSigningKey } from '../src/auth/key-store';
import { GatewayProcess } from './support/gateway-process';
import { TestGateway } from './support/test-app';

const run = promisify(execFile);
const AUDITOR = { roles: ['auditor'], sub: 'auditor@orchestrator' };

describe('audit checkpoints signed with a shared key file (AUDIT_CHECKPOINT_KEY_FILE)', () => {
  let dir: string;
  let keyFile: string;
  let gw: TestGateway;
  let auditor: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'checkpoint-key-e2e-'));
    keyFile = join(dir, 'checkpoint-key.pem');
    writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    gw = await TestGateway.start({ AUDIT_CHECKPOINT_KEY_FILE: keyFile });
    auditor = await gw.token(AUDITOR);
  });
  afterAll(async () => {
    await gw.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (path: string) => gw.http.get(path).set('Authorization', `Bearer ${auditor}`);
  const cliEnv = (extra: Record<string, string> = {}) => ({
    ...process.env,
    DATA_DIR: gw.dataDir,
    DATABASE_URL: gw.dialect === 'postgres' ? String(gw.dataSource.options['url' as never]) : '',
    AUDIT_CHECKPOINT_KEY_FILE: keyFile,
    ...extra,
  });
  const cli = (file: string, args: string[], env: NodeJS.ProcessEnv) => run('npx', ['ts-node', '--transpile-only', `src/cli/${file}.ts`, ...args], { env });

  it('publishes the shared key, not the embedded one, to auditors only, and audits the read', async () => {
    const before = await gw.headSeq();
    const res = await get('/api/v1/audit-events/checkpoint-keys').expect(200);
    const shared = readCheckpointKeyFile(keyFile);
    expect(res.body).toEqual({ keys: [shared.publicJwk] });
    expect(res.body.keys[0]).toMatchObject({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' });
    expect(res.body.keys[0]).not.toHaveProperty('d');
    expect(res.body.keys[0].kid).not.toBe((await loadOrCreateSigningKey(gw.dataDir)).kid);
    const [own] = await gw.auditSince(before);
    expect(own).toMatchObject({ actor_sub: 'auditor@orchestrator', operation: 'GET /api/v1/audit-events/checkpoint-keys', decision: 'allow' });
    const partner = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' });
    await gw.http.get('/api/v1/audit-events/checkpoint-keys').set('Authorization', `Bearer ${partner}`).expect(403);
    await gw.http.get('/api/v1/audit-events/checkpoint-keys').expect(401);
  });

  it('signs checkpoints with it, over the API and from the command line; each verifies on the other side', async () => {
    const keys = createLocalJWKSet((await get('/api/v1/audit-events/checkpoint-keys').expect(200)).body);
    const api = (await get('/api/v1/audit-events/checkpoint').expect(200)).body.data;
    const { payload, protectedHeader } = await compactVerify(api.checkpoint, keys);
    expect(protectedHeader).toMatchObject({ alg: 'EdDSA', typ: 'audit-checkpoint+jws', kid: readCheckpointKeyFile(keyFile).kid });
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ seq: api.seq, hash: api.hash, at: api.at });

    const { stdout } = await cli('audit-checkpoint', [], cliEnv());
    const fromCli = stdout.trim();
    await compactVerify(fromCli, keys);
    const verified = await get(`/api/v1/audit-events/verify?checkpoint=${fromCli}`).expect(200);
    expect(verified.body).toMatchObject({ ok: true, checkpoint: { ok: true } });

    const out = await cli('audit-verify', ['--checkpoint', api.checkpoint], cliEnv());
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, checkpoint: { seq: api.seq, ok: true } });
  });

  it('audit:verify --keys verifies against a published key set without the key file', async () => {
    const published = join(dir, 'published.jwks.json');
    writeFileSync(published, JSON.stringify((await get('/api/v1/audit-events/checkpoint-keys').expect(200)).body));
    const api = (await get('/api/v1/audit-events/checkpoint').expect(200)).body.data;
    const out = await cli('audit-verify', ['--checkpoint', api.checkpoint, '--keys', published], cliEnv({ AUDIT_CHECKPOINT_KEY_FILE: '' }));
    expect(JSON.parse(out.stdout)).toMatchObject({ ok: true, checkpoint: { ok: true } });
    // Without the setting the command line checks against the embedded key, which did not sign it.
    await expect(cli('audit-verify', ['--checkpoint', api.checkpoint], cliEnv({ AUDIT_CHECKPOINT_KEY_FILE: '' }))).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/the checkpoint does not verify/),
    });
  });

  it('refuses a checkpoint signed with the replica’s embedded key once a shared key is set', async () => {
    const embedded = await loadOrCreateSigningKey(gw.dataDir);
    const [head] = await gw.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
    const forged = await signCheckpoint({ seq: Number(head.seq), hash: String(head.hash), at: new Date().toISOString() }, embedded);
    const res = await get(`/api/v1/audit-events/verify?checkpoint=${forged}`).expect(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('without the setting, publishes and signs with the embedded key as before', async () => {
    const plain = await TestGateway.start();
    try {
      const token = await plain.token(AUDITOR);
      const keys = (await plain.http.get('/api/v1/audit-events/checkpoint-keys').set('Authorization', `Bearer ${token}`).expect(200)).body;
      const embedded = await loadOrCreateSigningKey(plain.dataDir);
      expect(keys).toEqual({ keys: [embedded.publicJwk] });
      const cp = (await plain.http.get('/api/v1/audit-events/checkpoint').set('Authorization', `Bearer ${token}`).expect(200)).body.data;
      expect((await compactVerify(cp.checkpoint, createLocalJWKSet(keys))).protectedHeader).toMatchObject({ alg: 'RS256', kid: embedded.kid });
    } finally {
      await plain.stop();
    }
  });

  it('a key file that cannot be used stops the start with one line naming the setting', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'checkpoint-key-start-'));
    try {
      const start = GatewayProcess.start({ DATABASE_URL: '', REDIS_URL: '', DATA_DIR: dataDir, AUDIT_CHECKPOINT_KEY_FILE: join(dir, 'no-such-key.pem') });
      const error = await start.then(
        () => null,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(/^gateway exited \(1\)/);
      const lines = error!.message.split('\n').filter((l) => /failed to start/.test(l));
      expect(lines).toEqual([expect.stringMatching(/^gateway failed to start: AUDIT_CHECKPOINT_KEY_FILE: cannot read .*no-such-key\.pem \(ENOENT\)$/)]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
