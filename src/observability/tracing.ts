import { inSyncSpan, useTracer } from './spans';

/**
 * OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set. Imported first by src/main.ts, before Nest, Express,
 * pg and graphql are loaded, so the instrumentations can hook them. Unset, nothing of the SDK is
 * loaded and the manual spans are plain calls. The exporter reads the standard OTEL_* settings
 * (headers, timeout, batch delay); docs/operations.md lists the ones that matter here.
 */
let shutdown: (() => Promise<void>) | null = null;

const NOT_TRACED = /^\/(health|metrics)(\/|$|\?)/;

export function startTracing(env: NodeJS.ProcessEnv = process.env): boolean {
  if (shutdown || !(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) || env.OTEL_SDK_DISABLED === 'true') return false;
  /* eslint-disable @typescript-eslint/no-require-imports -- loaded only when tracing is on */
  const { NodeTracerProvider, BatchSpanProcessor } = require('@opentelemetry/sdk-trace-node') as typeof import('@opentelemetry/sdk-trace-node');
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { registerInstrumentations } = require('@opentelemetry/instrumentation') as typeof import('@opentelemetry/instrumentation');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { ExpressInstrumentation } = require('@opentelemetry/instrumentation-express') as typeof import('@opentelemetry/instrumentation-express');
  const { PgInstrumentation } = require('@opentelemetry/instrumentation-pg') as typeof import('@opentelemetry/instrumentation-pg');
  const { GraphQLInstrumentation } = require('@opentelemetry/instrumentation-graphql') as typeof import('@opentelemetry/instrumentation-graphql');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME ?? 'partner-data-gateway' }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())],
  });
  // W3C trace context in (incoming traceparent continues the caller's trace) and out (outgoing calls).
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => NOT_TRACED.test(req.url ?? ''),
        // The answer names its trace, so a caller without a tracer can still quote it.
        responseHook: (span, response) => {
          if ('setHeader' in response && !response.headersSent) {
            const { traceId, spanId, traceFlags } = span.spanContext();
            response.setHeader('traceparent', `00-${traceId}-${spanId}-0${traceFlags & 1}`);
          }
        },
      }),
      new ExpressInstrumentation(),
      new PgInstrumentation({ enhancedDatabaseReporting: false }),
      // Resolver spans for fields with their own resolver; default field reads are not worth a span each.
      new GraphQLInstrumentation({ ignoreTrivialResolveSpans: true, mergeItems: true }),
    ],
  });
  const tracer = provider.getTracer('partner-data-gateway');
  useTracer(tracer);
  traceSqliteStatements();
  shutdown = () => provider.shutdown();
  return true;
}

/** Sends the spans still buffered; called on shutdown. */
export async function stopTracing(): Promise<void> {
  await shutdown?.().catch(() => undefined);
}

/**
 * There is no maintained instrumentation for better-sqlite3: its statements' run/get/all/iterate
 * are wrapped here, each a client span with the statement's text (parameters are not recorded).
 */
function traceSqliteStatements(): void {
  let Database: typeof import('better-sqlite3');
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    Database = require('better-sqlite3') as typeof import('better-sqlite3');
  } catch {
    return;
  }
  const probe = new Database(':memory:');
  const prototype = Object.getPrototypeOf(probe.prepare('SELECT 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of ['run', 'get', 'all', 'iterate']) {
    const original = prototype[method];
    prototype[method] = function (this: { source: string }, ...args: unknown[]) {
      const text = this.source;
      return inSyncSpan(
        `sqlite ${text.slice(0, text.indexOf(' ') > 0 ? text.indexOf(' ') : undefined).toUpperCase()}`,
        { 'db.system.name': 'sqlite', 'db.query.text': text },
        () => original.apply(this, args),
      );
    };
  }
}

startTracing();
