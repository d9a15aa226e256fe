// OpenTelemetry's standard environment variables, read and checked with the rest of a service's
// configuration at start-up (a typo such as OTEL_TRACES_EXPORTER=jeager fails with a message instead
// of silently tracing nothing). Tracing is off unless OTEL_TRACES_EXPORTER names an exporter.

type Env = Readonly<Record<string, string | undefined>>;

/** Where spans go: OTLP over HTTP (JSON), or the console (development). */
export type TraceExporterKind = 'otlp' | 'console';

/** The samplers of the OpenTelemetry SDK specification that OTEL_TRACES_SAMPLER may name. */
export const SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;

export type SamplerName = (typeof SAMPLERS)[number];

/** A service's tracing configuration; `exporters` empty means tracing is off (no SDK is loaded). */
export interface TraceSettings {
  exporters: readonly TraceExporterKind[];
  /** The resource's service.name: OTEL_SERVICE_NAME, else OTEL_RESOURCE_ATTRIBUTES' service.name, else the service. */
  serviceName: string;
  /** The full OTLP traces URL (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, else OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces). */
  otlpTracesUrl: string;
  sampler: SamplerName;
  /** The ratio of the *traceidratio samplers (OTEL_TRACES_SAMPLER_ARG, default 1). */
  samplerRatio: number;
  /** OTEL_RESOURCE_ATTRIBUTES, decoded. */
  resourceAttributes: Readonly<Record<string, string>>;
}

const DEFAULT_OTLP_ENDPOINT = 'http://localhost:4318';

/** Tracing off: what a service runs with unless OTEL_TRACES_EXPORTER says otherwise. */
export function tracingOff(serviceName: string): TraceSettings {
  return {
    exporters: [],
    serviceName,
    otlpTracesUrl: `${DEFAULT_OTLP_ENDPOINT}/v1/traces`,
    sampler: 'parentbased_always_on',
    samplerRatio: 1,
    resourceAttributes: {},
  };
}

function value(env: Env, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function httpUrl(name: string, raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(
      `${name}=${JSON.stringify(raw)} is not an absolute URL; set it to e.g. http://jaeger:4318`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(
      `${name}=${JSON.stringify(raw)} is not an http(s) URL; the OTLP exporter speaks OTLP/HTTP`,
    );
  return raw;
}

/**
 * OTEL_RESOURCE_ATTRIBUTES: `key1=value1,key2=value2`, values percent-encoded (W3C Baggage octets, as
 * the specification says). Throws on an entry without `=` or with a malformed escape.
 */
export function parseResourceAttributes(raw: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined) return out;
  for (const entry of raw.split(',')) {
    if (entry.trim() === '') continue;
    const eq = entry.indexOf('=');
    if (eq <= 0)
      throw new Error(
        `OTEL_RESOURCE_ATTRIBUTES entry ${JSON.stringify(entry)} is not key=value; set it to e.g. deployment.environment.name=staging,service.version=1.2.0`,
      );
    let decoded: string;
    try {
      decoded = decodeURIComponent(entry.slice(eq + 1).trim());
    } catch {
      throw new Error(`OTEL_RESOURCE_ATTRIBUTES entry ${JSON.stringify(entry)} has a malformed %-escape`);
    }
    // Defined, not assigned: a key named "__proto__" is kept as data.
    Object.defineProperty(out, entry.slice(0, eq).trim(), {
      value: decoded,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Reads OTEL_SDK_DISABLED, OTEL_TRACES_EXPORTER, OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES,
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT and OTEL_TRACES_SAMPLER(_ARG).
 * Throws one message per problem (the config loader lists them with the others).
 */
export function traceSettingsFromEnv(env: Env, service: string): TraceSettings {
  const resourceAttributes = parseResourceAttributes(value(env, 'OTEL_RESOURCE_ATTRIBUTES'));
  const serviceName =
    value(env, 'OTEL_SERVICE_NAME') ??
    (Object.hasOwn(resourceAttributes, 'service.name') ? resourceAttributes['service.name']! : service);
  const settings = { ...tracingOff(serviceName), resourceAttributes };

  const disabled = value(env, 'OTEL_SDK_DISABLED')?.toLowerCase();
  if (disabled !== undefined && disabled !== 'true' && disabled !== 'false')
    throw new Error(`OTEL_SDK_DISABLED=${JSON.stringify(disabled)} is invalid; set it to true or false`);

  const exporters: TraceExporterKind[] = [];
  for (const name of (value(env, 'OTEL_TRACES_EXPORTER') ?? 'none').split(',').map((s) => s.trim())) {
    if (name === 'none' || name === '') continue;
    if (name !== 'otlp' && name !== 'console')
      throw new Error(
        `OTEL_TRACES_EXPORTER=${JSON.stringify(name)} is not supported; set it to otlp (OTLP/HTTP, e.g. to Jaeger or an OpenTelemetry Collector), console, or none`,
      );
    if (!exporters.includes(name)) exporters.push(name);
  }

  const tracesEndpoint = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  const otlpTracesUrl =
    tracesEndpoint !== undefined
      ? httpUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint)
      : endpoint !== undefined
        ? `${httpUrl('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint).replace(/\/+$/, '')}/v1/traces`
        : settings.otlpTracesUrl;

  const samplerRaw = value(env, 'OTEL_TRACES_SAMPLER') ?? 'parentbased_always_on';
  if (!(SAMPLERS as readonly string[]).includes(samplerRaw))
    throw new Error(
      `OTEL_TRACES_SAMPLER=${JSON.stringify(samplerRaw)} is not supported; set it to one of ${SAMPLERS.join(', ')}`,
    );
  const sampler = samplerRaw as SamplerName;
  const ratioRaw = value(env, 'OTEL_TRACES_SAMPLER_ARG');
  let samplerRatio = 1;
  if (ratioRaw !== undefined && sampler.endsWith('traceidratio')) {
    samplerRatio = Number(ratioRaw);
    if (!Number.isFinite(samplerRatio) || samplerRatio < 0 || samplerRatio > 1)
      throw new Error(
        `OTEL_TRACES_SAMPLER_ARG=${JSON.stringify(ratioRaw)} is invalid; set it to a ratio from 0 to 1 (e.g. 0.1 traces one order in ten)`,
      );
  }

  return {
    ...settings,
    exporters: disabled === 'true' ? [] : exporters,
    otlpTracesUrl,
    sampler,
    samplerRatio,
  };
}
