import { loadConfig, platformSettings } from './config';
import { parseResourceAttributes, traceSettingsFromEnv } from './trace-settings';

describe('OTEL_* settings', () => {
  it('is off by default, with the specification defaults', () => {
    expect(traceSettingsFromEnv({}, 'order')).toEqual({
      exporters: [],
      serviceName: 'order',
      otlpTracesUrl: 'http://localhost:4318/v1/traces',
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      resourceAttributes: {},
    });
    expect(loadConfig(platformSettings('order', 8001), {}).tracing.exporters).toEqual([]);
  });

  it('reads the exporter, endpoint, service name, sampler and resource attributes', () => {
    const s = traceSettingsFromEnv(
      {
        OTEL_TRACES_EXPORTER: 'otlp,console',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318/',
        OTEL_SERVICE_NAME: 'order-eu',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.25',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,team=a%2Cb',
      },
      'order',
    );
    expect(s).toEqual({
      exporters: ['otlp', 'console'],
      serviceName: 'order-eu',
      otlpTracesUrl: 'http://jaeger:4318/v1/traces',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
      resourceAttributes: { 'deployment.environment.name': 'staging', team: 'a,b' },
    });
    // The signal-specific endpoint is used as it is.
    expect(
      traceSettingsFromEnv(
        {
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318',
          OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://b:4318/custom/traces',
        },
        'order',
      ).otlpTracesUrl,
    ).toBe('http://b:4318/custom/traces');
    // service.name from OTEL_RESOURCE_ATTRIBUTES when OTEL_SERVICE_NAME is not set.
    expect(
      traceSettingsFromEnv({ OTEL_RESOURCE_ATTRIBUTES: 'service.name=pay' }, 'payment').serviceName,
    ).toBe('pay');
  });

  it('OTEL_SDK_DISABLED=true turns every exporter off', () => {
    expect(
      traceSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SDK_DISABLED: 'true' }, 'order').exporters,
    ).toEqual([]);
  });

  it('refuses what it cannot honour, naming the variable and what to set', () => {
    expect(() => traceSettingsFromEnv({ OTEL_TRACES_EXPORTER: 'jaeger' }, 'order')).toThrow(
      /OTEL_TRACES_EXPORTER="jaeger" is not supported; set it to otlp/,
    );
    expect(() => traceSettingsFromEnv({ OTEL_TRACES_SAMPLER: 'sometimes' }, 'order')).toThrow(
      /OTEL_TRACES_SAMPLER="sometimes"/,
    );
    expect(() =>
      traceSettingsFromEnv({ OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '2' }, 'order'),
    ).toThrow(/OTEL_TRACES_SAMPLER_ARG="2" is invalid/);
    expect(() => traceSettingsFromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'jaeger:4318' }, 'order')).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT/,
    );
    expect(() => traceSettingsFromEnv({ OTEL_SDK_DISABLED: 'maybe' }, 'order')).toThrow(/OTEL_SDK_DISABLED/);
    // Listed with the other configuration problems at start-up.
    expect(() => loadConfig(platformSettings('order', 8001), { OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(
      /invalid configuration:[\s\S]*OTEL_TRACES_EXPORTER="zipkin"/,
    );
  });

  it('parses resource attributes without touching prototypes', () => {
    const attrs = parseResourceAttributes('__proto__=x, a = b ,,');
    expect(Object.keys(attrs)).toEqual(['__proto__', 'a']);
    expect(attrs.a).toBe('b');
    expect(() => parseResourceAttributes('novalue')).toThrow(/not key=value/);
    expect(() => parseResourceAttributes('a=%E0%A4%A')).toThrow(/malformed/);
  });
});
