// The notification service's configuration: the only module that reads the environment.
import path from 'node:path';
import {
  authSettings,
  ConfigError,
  int,
  loadConfig,
  platformSettings,
  str,
  url,
  type Setting,
} from '@orderflow/platform';

const WEBHOOK_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

/** The webhook's name: what notifications record as their recipient (`webhook:<id>`) instead of its URL. */
function webhookId(variable: string): Setting<string> {
  const raw = str(variable, { default: 'default' });
  return {
    variable,
    read(env) {
      const id = raw.read(env);
      if (!WEBHOOK_ID.test(id))
        throw new ConfigError([
          `${variable}=${JSON.stringify(id)} is invalid; set it to a short name of lowercase letters, digits, - and _ (e.g. default, crm)`,
        ]);
      return id;
    },
  };
}

/** Every setting of the notification service, with its variable and default. */
export const notificationSettings = {
  ...platformSettings('notification', 8004),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /**
   * When set, notifications are POSTed as JSON to this URL (channel WEBHOOK) instead of only stored and
   * logged (channel LOG). A secret (it may carry a token): it stays configuration and is never stored,
   * published or logged; notifications name the webhook by `notifyWebhookId`.
   */
  notifyWebhookUrl: url('NOTIFY_WEBHOOK_URL', { optional: true, protocols: ['http:', 'https:'] }),
  /** The webhook's name; a webhook notification's recipient is `webhook:<id>` (e.g. `webhook:default`). */
  notifyWebhookId: webhookId('NOTIFY_WEBHOOK_ID'),
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
