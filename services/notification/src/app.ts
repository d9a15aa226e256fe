import { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  notificationSent,
  paymentFailed,
  paymentRefunded,
  type InventoryUpdated,
  type PaymentFailed,
  type PaymentRefunded,
} from '@orderflow/contracts';
import {
  createLogger,
  createServiceRuntime,
  on,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import type { NotificationConfig } from './config';
import { createDb, type Db, type Tx } from './db';
import { listingNotifications } from './listing-notifications/list-notifications';
import { LogChannel, WebhookChannel, type NotificationChannel } from './notifying-customer/channels';
import { notifyCustomer } from './notifying-customer/notify-customer';

/** Overrides for tests and embedding. */
export interface NotificationAppOptions extends ServiceAppOptions {
  /** Replaces the channel chosen from the configuration. */
  channel?: NotificationChannel;
}

/** A started notification service. */
export type StartedNotificationService = StartedService;

/** The notification service, assembled but not started. */
export type NotificationService = AssembledService<Db>;

/** Assembles the notification service: payment_failed / inventory_updated / payment_refunded → one notice per order and outcome; GET /notifications. */
export function createApp(
  config: NotificationConfig,
  opts: NotificationAppOptions = {},
): NotificationService {
  const logger = opts.logger ?? createLogger({ service: config.serviceName, level: config.logLevel });
  const db = createDb(config.databaseUrl);
  const registry = new SchemaRegistryClient({ url: config.schemaRegistryUrl });
  const channel =
    opts.channel ??
    (config.notifyWebhookUrl === undefined
      ? new LogChannel(logger.child({ component: 'notifications' }))
      : new WebhookChannel(config.notifyWebhookUrl, config.notifyWebhookTimeoutMs));
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const codecs = {
    paymentFailed: paymentFailed.codec(registry),
    inventoryUpdated: inventoryUpdated.codec(registry),
    paymentRefunded: paymentRefunded.codec(registry),
    notificationSent: notificationSent.codec(registry, { autoRegister: config.environment !== 'production' }),
  };
  const runtime = createServiceRuntime<Tx>({
    name: 'notification',
    config,
    logger,
    db,
    transaction: (fn) => db.$transaction(fn, { maxWait: 10_000, timeout: 15_000 }),
    subscriptions: [
      on<PaymentFailed, Tx>(
        codecs.paymentFailed,
        notifyCustomer(
          (event: PaymentFailed) => ({ type: 'PaymentFailed', event }),
          channel,
          codecs.notificationSent,
        ),
        { validate: (e) => paymentFailed.validate(e) },
      ),
      on<InventoryUpdated, Tx>(
        codecs.inventoryUpdated,
        notifyCustomer(
          (event: InventoryUpdated) => ({ type: 'InventoryUpdated', event }),
          channel,
          codecs.notificationSent,
        ),
        { validate: (e) => inventoryUpdated.validate(e) },
      ),
      on<PaymentRefunded, Tx>(
        codecs.paymentRefunded,
        notifyCustomer(
          (event: PaymentRefunded) => ({ type: 'PaymentRefunded', event }),
          channel,
          codecs.notificationSent,
        ),
        { validate: (e) => paymentRefunded.validate(e) },
      ),
    ],
    routes: listingNotifications(db),
    publishes: [codecs.notificationSent],
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    logFields: { channel: channel.kind },
  });

  return { http: runtime.http, db, start: runtime.start };
}
