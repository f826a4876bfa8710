import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedWebhook {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  payload: { type: string; timestamp: string; data: Record<string, unknown> };
}

/**
 * A real webhook receiver on 127.0.0.1: records every POST (headers and raw body) and answers with
 * `status` (200 unless changed). Signatures are checked by the caller with `verify`, through the
 * Standard Webhooks reference library.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  status = 200;
  /** While true, answers wait until `release()`: a receiver that is slow to answer. */
  hold = false;
  private held: Array<() => void> = [];
  private waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(private readonly server: Server) {}

  static async start(port = 0): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | null = null;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        receiver!.record(req, body);
        const answer = () => res.writeHead(receiver!.status, { 'content-type': 'text/plain' }).end(receiver!.status < 300 ? 'ok' : 'receiver says no');
        if (receiver!.hold) receiver!.held.push(answer);
        else answer();
      });
    });
    receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return receiver;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Requests received and not answered yet (while `hold`). */
  get waiting(): number {
    return this.held.length;
  }

  /** Answers the requests held so far, and the next ones at once. */
  release(): void {
    this.hold = false;
    for (const answer of this.held.splice(0)) answer();
  }

  /** Resolves once at least `count` requests arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  /** The payload if the signature holds under `secret`, else throws (standardwebhooks' WebhookVerificationError). */
  static verify(secret: string, r: ReceivedWebhook): unknown {
    return new Webhook(secret).verify(r.body, { 'webhook-id': r.id, 'webhook-timestamp': r.timestamp, 'webhook-signature': r.signature });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private record(req: IncomingMessage, body: string): void {
    const header = (name: string) => String(req.headers[name] ?? '');
    let payload: ReceivedWebhook['payload'];
    try {
      payload = JSON.parse(body) as ReceivedWebhook['payload'];
    } catch {
      payload = { type: '', timestamp: '', data: {} };
    }
    this.received.push({ id: header('webhook-id'), timestamp: header('webhook-timestamp'), signature: header('webhook-signature'), body, payload });
    this.waiters = this.waiters.filter((w) => {
      if (this.received.length < w.count) return true;
      w.resolve();
      return false;
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}
