// Runs a real notification service for integration tests (see tests/support/service-harness.ts).
import { Topics } from '@orderflow/contracts';
import { startServiceHarness, type ServiceHarness } from '../../../tests/support/service-harness';
import { createApp, type NotificationService } from '../src/app';
import { loadNotificationConfig } from '../src/config';

/** A running notification service under test. */
export type NotificationHarness = ServiceHarness<NotificationService>;

/** Starts the notification service on a scratch database; `env` adds settings (e.g. NOTIFY_WEBHOOK_URL). */
export function startNotification(
  label: string,
  env: Record<string, string> = {},
): Promise<NotificationHarness> {
  return startServiceHarness(
    {
      name: 'notification',
      topics: [Topics.PaymentFailed, Topics.InventoryUpdated, Topics.PaymentRefunded, Topics.OrderExpired],
      configure: (url) => loadNotificationConfig({ DATABASE_URL: url, ORDERFLOW_ENV: 'test', ...env }),
      createApp,
    },
    label,
  );
}
