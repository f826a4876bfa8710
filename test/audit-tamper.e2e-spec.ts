import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { TestGateway } from './support/test-app';

const run = promisify(execFile);

/** Someone with write access to the database changes history: verification must name where. */
describe('audit tampering is detected', () => {
  let gw: TestGateway;
  let auditor: string;

  beforeEach(async () => {
    gw = await TestGateway.start();
    auditor = await gw.token({ roles: ['auditor'] });
    const nw = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' });
    for (let i = 0; i < 8; i++) await gw.http.get('/api/v1/demand-signals?limit=3').set('Authorization', `Bearer ${nw}`).expect(200);
    await disableGuards();
  });
  afterEach(async () => {
    await gw.stop();
  });

  /** The insider first removes the append-only triggers. */
  async function disableGuards(): Promise<void> {
    if (gw.dialect === 'postgres') await gw.query('ALTER TABLE audit_events DISABLE TRIGGER USER');
    else {
      await gw.query('DROP TRIGGER audit_events_no_update');
      await gw.query('DROP TRIGGER audit_events_no_delete');
    }
  }

  const verify = async (query = '') => (await gw.http.get(`/api/v1/audit-events/verify${query}`).set('Authorization', `Bearer ${auditor}`).expect(200)).body;

  it('one changed field', async () => {
    await gw.query("UPDATE audit_events SET decision = 'allow', row_count = 0 WHERE seq = 4");
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 4, reason: 'hash-mismatch' });
  });

  it('a deleted event', async () => {
    await gw.query('DELETE FROM audit_events WHERE seq = 5');
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 5, reason: 'gap' });
  });

  it('two swapped events', async () => {
    const [a] = await gw.query<Record<string, unknown>>('SELECT * FROM audit_events WHERE seq = 3');
    const [b] = await gw.query<Record<string, unknown>>('SELECT * FROM audit_events WHERE seq = 6');
    await gw.query('DELETE FROM audit_events WHERE seq IN (3, 6)');
    const cols = Object.keys(a);
    const insert = (row: Record<string, unknown>, seq: number) =>
      gw.query(
        `INSERT INTO audit_events (${cols.join(',')}) VALUES (${cols.map(() => '?').join(',')})`,
        cols.map((c) => (c === 'seq' ? seq : row[c])),
      );
    await insert(b, 3);
    await insert(a, 6);
    expect(await verify()).toMatchObject({ ok: false, brokenSeq: 3 });
  });

  it('a truncated tail, against a signed checkpoint', async () => {
    const env = { ...process.env, DATA_DIR: gw.dataDir, DATABASE_URL: gw.dialect === 'postgres' ? String(gw.dataSource.options['url' as never]) : '' };
    const { stdout: checkpoint } = await run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-checkpoint.ts'], { env });
    const cp = checkpoint.trim();
    const [head] = await gw.query<{ seq: number }>('SELECT seq FROM audit_head WHERE id = 1');
    expect(await verify(`?checkpoint=${cp}`)).toMatchObject({ ok: true, checkpoint: { ok: true, seq: Number(head.seq) } });
    const cut = Number(head.seq) - 3;
    // A careful insider also rewinds the head row, so the shortened chain is self-consistent ...
    const [last] = await gw.query<{ hash: string }>('SELECT hash FROM audit_events WHERE seq = ?', [cut]);
    await gw.query('DELETE FROM audit_events WHERE seq > ?', [cut]);
    await gw.query('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [cut, last.hash]);
    // ... the auditor's verify request itself appends one event after the cut, which links fine.
    expect((await verify()).ok).toBe(true);
    // ... but the checkpoint kept elsewhere proves history was rewritten.
    const result = await verify(`?checkpoint=${cp}`);
    expect(result.ok).toBe(false);
    expect(result.checkpoint).toEqual({ seq: Number(head.seq), ok: false });
    await expect(run('npx', ['ts-node', '--transpile-only', 'src/cli/audit-verify.ts', '--checkpoint', cp], { env })).rejects.toMatchObject({ code: 1 });
  });
});
