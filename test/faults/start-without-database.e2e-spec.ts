import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A start that cannot reach PostgreSQL ends, after its retries, with one clear line and a non-zero exit code. */
describe('faults: starting without a reachable PostgreSQL', () => {
  it('exits non-zero with one clear line, no stack trace', async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const dataDir = mkdtempSync(join(tmpdir(), 'gateway-nodb-'));
    const started = Date.now();
    try {
      const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/main.ts'], {
        env: {
          ...process.env,
          NODE_ENV: 'test',
          LOG_LEVEL: 'info',
          DATA_DIR: dataDir,
          PORT: '0',
          HOST: '127.0.0.1',
          DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/gw_none`,
          DB_CONNECT_TIMEOUT_MS: '500',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += String(d);
      });
      child.stderr.on('data', (d) => {
        stderr += String(d);
      });
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      const lines = `${stdout}${stderr}`.split('\n').filter((l) => l.trim() !== '');
      process.stdout.write(`start-without-database: exit ${code} after ${Date.now() - started} ms; last line: ${lines[lines.length - 1]}\n`);

      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(lines[lines.length - 1]).toMatch(new RegExp(`^gateway failed to start: the database cannot be reached .*ECONNREFUSED 127\\.0\\.0\\.1:${port}`));
      expect(lines.filter((l) => /gateway failed to start/.test(l))).toHaveLength(1);
      // No stack trace, no error object dump.
      expect(lines.filter((l) => /^\s+at |\{$|errno|ExceptionHandler/.test(l))).toEqual([]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
