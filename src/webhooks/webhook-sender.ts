import { request as httpRequest, IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { WebhookTarget } from './webhook-url-guard';

export interface SendResult {
  /** The receiver's HTTP status, or null when no answer came (timeout, connection refused). */
  status: number | null;
  ok: boolean;
  timedOut: boolean;
  /** Why it failed, with at most the first bytes of the answer. */
  error: string | null;
}

/** At most this much of a receiver's answer is read (to explain a failure); the rest is dropped. */
const MAX_ANSWER_BYTES = 2048;

/**
 * POSTs one signed delivery to the address the URL guard checked (pinned: no second DNS lookup
 * between the check and the connection). Redirects are not followed (a 3xx is a failure); the
 * whole attempt is bounded by `timeoutMs`; only the first bytes of the answer are read.
 */
export function sendWebhook(target: WebhookTarget, headers: Record<string, string>, body: string, timeoutMs: number): Promise<SendResult> {
  const { url, address, family } = target;
  const pinned: LookupFunction = (_host, options, callback) => {
    if ((options as { all?: boolean }).all)
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (result: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };
    const req = request(
      url,
      {
        method: 'POST',
        lookup: pinned,
        agent: false,
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'user-agent': 'partner-data-gateway-webhooks',
        },
      },
      (res: IncomingMessage) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const ok = status >= 200 && status < 300;
          const answer = Buffer.concat(chunks).toString('utf8').slice(0, MAX_ANSWER_BYTES);
          finish({ status, ok, timedOut: false, error: ok ? null : `HTTP ${status}${answer ? `: ${answer}` : ''}` });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_ANSWER_BYTES) chunks.push(chunk.subarray(0, MAX_ANSWER_BYTES - size));
          size += chunk.length;
          if (size >= MAX_ANSWER_BYTES) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ status: null, ok: false, timedOut: true, error: `no answer within ${timeoutMs} ms` });
      req.destroy();
    }, timeoutMs);
    req.on('error', (e: NodeJS.ErrnoException) => finish({ status: null, ok: false, timedOut: false, error: `${e.code ?? 'request failed'}: ${e.message}` }));
    req.end(body);
  });
}
