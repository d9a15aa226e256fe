// The metrics a service's /metrics can show, derived from the code: the platform's metrics, the order
// service's saga metrics, and every asyncGauge a service or the platform registers (found by scanning the
// sources). The dashboard check and the README's metrics table are held to it.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sagaMetrics } from '@orderflow/order-service/metrics';
import { createMetricsRegistry, platformMetrics } from '@orderflow/platform';

const root = path.resolve(__dirname, '..', '..');

/** One metric family: its name, its type and the labels it declares (every series also has `service`). */
export interface MetricFamily {
  name: string;
  type: string;
  labels: string[];
}

/** Every metric family the services export; Node's default process metrics only when `defaultMetrics`. */
export async function metricFamilies(opts: { defaultMetrics: boolean }): Promise<MetricFamily[]> {
  const registry = createMetricsRegistry('any', opts);
  platformMetrics(registry);
  // A service's own metrics, declared by the function its app declares them with.
  sagaMetrics(registry);
  const families: MetricFamily[] = [];
  for (const m of await registry.getMetricsAsJSON()) {
    const labels =
      (registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] }).labelNames ?? [];
    families.push({ name: m.name, type: String(m.type), labels: [...labels] });
  }
  // Gauges computed at scrape time (asyncGauge(registry, 'name', ...)) are registered where they are read.
  for (const file of sourceFiles()) {
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/asyncGauge\(\s*[\w.]+,\s*'(\w+)'/g))
      if (!families.some((f) => f.name === name)) families.push({ name: name!, type: 'gauge', labels: [] });
  }
  return families;
}

/** The non-test TypeScript sources of the platform and the services. */
function sourceFiles(): string[] {
  const dirs = [path.join(root, 'packages', 'platform', 'src')];
  for (const s of readdirSync(path.join(root, 'services'))) dirs.push(path.join(root, 'services', s, 'src'));
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'generated') walk(full);
      else if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
        files.push(full);
    }
  };
  for (const d of dirs) walk(d);
  return files;
}
