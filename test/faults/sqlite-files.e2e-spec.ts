import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestGateway } from '../support/test-app';

/**
 * SQLite files that become unwritable under a running gateway. The tests run as root, which file
 * modes do not stop: the files are made immutable (chattr +i), where the host allows it.
 */
const describeSqlite = !process.env.DATABASE_URL && immutableFilesSupported() ? describe : describe.skip;

describeSqlite('faults: SQLite files unwritable', () => {
  const attempt = async (gw: TestGateway) => {
    const reader = await gw.token({ roles: ['partner'], partner: 'supplier-northwind', purpose: 'replenishment-planning' });
    const carrier = await gw.token({ roles: ['partner'], partner: 'carrier-swiftlog', purpose: 'shipment-execution' });
    const [read, write] = await Promise.all([
      gw.http.get('/api/v1/demand-signals?limit=5').set('Authorization', `Bearer ${reader}`),
      gw.http.patch('/api/v1/shipments/shp-0001').set('Authorization', `Bearer ${carrier}`).send({ status: 'delayed' }),
    ]);
    return { read, write };
  };

  for (const files of [['gateway.sqlite-shm'], ['gateway.sqlite']]) {
    it(`${files.join(', ')} immutable: not ready at the next probe, requests 503 (no crash), back once writable`, async () => {
      const gw = await TestGateway.start();
      const paths = files.map((f) => join(gw.dataDir, f));
      let immutable = false;
      try {
        await gw.http.get('/health/ready').expect(200);
        expect((await attempt(gw)).read.status).toBe(200);

        execFileSync('chattr', ['+i', ...paths]);
        immutable = true;
        const started = Date.now();
        // A successful probe is reused for a second; the next one must find the files unwritable.
        let ready = 200;
        for (let i = 0; i < 30 && ready === 200; i++) {
          await new Promise((r) => setTimeout(r, 100));
          ready = (await gw.http.get('/health/ready')).status;
        }
        const notReadyMs = Date.now() - started;
        expect(ready).toBe(503);
        const { read, write } = await attempt(gw);
        for (const res of [read, write]) {
          expect(res.status).toBe(503);
          expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
          expect(res.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
          expect(res.body).not.toHaveProperty('data');
        }
        await gw.http.get('/health/live').expect(200);

        execFileSync('chattr', ['-i', ...paths]);
        immutable = false;
        const back = Date.now();
        let served = 0;
        for (let i = 0; i < 50 && served !== 200; i++) {
          served = (await attempt(gw)).read.status;
          if (served !== 200) await new Promise((r) => setTimeout(r, 100));
        }
        expect(served).toBe(200);
        await gw.http.get('/health/ready').expect(200);
        process.stdout.write(
          `sqlite-files: ${files.join(', ')} immutable: not ready after ${notReadyMs} ms; served again ${Date.now() - back} ms after writable\n`,
        );
      } finally {
        if (immutable) execFileSync('chattr', ['-i', ...paths]);
        await gw.stop();
      }
    });
  }
});

function immutableFilesSupported(): boolean {
  const dir = mkdtempSync(join(tmpdir(), 'chattr-probe-'));
  const file = join(dir, 'probe');
  writeFileSync(file, 'x');
  try {
    execFileSync('chattr', ['+i', file], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
