import { createMetricsRegistry } from '@orderflow/platform';
import { sagasCounted } from '../test/harness';
import { sagaMetrics } from './saga-metrics';

const registry = () => createMetricsRegistry('order-test', { defaultMetrics: false });

/** The value /metrics shows for `name` with every one of `labels` (in whatever order it prints them). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find(
      (l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)),
    );
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('/metrics shows every outcome at zero from the start, for the counter and the histogram', async () => {
  const metrics = registry();
  sagaMetrics(metrics);
  const text = await metrics.metrics();
  for (const outcome of ['confirmed', 'cancelled', 'payment_failed', 'expired']) {
    const labels = { outcome, service: 'order-test' };
    expect(sample(text, 'orderflow_sagas_completed_total', labels)).toBe(0);
    expect(sample(text, 'orderflow_saga_duration_seconds_count', labels)).toBe(0);
  }
});

test('a completed saga adds one to its outcome and observes its age in seconds, in the bucket it falls in', async () => {
  const metrics = registry();
  const saga = sagaMetrics(metrics);
  saga.completed('confirmed', new Date('2026-01-01T00:00:00.000Z'), new Date('2026-01-01T00:00:00.180Z'));
  expect(await sagasCounted(metrics, 'confirmed')).toEqual({ completed: 1, observed: 1, seconds: 0.18 });
  expect(await sagasCounted(metrics, 'cancelled')).toEqual({ completed: 0, observed: 0, seconds: 0 });
  const text = await metrics.metrics();
  const bucket = (le: string) =>
    sample(text, 'orderflow_saga_duration_seconds_bucket', { le, outcome: 'confirmed' });
  expect([bucket('0.05'), bucket('0.1'), bucket('0.25'), bucket('300'), bucket('+Inf')]).toEqual([
    0, 0, 1, 1, 1,
  ]);
});

test('declared once per registry (the service and a test may both ask), and never a negative duration', async () => {
  const metrics = registry();
  sagaMetrics(metrics);
  const again = sagaMetrics(metrics);
  again.completed('expired', new Date('2026-01-01T00:00:01Z'), new Date('2026-01-01T00:00:00Z'));
  expect(await sagasCounted(metrics, 'expired')).toEqual({ completed: 1, observed: 1, seconds: 0 });
});
