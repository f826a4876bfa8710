import { AddressInfo } from 'node:net';
import { Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TokenOptions, TestGateway } from '../../support/test-app';

export interface WsError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

/** What one subscription got before it ended: its results, or the errors it was refused with. */
export interface WsOutcome {
  results: Array<{ data?: unknown; errors?: WsError[] }>;
  errors: WsError[] | null;
  /** Every error, refused or in a result: what the caller could read. */
  all: WsError[];
}

/** graphql-ws clients on a listening gateway; close them with `dispose`. */
export class WsClients {
  private readonly clients: Client[] = [];

  constructor(private readonly gw: TestGateway) {}

  static async listen(gw: TestGateway): Promise<WsClients> {
    await gw.app.listen(0, '127.0.0.1');
    return new WsClients(gw);
  }

  private get url(): string {
    return `ws://127.0.0.1:${(this.gw.app.getHttpServer().address() as AddressInfo).port}/graphql`;
  }

  async client(who: TokenOptions): Promise<Client> {
    const token = await this.gw.token(who);
    const client = createClient({
      url: this.url,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
      lazy: true,
    });
    this.clients.push(client);
    return client;
  }

  /**
   * Subscribes and waits until the server refuses, completes, or sends a first result. A
   * subscription the server accepts and that gets no event is given up after `patienceMs`, with
   * neither results nor errors.
   */
  async first(who: TokenOptions, query: string, variables?: Record<string, unknown>, patienceMs = 5000): Promise<WsOutcome> {
    const client = await this.client(who);
    const outcome: WsOutcome = { results: [], errors: null, all: [] };
    let timer: NodeJS.Timeout | undefined;
    await new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        dispose();
        resolve();
      }, patienceMs);
      const dispose = client.subscribe(
        { query, variables },
        {
          next: (v) => {
            outcome.results.push(v as WsOutcome['results'][number]);
            outcome.all.push(...((v.errors ?? []) as WsError[]));
            dispose();
            resolve();
          },
          error: (e) => {
            outcome.errors = Array.isArray(e) ? (e as WsError[]) : [{ message: String((e as { reason?: string })?.reason ?? e) }];
            outcome.all.push(...outcome.errors);
            resolve();
          },
          complete: () => resolve(),
        },
      );
    });
    clearTimeout(timer);
    return outcome;
  }

  async dispose(): Promise<void> {
    await Promise.all(this.clients.map((c) => Promise.resolve(c.dispose())));
  }
}
