import { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  orderCreated,
  orderExpired,
  paymentFailed,
  paymentRefunded,
  paymentSuccessful,
} from '@orderflow/contracts';
import {
  serviceLogger,
  createServiceRuntime,
  on,
  onBatch,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import { ACCESS } from './access';
import { capturePayments } from './capturing-payment/handler';
import type { PaymentConfig } from './config';
import { createDb, type Db } from './db';
import { gettingPaymentRoute } from './getting-payment/route';
import { refundExpiredOrder, refundPayment } from './refunding-payment/handler';

/** Overrides for tests and embedding. */
export type PaymentAppOptions = ServiceAppOptions;

/** A started payment service. */
export type StartedPaymentService = StartedService;

/** The payment service, assembled but not started. */
export type PaymentService = AssembledService<Db>;

/** Assembles the payment service: order_created → charge; inventory_updated OUT_OF_STOCK or order_expired → refund; GET /payments/{orderId}. */
export function createApp(config: PaymentConfig, opts: PaymentAppOptions = {}): PaymentService {
  const logger = opts.logger ?? serviceLogger(config);
  const db = createDb(config.databaseUrl, config.databasePoolSize);
  const registry = new SchemaRegistryClient({
    url: config.schemaRegistryUrl,
    ...(config.schemaRegistryAuth === undefined ? {} : { auth: config.schemaRegistryAuth }),
  });
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const autoRegister = config.environment !== 'production';
  const publishes = {
    paymentSuccessful: paymentSuccessful.codec(registry, { autoRegister }),
    paymentFailed: paymentFailed.codec(registry, { autoRegister }),
    paymentRefunded: paymentRefunded.codec(registry, { autoRegister }),
  };
  const runtime = createServiceRuntime({
    name: 'payment',
    config,
    logger,
    db,
    subscriptions: [
      onBatch(orderCreated, registry, capturePayments(publishes, { limitMinor: config.paymentLimitMinor })),
      on(inventoryUpdated, registry, refundPayment(publishes.paymentRefunded)),
      on(orderExpired, registry, refundExpiredOrder(publishes.paymentRefunded)),
    ],
    access: ACCESS,
    routes: (app) => {
      gettingPaymentRoute(app, { db });
    },
    publishes: Object.values(publishes),
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    logFields: { paymentLimitMinor: config.paymentLimitMinor },
  });

  return { http: runtime.http, db, start: runtime.start };
}
