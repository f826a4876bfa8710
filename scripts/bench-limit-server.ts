import { createServer, IncomingMessage, ServerResponse } from 'node:http';
import { openFloor } from './bench-floor';

/**
 * The practical limit: a bare node:http handler around the benchmarked routes' work
 * (scripts/bench-floor.ts): no framework, no token, no policy, no audit beyond the write's own row.
 */
function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        resolve(chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {});
      } catch (e) {
        reject(e as Error);
      }
    });
    req.on('error', reject);
  });
}

const text = (v: unknown): string => (typeof v === 'string' ? v : '');

function send(res: ServerResponse, status: number, payload: unknown): void {
  const text = JSON.stringify(payload);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function main(): Promise<void> {
  const floor = await openFloor();
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const handle = async () => {
      if (req.method === 'GET' && (url === '/' || url === '/api/v1/demand-signals')) return send(res, 200, { data: await floor.list(), meta: {} });
      if (req.method === 'POST' && url === '/graphql') return send(res, 200, await floor.graphql(text((await body(req)).query)));
      const patch = /^\/api\/v1\/shipments\/([^/]+)$/.exec(url);
      if (req.method === 'PATCH' && patch) {
        const row = await floor.patch(decodeURIComponent(patch[1]), text((await body(req)).lastLocation));
        return row ? send(res, 200, { data: row }) : send(res, 404, { status: 404 });
      }
      send(res, 404, { status: 404 });
    };
    handle().catch(() => {
      if (!res.headersSent) send(res, 500, { status: 500 });
    });
  });
  server.keepAliveTimeout = 5_000;
  server.listen(Number(process.env.PORT ?? 3999), '127.0.0.1');
}

void main();
