import { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  notificationSent,
  orderExpired,
  paymentFailed,
  paymentRefunded,
  type InventoryUpdated,
  type OrderExpired,
  type PaymentFailed,
  type PaymentRefunded,
} from '@orderflow/contracts';
import {
  serviceLogger,
  createServiceRuntime,
  onBatch,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import { ACCESS } from './access';
import type { NotificationConfig } from './config';
import { createDb, type Db } from './db';
import { listingNotificationsRoute } from './listing-notifications/route';
import { LogChannel, WebhookChannel, type NotificationChannel } from './notifying-customer/channels';
import type { Trigger } from './notifying-customer/decide';
import { notifyCustomer } from './notifying-customer/handler';

/** Overrides for tests and embedding. */
export interface NotificationAppOptions extends ServiceAppOptions {
  /** Replaces the channel chosen from the configuration. */
  channel?: NotificationChannel;
}

/** A started notification service. */
export type StartedNotificationService = StartedService;

/** The notification service, assembled but not started. */
export type NotificationService = AssembledService<Db>;

/** Assembles the notification service: payment_failed / inventory_updated / payment_refunded / order_expired → one notice per order and outcome; GET /notifications. */
export function createApp(
  config: NotificationConfig,
  opts: NotificationAppOptions = {},
): NotificationService {
  const logger = opts.logger ?? serviceLogger(config);
  const db = createDb(config.databaseUrl, config.databasePoolSize);
  const registry = new SchemaRegistryClient({
    url: config.schemaRegistryUrl,
    ...(config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth }),
  });
  const channel =
    opts.channel ??
    (config.notifyWebhookUrl === undefined
      ? new LogChannel(logger.child({ component: 'notifications' }))
      : new WebhookChannel({
          id: config.notifyWebhookId,
          url: config.notifyWebhookUrl,
          timeoutMs: config.notifyWebhookTimeoutMs,
        }));
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const publishes = {
    notificationSent: notificationSent.codec(registry, { autoRegister: config.environment !== 'production' }),
  };
  const notify = <T extends Trigger['event']>(toTrigger: (event: T) => Trigger) =>
    notifyCustomer(toTrigger, channel, publishes.notificationSent);
  const runtime = createServiceRuntime({
    name: 'notification',
    config,
    logger,
    db,
    subscriptions: [
      onBatch(
        paymentFailed,
        registry,
        notify((event: PaymentFailed) => ({ type: 'PaymentFailed', event })),
      ),
      onBatch(
        inventoryUpdated,
        registry,
        notify((event: InventoryUpdated) => ({ type: 'InventoryUpdated', event })),
      ),
      onBatch(
        paymentRefunded,
        registry,
        notify((event: PaymentRefunded) => ({ type: 'PaymentRefunded', event })),
      ),
      onBatch(
        orderExpired,
        registry,
        notify((event: OrderExpired) => ({ type: 'OrderExpired', event })),
      ),
    ],
    access: ACCESS,
    routes: (app) => {
      listingNotificationsRoute(app, { db });
    },
    publishes: Object.values(publishes),
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    // The webhook by its name, never its URL (a secret).
    logFields: {
      channel: channel.kind,
      ...(channel instanceof WebhookChannel ? { webhook: channel.reference } : {}),
    },
  });

  return { http: runtime.http, db, start: runtime.start };
}
