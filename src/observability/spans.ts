import { Attributes, Link, SpanKind, SpanStatusCode, Tracer, context, trace } from '@opentelemetry/api';

/**
 * Manual spans for work no instrumentation sees (the audit append, SQLite statements). Until
 * tracing is started (src/observability/tracing.ts) there is no tracer and `inSpan` is a plain call.
 */
let tracer: Tracer | null = null;

export function useTracer(t: Tracer): void {
  tracer = t;
}

export function tracingOn(): boolean {
  return tracer !== null;
}

/** The active span's context, to link a batched operation back to the requests it serves. */
export function activeLink(): Link | undefined {
  if (!tracer) return undefined;
  const span = trace.getSpan(context.active());
  return span ? { context: span.spanContext() } : undefined;
}

export function inSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>, links?: Link[]): Promise<T> {
  if (!tracer) return fn();
  return tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes, links }, async (span) => {
    try {
      return await fn();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A synchronous call (a better-sqlite3 statement) as a client span of the active context. */
export function inSyncSpan<T>(name: string, attributes: Attributes, fn: () => T): T {
  if (!tracer) return fn();
  const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes });
  try {
    return fn();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}
