/**
 * The console's only way to the gateway: the public REST API with a bearer token. Kept small so the
 * typed client generated from the OpenAPI document can take its place.
 */
export interface Problem {
  status: number;
  code: string;
  title: string;
  detail: string;
  problems?: { path: string; message: string }[];
  errors?: string[];
  currentVersion?: number;
}

export class ApiError extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail || problem.title);
  }
  get status(): number {
    return this.problem.status;
  }
}

export interface ApiResult<T> {
  body: T;
  etag: string | null;
}

export type Query = Record<string, string | number | undefined | null>;

export class Api {
  constructor(private readonly token: string | null, private readonly onUnauthenticated?: () => void) {}

  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown; ifMatch?: string | null } = {}): Promise<ApiResult<T>> {
    const res = await this.send(method, path, options);
    const text = await res.text();
    const body = text && (res.headers.get('content-type') ?? '').includes('json') ? (JSON.parse(text) as T) : (text as unknown as T);
    return { body, etag: res.headers.get('etag') };
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query }).then((r) => r.body);
  }

  post<T>(path: string, body?: unknown, ifMatch?: string | null): Promise<T> {
    return this.request<T>('POST', path, { body: body ?? {}, ifMatch }).then((r) => r.body);
  }

  /** A file the API streams (CSV, NDJSON), as a blob to save. */
  async download(path: string, query?: Query): Promise<Blob> {
    const res = await this.send('GET', path, { query });
    return res.blob();
  }

  private async send(method: string, path: string, { query, body, ifMatch }: { query?: Query; body?: unknown; ifMatch?: string | null }): Promise<Response> {
    const url = new URL(path, window.location.origin);
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json, application/problem+json, text/csv, application/x-ndjson' };
    if (this.token) headers.Authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (ifMatch) headers['If-Match'] = ifMatch;
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
    } catch {
      throw new ApiError({ status: 0, code: 'CONNECTION_LOST', title: 'No connection to the gateway', detail: 'The gateway could not be reached.' });
    }
    if (!res.ok) {
      let problem: Partial<Problem> = {};
      try {
        problem = (await res.json()) as Partial<Problem>;
      } catch {
        // not problem+json (a proxy's page): the status says enough
      }
      if (res.status === 401) this.onUnauthenticated?.();
      throw new ApiError({ status: res.status, code: problem.code ?? `HTTP_${res.status}`, title: problem.title ?? res.statusText, detail: problem.detail ?? '', ...problem } as Problem);
    }
    return res;
  }
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
