import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';

/** One client connection and, unless it arrived during a blackhole, its connection to the target. */
interface Link {
  client: Socket;
  upstream: Socket | null;
  /** Bytes were dropped on this link: it can never carry the protocol again. */
  blackholed: boolean;
}

/**
 * A TCP proxy in front of PostgreSQL that a test can break in the ways a network breaks:
 *
 * - `down()`: every open connection is reset and new ones are refused;
 * - `pause()`: connections stay open but no byte moves either way (new ones are accepted and held
 *   the same); `resume()` delivers what was held, as TCP does after a short partition;
 * - `blackhole()`: every byte is dropped and nothing is ever answered; not even a close gets through,
 *   either way. Open and new connections just hang. `resume()` resets the connections that lost
 *   bytes (their streams are broken), on both sides, and forwards new ones again;
 * - `up()`: after `down()`, listens again on the same port; after `pause()`/`blackhole()`, = `resume()`;
 * - `cutAfterClientSends(marker)`: the next client bytes that contain `marker` reach the target,
 *   then that connection is closed towards the target and reset towards the client, which never
 *   learns the answer (e.g. a COMMIT that the server carries out).
 */
export class TcpProxy {
  private server: Server | null = null;
  private readonly links = new Set<Link>();
  private mode: 'forwarding' | 'paused' | 'blackhole' = 'forwarding';
  private cut: { marker: Buffer; done: () => void } | null = null;
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(port = 0): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** Resets every open connection and refuses new ones. */
  async down(): Promise<void> {
    for (const link of this.links) this.close(link, true);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  async up(): Promise<void> {
    if (this.server) return this.resume();
    this.mode = 'forwarding';
    await this.start(this.port);
  }

  /** Resolves once a connection was cut right after sending `marker`. */
  cutAfterClientSends(marker: string): Promise<void> {
    return new Promise((resolve) => {
      this.cut = { marker: Buffer.from(marker), done: resolve };
    });
  }

  pause(): void {
    this.mode = 'paused';
    for (const link of this.links) {
      link.client.pause();
      link.upstream?.pause();
    }
  }

  blackhole(): void {
    this.mode = 'blackhole';
    for (const link of this.links) {
      link.blackholed = true;
      // Keep reading, so that what arrives is consumed and dropped rather than left in buffers.
      link.client.resume();
      link.upstream?.resume();
    }
  }

  resume(): void {
    this.mode = 'forwarding';
    for (const link of this.links) {
      if (link.blackholed) {
        this.close(link, true);
      } else {
        link.client.resume();
        link.upstream?.resume();
      }
    }
  }

  private accept(client: Socket): void {
    const link: Link = { client, upstream: null, blackholed: this.mode === 'blackhole' };
    this.links.add(link);
    // In a blackhole not even a close gets through: the target does not learn that the client left.
    const clientGone = () => (link.blackholed ? client.destroy() : this.close(link));
    client.on('error', clientGone).on('close', clientGone);
    client.on('data', (chunk: Buffer) => {
      if (link.blackholed) return;
      link.upstream?.write(chunk);
      if (this.cut && link.upstream && chunk.includes(this.cut.marker)) {
        const { done } = this.cut;
        this.cut = null;
        this.links.delete(link);
        link.upstream.end();
        client.resetAndDestroy();
        done();
      }
    });
    // A connection that arrives in a blackhole never reaches the target.
    if (link.blackholed) return;
    const upstream = connect(this.targetPort, this.targetHost);
    link.upstream = upstream;
    // Nor does the client learn that the target left; both are reset on resume().
    const upstreamGone = () => (link.blackholed ? upstream.destroy() : this.close(link));
    upstream.on('error', upstreamGone).on('close', upstreamGone);
    upstream.on('data', (chunk) => {
      if (!link.blackholed && !client.destroyed) client.write(chunk);
    });
    if (this.mode === 'paused') {
      client.pause();
      upstream.pause();
    }
  }

  /** Ends both sides of a link; `reset` sends the client an RST instead of a FIN. */
  private close(link: Link, reset = false): void {
    if (!this.links.delete(link)) return;
    if (reset && !link.client.destroyed) link.client.resetAndDestroy();
    else link.client.destroy();
    link.upstream?.destroy();
  }
}
