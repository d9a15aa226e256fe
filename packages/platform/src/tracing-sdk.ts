// Starts the OpenTelemetry SDK when the configuration asks for an exporter. The SDK's packages are
// loaded here, on demand: with tracing off (the default) a service never loads them.
import { diag, DiagLogLevel, type DiagLogger } from '@opentelemetry/api';
import type { Sampler, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Logger } from './logger';
import { TRACER_NAME, useTracer } from './spans';
import type { TraceSettings } from './trace-settings';

/** A started tracing pipeline: `shutdown()` exports what is queued and stops (the last step of a service's stop). */
export interface Tracing {
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, shutdown: () => Promise.resolve() };

/** Export failures are logged, the first few and then one in this many: a collector that is down must not flood the log. */
const LOG_EVERY_NTH_PROBLEM = 50;

/**
 * The SDK's own problems (chiefly spans that could not be exported: the collector is down or refuses
 * them) in the service's log at warn, throttled. Spans that cannot be exported are dropped; the service
 * carries on.
 */
function diagnostics(logger: Logger): DiagLogger {
  const log = logger.child({ component: 'tracing' });
  let problems = 0;
  const problem = (message: string, ...args: unknown[]): void => {
    problems++;
    if (problems <= 3 || problems % LOG_EVERY_NTH_PROBLEM === 0)
      log.warn({ detail: args.map((a) => (a instanceof Error ? a.message : String(a))), problems }, message);
  };
  return {
    error: problem,
    warn: problem,
    info: () => undefined,
    debug: () => undefined,
    verbose: () => undefined,
  };
}

/**
 * Starts tracing as `settings` say: a tracer provider with the service's resource, the configured
 * sampler and a batching processor per exporter, installed as the platform's tracer. With no exporter
 * configured it loads nothing and returns a no-op.
 */
export async function startTracing(settings: TraceSettings, logger: Logger): Promise<Tracing> {
  if (settings.exporters.length === 0) return OFF;
  const sdk = await import('@opentelemetry/sdk-trace-base');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const { ATTR_SERVICE_NAME } = await import('@opentelemetry/semantic-conventions');

  const processors: SpanProcessor[] = [];
  for (const kind of settings.exporters) {
    let exporter: SpanExporter;
    if (kind === 'otlp') {
      const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
      // Headers, timeout and compression still come from OTEL_EXPORTER_OTLP_(TRACES_)HEADERS etc., read by the exporter.
      exporter = new OTLPTraceExporter({ url: settings.otlpTracesUrl });
    } else exporter = new sdk.ConsoleSpanExporter();
    // Batching as OTEL_BSP_* say (the SDK reads them): by default every 5 s or 512 spans, at most 2,048 queued.
    processors.push(new sdk.BatchSpanProcessor(exporter));
  }

  const ratio = new sdk.TraceIdRatioBasedSampler(settings.samplerRatio);
  const samplers: Record<TraceSettings['sampler'], () => Sampler> = {
    always_on: () => new sdk.AlwaysOnSampler(),
    always_off: () => new sdk.AlwaysOffSampler(),
    traceidratio: () => ratio,
    parentbased_always_on: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOnSampler() }),
    parentbased_always_off: () => new sdk.ParentBasedSampler({ root: new sdk.AlwaysOffSampler() }),
    parentbased_traceidratio: () => new sdk.ParentBasedSampler({ root: ratio }),
  };

  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.namespace': 'orderflow',
      ...settings.resourceAttributes,
      [ATTR_SERVICE_NAME]: settings.serviceName,
    }),
    sampler: samplers[settings.sampler](),
    spanProcessors: processors,
  });
  diag.setLogger(diagnostics(logger), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  useTracer(provider.getTracer(TRACER_NAME));
  logger.info(
    {
      exporters: settings.exporters,
      ...(settings.exporters.includes('otlp') ? { otlpTracesUrl: settings.otlpTracesUrl } : {}),
      serviceName: settings.serviceName,
      sampler: settings.sampler,
      ...(settings.sampler.endsWith('traceidratio') ? { samplerRatio: settings.samplerRatio } : {}),
    },
    'tracing: OpenTelemetry spans are exported',
  );
  return {
    enabled: true,
    shutdown: async () => {
      useTracer(undefined);
      // The last spans are exported now; a collector that is down costs them, not the shutdown.
      await provider
        .shutdown()
        .catch((err: unknown) => logger.warn({ err }, 'tracing: the last spans could not be exported'));
    },
  };
}
