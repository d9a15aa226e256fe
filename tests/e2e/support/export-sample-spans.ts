// Run by otlp-receiver.unit.test.ts in a plain Node process (the OTLP exporter loads `http` with a
// dynamic import, which jest's module sandbox refuses): starts tracing as a service would with
// OTEL_TRACES_EXPORTER=otlp and OTEL_EXPORTER_OTLP_ENDPOINT=<argv[2]>, makes a SERVER span and a PRODUCER
// child, and shuts tracing down, which exports them.
import {
  SpanKind,
  createLogger,
  endSpan,
  startSpan,
  startTracing,
  traceSettingsFromEnv,
} from '@orderflow/platform';

async function main(): Promise<void> {
  const settings = traceSettingsFromEnv(
    {
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: process.argv[2],
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
    },
    'payment',
  );
  const tracing = await startTracing(settings, createLogger({ service: 'test', level: 'silent' }));
  const root = startSpan('POST /orders', SpanKind.SERVER, undefined, { 'http.request.method': 'POST' });
  const child = startSpan('send order_created', SpanKind.PRODUCER, root, { 'messaging.kafka.offset': 7 });
  endSpan(child);
  endSpan(root);
  await tracing.shutdown();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
