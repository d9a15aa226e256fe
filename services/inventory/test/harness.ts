// Runs a real inventory service for integration tests (see tests/support/service-harness.ts).
import { Topics } from '@orderflow/contracts';
import { startServiceHarness, type ServiceHarness } from '../../../tests/support/service-harness';
import { createApp, type InventoryService } from '../src/app';
import { loadInventoryConfig } from '../src/config';

/** A running inventory service under test. */
export type InventoryHarness = ServiceHarness<InventoryService>;

/** Starts the inventory service on a scratch database; `env` adds settings (e.g. STOCK_CACHE_TTL_SECONDS). */
export function startInventory(label: string, env: Record<string, string> = {}): Promise<InventoryHarness> {
  return startServiceHarness(
    {
      name: 'inventory',
      topics: [Topics.PaymentSuccessful, Topics.OrderExpired],
      configure: (url) => loadInventoryConfig({ DATABASE_URL: url, ORDERFLOW_ENV: 'test', ...env }),
      createApp,
    },
    label,
  );
}
