import { ChildProcess, spawn } from 'node:child_process';
import { AddressInfo, createServer } from 'node:net';

/** A real gateway process (what an operator runs), for replica and shutdown tests. */
export class GatewayProcess {
  private output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    child.stdout?.on('data', (d) => {
      this.output += String(d);
    });
    child.stderr?.on('data', (d) => {
      this.output += String(d);
    });
  }

  /** `main` is the entry file; a compiled `main.js` (as `npm start` runs) starts faster than ts-node. `env.PORT` picks the port (default: a free one). */
  static async start(env: Record<string, string>, main = 'src/main.ts', readyTimeoutMs = 60_000): Promise<GatewayProcess> {
    const port = env.PORT ? Number(env.PORT) : await freePort();
    const args = main.endsWith('.ts') ? ['-r', 'ts-node/register/transpile-only', main] : [main];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, LOG_LEVEL: 'warn', NODE_ENV: 'test', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const gw = new GatewayProcess(child, port);
    try {
      await gw.waitReady(readyTimeoutMs);
    } catch (error) {
      // A gateway that never became ready is still a process: left running, it outlives the test run.
      await gw.stop();
      throw error;
    }
    return gw;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get log(): string {
    return this.output;
  }

  async waitReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`gateway exited (${this.child.exitCode}):\n${this.output}`);
      try {
        const res = await fetch(`${this.url}/health/ready`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`gateway not ready after ${timeoutMs} ms:\n${this.output}`);
  }

  /** SIGTERM, then waits for the process to end. */
  async stop(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    const ended = new Promise<number | null>((resolve) => this.child.once('exit', (code) => resolve(code)));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    const code = await ended;
    clearTimeout(timer);
    return code;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
