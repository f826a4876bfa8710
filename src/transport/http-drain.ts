import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Keeps count of the HTTP connections of a server and of the requests in flight on each, so a
 * shutdown can end every kept-alive connection cleanly: from `start()` on, every answer carries
 * `Connection: close` (its connection ends once it is sent) and connections without a request in
 * flight are ended at once; `closed()` resolves when the last one has gone. A connection upgraded to
 * WebSocket (GraphQL subscriptions) is left to the WebSocket server.
 *
 * An idle connection is destroyed rather than ended: a request that reaches it afterwards is then
 * never read, so never served, instead of being served with no way left to answer it.
 */
export class HttpDrain {
  /** Each open connection and the answers in flight on it. */
  private readonly inFlight = new Map<Socket, Set<ServerResponse>>();
  private draining = false;
  private waiters: Array<() => void> = [];

  constructor(server: Server) {
    server.on('connection', (socket: Socket) => {
      this.inFlight.set(socket, new Set());
      socket.once('close', () => {
        this.inFlight.delete(socket);
        this.settle();
      });
    });
    // First of the request listeners, so the header is set before any handler can answer.
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => this.track(req.socket, res));
    server.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      this.inFlight.delete(socket);
      this.settle();
    });
  }

  /** Answers not yet begun close their connection; idle connections end now. */
  start(): void {
    if (this.draining) return;
    this.draining = true;
    for (const answers of this.inFlight.values()) for (const res of answers) if (!res.headersSent) res.setHeader('Connection', 'close');
    this.endIdle();
  }

  /** Resolves once no HTTP connection is left (call after `start()` and after the listener closed). */
  closed(): Promise<void> {
    this.endIdle();
    if (this.inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  get connections(): number {
    return this.inFlight.size;
  }

  private track(socket: Socket, res: ServerResponse): void {
    const answers = this.inFlight.get(socket) ?? new Set<ServerResponse>();
    this.inFlight.set(socket, answers);
    answers.add(res);
    if (this.draining) res.setHeader('Connection', 'close');
    res.once('close', () => {
      answers.delete(res);
      // An answer begun before the drain promised keep-alive: end its connection once it is sent.
      if (this.draining && answers.size === 0 && this.inFlight.has(socket)) this.destroyWhenFlushed(socket);
    });
  }

  private endIdle(): void {
    for (const [socket, answers] of this.inFlight) if (answers.size === 0) this.destroyWhenFlushed(socket);
    this.settle();
  }

  private destroyWhenFlushed(socket: Socket): void {
    if (socket.writableLength === 0) socket.destroy();
    else socket.once('drain', () => socket.destroy());
  }

  private settle(): void {
    if (this.inFlight.size > 0 || this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}
