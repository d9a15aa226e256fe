// Prometheus, Grafana and Jaeger in docker-compose.yml, checked by reading their files: Prometheus scrapes
// every service, and every query of the dashboard names only metrics the services export — derived from
// the code (tests/support/exported-metrics.ts).
import path from 'node:path';
import { parse } from 'yaml';
import { metricFamilies } from '../support/exported-metrics';
import { APPS, env, repoFile, service } from './compose-file';

/** Every metric name a service's /metrics can show, with its labels (Prometheus adds job and instance). */
async function exportedMetrics(): Promise<Map<string, Set<string>>> {
  const metrics = new Map<string, Set<string>>();
  const always = ['service', 'job', 'instance'];
  for (const m of await metricFamilies({ defaultMetrics: true })) {
    const labels = new Set([...always, ...m.labels]);
    const names =
      m.type === 'histogram'
        ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
        : m.type === 'summary'
          ? [m.name, `${m.name}_sum`, `${m.name}_count`]
          : [m.name];
    for (const n of names) metrics.set(n, n.endsWith('_bucket') ? new Set([...labels, 'le']) : labels);
  }
  return metrics;
}

/** PromQL's functions and keywords that may appear in the dashboard's queries (anything else is a metric). */
const PROMQL_WORDS = new Set([
  'sum',
  'max',
  'min',
  'avg',
  'count',
  'by',
  'without',
  'rate',
  'irate',
  'increase',
  'histogram_quantile',
  'and',
  'or',
  'unless',
  'on',
  'ignoring',
  'offset',
]);

/** The metric names and the label names a PromQL expression uses. */
function promqlNames(expr: string): { metrics: string[]; labels: string[] } {
  const labels: string[] = [];
  let rest = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\{([^}]*)\}/g, (_m, inner: string) => {
      for (const [, label] of inner.matchAll(/(\w+)\s*(?:=~|!~|!=|=)/g)) labels.push(label!);
      return ' ';
    });
  rest = rest.replace(/\b(by|without|on|ignoring)\s*\(([^)]*)\)/g, (_m, _kw, inner: string) => {
    labels.push(
      ...inner
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
    return ' ';
  });
  const metrics = [...rest.matchAll(/\b[a-zA-Z_:][\w:]*\b/g)]
    .map((m) => m[0])
    .filter((w) => !PROMQL_WORDS.has(w));
  return { metrics, labels };
}

interface Panel {
  title: string;
  datasource?: { type: string; uid: string };
  targets?: { expr: string; datasource?: { uid: string } }[];
}

const dashboardFile = 'stack/docker/grafana/dashboards/orderflow.json';
const dashboard = JSON.parse(repoFile(dashboardFile)) as { uid: string; title: string; panels: Panel[] };
const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

describe(`the Grafana dashboard (${dashboardFile})`, () => {
  test('parses, and has the saga panels: sagas/s, saga latency, outbox age, lag, retries, dead letters', () => {
    expect(dashboard.uid).toBe('orderflow-saga');
    const titles = dashboard.panels.map((p) => p.title.toLowerCase());
    for (const wanted of ['sagas per second', 'latency', 'outbox', 'lag', 'retries', 'dead letters'])
      expect(titles.some((t) => t.includes(wanted))).toBe(true);
    expect(queries.length).toBeGreaterThanOrEqual(6);
  });

  test('the saga panels read the saga metrics: completions by outcome, and the p50/p95/p99 of the duration', () => {
    const exprs = (title: string): string[] =>
      queries.filter((q) => q.panel === title).map((q) => q.expr.replace(/\s+/g, ' '));
    expect(exprs('Sagas completed per second by outcome')).toEqual([
      'sum by (outcome) (rate(orderflow_sagas_completed_total[$__rate_interval]))',
    ]);
    expect(exprs('Saga latency (p50/p95/p99)')).toEqual(
      ['0.5', '0.95', '0.99'].map(
        (q) =>
          `histogram_quantile(${q}, sum by (le) (rate(orderflow_saga_duration_seconds_bucket[$__rate_interval])))`,
      ),
    );
  });

  test('every query names only metrics the services export, with labels those metrics have', async () => {
    const exported = await exportedMetrics();
    expect(exported.size).toBeGreaterThan(10);
    for (const { panel, expr } of queries) {
      const { metrics, labels } = promqlNames(expr);
      expect({ panel, expr, names: metrics.length > 0 }).toEqual({ panel, expr, names: true });
      for (const metric of metrics) {
        expect({ panel, metric, exported: exported.has(metric) }).toEqual({ panel, metric, exported: true });
        const allowed = exported.get(metric)!;
        // A label a query groups or filters by must exist on one of the metrics it reads.
        for (const label of labels)
          if (metrics.every((m) => !exported.get(m)?.has(label)))
            expect({ panel, metric, label, known: allowed.has(label) }).toEqual({
              panel,
              metric,
              label,
              known: true,
            });
      }
    }
  });

  test('the check refuses a metric no service exports and a label no metric has', async () => {
    const exported = await exportedMetrics();
    expect(exported.has(promqlNames('sum(rate(orderflow_sagas_total[5m]))').metrics[0]!)).toBe(false);
    expect(promqlNames('sum by (service, topic) (orderflow_consumer_lag{partition="0"})')).toEqual({
      metrics: ['orderflow_consumer_lag'],
      labels: ['partition', 'service', 'topic'],
    });
    expect(exported.get('orderflow_consumer_lag')?.has('class')).toBe(false);
    // The order service's saga metrics are exported, with their outcome label (and le on the buckets).
    expect(exported.get('orderflow_sagas_completed_total')?.has('outcome')).toBe(true);
    expect(exported.get('orderflow_saga_duration_seconds_bucket')?.has('le')).toBe(true);
    expect(exported.has('orderflow_saga_duration_seconds')).toBe(false);
  });

  test('every panel reads the provisioned Prometheus datasource', () => {
    const provisioned = parse(repoFile('stack/docker/grafana/provisioning/datasources/prometheus.yml')) as {
      datasources: { uid: string; type: string; url: string }[];
    };
    const [ds] = provisioned.datasources;
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    for (const p of dashboard.panels)
      expect({ panel: p.title, uid: p.datasource?.uid }).toEqual({ panel: p.title, uid: ds!.uid });
  });

  test('Grafana mounts the provisioning and the dashboards where the provider looks, and wants a password from .env', () => {
    const provider = parse(repoFile('stack/docker/grafana/provisioning/dashboards/orderflow.yml')) as {
      providers: { type: string; options: { path: string } }[];
    };
    const volumes = service('grafana').volumes ?? [];
    expect(volumes).toContain('./stack/docker/grafana/provisioning:/etc/grafana/provisioning:ro');
    expect(volumes).toContain(`./stack/docker/grafana/dashboards:${provider.providers[0]!.options.path}:ro`);
    expect(env('grafana')['GF_SECURITY_ADMIN_PASSWORD']).toBe('grafana-admin-pw');
  });
});

describe('Prometheus (stack/docker/prometheus/prometheus.yml)', () => {
  const config = parse(repoFile('stack/docker/prometheus/prometheus.yml')) as {
    scrape_configs: {
      job_name: string;
      metrics_path?: string;
      authorization?: { type: string; credentials_file: string };
      static_configs: { targets: string[] }[];
    }[];
  };

  test('parses and scrapes /metrics of every service, at its compose name and PORT', () => {
    const targets = config.scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets));
    expect(targets.sort()).toEqual(
      Object.entries(APPS)
        .map(([name, port]) => `${name}:${port}`)
        .sort(),
    );
    for (const [name, port] of Object.entries(APPS)) expect(env(name)['PORT']).toBe(String(port));
    for (const job of config.scrape_configs) expect(job.metrics_path ?? '/metrics').toBe('/metrics');
  });

  test('sends the operator token init mints into the volume it mounts (/metrics wants one)', () => {
    for (const job of config.scrape_configs) {
      expect(job.authorization?.type).toBe('Bearer');
      const file = job.authorization?.credentials_file ?? '';
      const dir = path.posix.dirname(file);
      expect(service('prometheus').volumes).toContain(`metrics-token:${dir}:ro`);
      expect(service('init').volumes).toContain(`metrics-token:${dir}`);
      const init = [service('init').command ?? []].flat().join('\n');
      expect(init).toMatch(/npm run --silent token -- --customer \S+ --scope operator --ttl 30d > \S+/);
      expect(init).toContain(`mv ${file}.new ${file}`);
    }
    expect(service('prometheus').depends_on?.['init']).toEqual({
      condition: 'service_completed_successfully',
    });
    expect(service('prometheus').volumes).toContain(
      './stack/docker/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro',
    );
  });
});

describe('Jaeger', () => {
  test('receives OTLP over HTTP on 4318 from every service (its receivers listen on every interface)', () => {
    expect(service('jaeger').image).toMatch(/^jaegertracing\/jaeger:2\./);
    expect(env('jaeger')['JAEGER_LISTEN_HOST']).toBe('0.0.0.0');
    for (const name of [...Object.keys(APPS), 'console'])
      expect(env(name)).toMatchObject({
        OTEL_TRACES_EXPORTER: 'otlp',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://jaeger:4318',
        OTEL_SERVICE_NAME: name,
      });
  });
});
