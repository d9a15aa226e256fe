// Runs a real payment service for integration tests (see tests/support/service-harness.ts).
import { Topics } from '@orderflow/contracts';
import { startServiceHarness, type ServiceHarness } from '../../../tests/support/service-harness';
import { createApp, type PaymentService } from '../src/app';
import { loadPaymentConfig } from '../src/config';

/** A running payment service under test. */
export type PaymentHarness = ServiceHarness<PaymentService>;

/** Starts the payment service on a scratch database; `env` adds settings (e.g. PAYMENT_LIMIT_MINOR). */
export function startPayment(label: string, env: Record<string, string> = {}): Promise<PaymentHarness> {
  return startServiceHarness(
    {
      name: 'payment',
      topics: [Topics.OrderCreated, Topics.InventoryUpdated, Topics.OrderExpired],
      configure: (url) => loadPaymentConfig({ DATABASE_URL: url, ORDERFLOW_ENV: 'test', ...env }),
      createApp,
    },
    label,
  );
}
