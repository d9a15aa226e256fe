// The saga's own metrics, kept by the order service (the only one that sees a saga end to end): how many
// orders completed — final, and the customer told — and how long each took from its creation, by outcome.
// Observed once per order, after the transaction that completes it committed (tracking-saga/handler.ts
// and, for an order told before it expired, expiring-orders/sweeper.ts).
import { Counter, Histogram, type Registry } from 'prom-client';
import { SAGA_OUTCOMES, type SagaOutcome } from './tracking-saga/decide';

/** The histogram's buckets, in seconds: a saga takes from about 50 ms (idle stack) to the 5 min deadline. */
export const SAGA_DURATION_BUCKETS: readonly number[] = [
  0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];

/** Records completed sagas. */
export interface SagaMetrics {
  /** One saga completed with `outcome` at `at` (default now); its order was created at `createdAt`. */
  completed(outcome: SagaOutcome, createdAt: Date, at?: Date): void;
}

/**
 * Declares `orderflow_sagas_completed_total{outcome}` and `orderflow_saga_duration_seconds{outcome}` in
 * `registry` (once per registry), every outcome shown from the start at zero.
 */
export function sagaMetrics(registry: Registry): SagaMetrics {
  const total =
    (registry.getSingleMetric('orderflow_sagas_completed_total') as Counter<'outcome'> | undefined) ??
    new Counter({
      name: 'orderflow_sagas_completed_total',
      help: 'Sagas completed (the order final and its customer told), by outcome (confirmed, cancelled, payment_failed, expired)',
      labelNames: ['outcome'],
      registers: [registry],
    });
  const seconds =
    (registry.getSingleMetric('orderflow_saga_duration_seconds') as Histogram<'outcome'> | undefined) ??
    new Histogram({
      name: 'orderflow_saga_duration_seconds',
      help: "Time from an order's creation to its saga completing (final status, customer told), by outcome",
      labelNames: ['outcome'],
      buckets: [...SAGA_DURATION_BUCKETS],
      registers: [registry],
    });
  // A series that exists at zero lets rate() and increase() see the first saga of an outcome.
  for (const outcome of SAGA_OUTCOMES) {
    total.inc({ outcome }, 0);
    seconds.zero({ outcome });
  }
  return {
    completed(outcome, createdAt, at = new Date()) {
      total.inc({ outcome });
      // The order's creation time is this service's clock too; never a negative duration if clocks step.
      seconds.observe({ outcome }, Math.max(0, at.getTime() - createdAt.getTime()) / 1000);
    },
  };
}
