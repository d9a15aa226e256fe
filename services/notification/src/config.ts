// The notification service's configuration: the only module that reads the environment.
import path from 'node:path';
import { authSettings, int, loadConfig, platformSettings, url } from '@orderflow/platform';

/** Every setting of the notification service, with its variable and default. */
export const notificationSettings = {
  ...platformSettings('notification', 8004),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /** When set, notifications are POSTed as JSON to this URL (channel WEBHOOK) instead of only stored and logged (channel LOG). */
  notifyWebhookUrl: url('NOTIFY_WEBHOOK_URL', { optional: true, protocols: ['http:', 'https:'] }),
  /**
   * How long one webhook call may take before it counts as an outage (and is retried). Capped below the
   * consumer's 15 s transaction timeout, since the call happens inside that transaction.
   */
  notifyWebhookTimeoutMs: int('NOTIFY_WEBHOOK_TIMEOUT_MS', { default: 3000, min: 100, max: 10_000 }),
};

/** The validated configuration of the notification service. */
export type NotificationConfig = ReturnType<typeof loadNotificationConfig>;

/** Reads and validates the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadNotificationConfig(env: Readonly<Record<string, string | undefined>>) {
  return loadConfig(notificationSettings, env);
}

/** The configuration from this process's environment. */
export function configFromEnvironment(): NotificationConfig {
  return loadNotificationConfig(process.env);
}
