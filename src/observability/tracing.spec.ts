import { inSpan, inSyncSpan, tracingOn } from './spans';
import { startTracing } from './tracing';

/** Without an OTLP endpoint, tracing is off: no SDK module is loaded and spans are plain calls. */
describe('tracing off', () => {
  const sdkLoaded = () => Object.keys(require.cache).filter((f) => /@opentelemetry[\\/](sdk-trace|exporter|instrumentation)/.test(f));

  it('loads no OpenTelemetry SDK, exporter or instrumentation when no endpoint is set', () => {
    expect(startTracing({})).toBe(false);
    expect(startTracing({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_SDK_DISABLED: 'true' })).toBe(false);
    expect(tracingOn()).toBe(false);
    expect(sdkLoaded()).toEqual([]);
  });

  it('runs the work of a span as a plain call', async () => {
    let calls = 0;
    await expect(inSpan('audit append', {}, () => Promise.resolve(++calls))).resolves.toBe(1);
    expect(inSyncSpan('sqlite SELECT', {}, () => ++calls)).toBe(2);
    expect(sdkLoaded()).toEqual([]);
  });
});
