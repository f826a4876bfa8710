/**
 * The console's only way to the gateway's API: the typed client generated from the OpenAPI document
 * (client/index.ts, openapi-fetch, types from client/schema.d.ts), with the session's bearer token.
 * Paths, parameters and bodies are checked against the document at compile time, so a call the
 * gateway does not declare does not build. `unwrap` turns an answer into its data, or throws an
 * ApiError carrying the problem+json document.
 */
import { createGatewayClient, type GatewayClient, type Problem as ProblemDocument } from '../../../client';

/** The console reads JSON; files (CSV, NDJSON) are read with `parseAs: 'blob'`. */
export type ConsoleClient = GatewayClient<'application/json'>;

/** A problem+json document as the console reads it; `code` also names failures that never reached the gateway. */
export type Problem = Omit<ProblemDocument, 'code' | 'type'> & {
  code: ProblemDocument['code'] | 'CONNECTION_LOST' | `HTTP_${number}` | (string & {});
  /** POLICY_INVALID and VALIDATION_FAILED on a policy: each problem at its path in the document. */
  problems?: { path: string; message: string }[];
  /** PRECONDITION_FAILED and PROPOSAL_STALE: the version in force now. */
  currentVersion?: number;
  /** PROPOSAL_STALE: the version the proposal was made against. */
  baseVersion?: number | null;
};

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

const ACCEPT = 'application/json, application/problem+json, text/csv, application/x-ndjson';

/** The gateway's typed client for one session; a 401 answer ends the session (`onUnauthenticated`). */
export function gatewayClient(token: string, onUnauthenticated: () => void): ConsoleClient {
  const client = createGatewayClient<'application/json'>({
    baseUrl: window.location.origin,
    token,
    fetch: async (input, init) => {
      try {
        return await fetch(input, { ...init, cache: 'no-store' });
      } catch {
        throw connectionLost();
      }
    },
  });
  client.use({
    onRequest({ request }) {
      request.headers.set('Accept', ACCEPT);
      return request;
    },
    onResponse({ response }) {
      if (response.status === 401) onUnauthenticated();
    },
  });
  return client;
}

/** An openapi-fetch answer's data, or an ApiError with its problem+json document. */
export function unwrap<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.response.ok) return answer.data as T;
  throw refusal(answer.response, answer.error);
}

/** A failed answer as an ApiError: its problem+json document, or (a proxy's page, say) what the status says. */
export function refusal(response: Response, body: unknown): ApiError {
  const doc = body !== null && typeof body === 'object' ? (body as Partial<Problem>) : {};
  return new ApiError({
    ...doc,
    status: doc.status ?? response.status,
    code: doc.code ?? `HTTP_${response.status}`,
    title: doc.title ?? response.statusText,
    detail: doc.detail ?? '',
  });
}

export function connectionLost(): ApiError {
  return new ApiError({ status: 0, code: 'CONNECTION_LOST', title: 'No connection to the gateway', detail: 'The gateway could not be reached.' });
}

/** The version in force a policy answer names (its ETag), for If-Match on the next change. */
export function etagOf(answer: { response: Response }): string | null {
  return answer.response.headers.get('etag');
}

/** Saves a blob under a file name through a temporary link (no inline script needed). */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
