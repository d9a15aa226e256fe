import { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  orderCreated,
  paymentFailed,
  paymentRefunded,
  paymentSuccessful,
  type InventoryUpdated,
  type OrderCreated,
} from '@orderflow/contracts';
import {
  createLogger,
  createServiceRuntime,
  on,
  type AssembledService,
  type ServiceAppOptions,
  type StartedService,
} from '@orderflow/platform';
import { capturePayment } from './capturing-payment/capture-payment';
import type { PaymentConfig } from './config';
import { createDb, type Db, type Tx } from './db';
import { gettingPayment } from './getting-payment/get-payment';
import { refundPayment } from './refunding-payment/refund-payment';

/** Overrides for tests and embedding. */
export type PaymentAppOptions = ServiceAppOptions;

/** A started payment service. */
export type StartedPaymentService = StartedService;

/** The payment service, assembled but not started. */
export type PaymentService = AssembledService<Db>;

/** Assembles the payment service: order_created → charge; inventory_updated OUT_OF_STOCK → refund; GET /payments/{orderId}. */
export function createApp(config: PaymentConfig, opts: PaymentAppOptions = {}): PaymentService {
  const logger = opts.logger ?? createLogger({ service: config.serviceName, level: config.logLevel });
  const db = createDb(config.databaseUrl);
  const registry = new SchemaRegistryClient({ url: config.schemaRegistryUrl });
  // Production never registers schemas itself (`npm run schema -- register` does); start-up then fails if they are missing.
  const autoRegister = config.environment !== 'production';
  const codecs = {
    orderCreated: orderCreated.codec(registry),
    inventoryUpdated: inventoryUpdated.codec(registry),
    paymentSuccessful: paymentSuccessful.codec(registry, { autoRegister }),
    paymentFailed: paymentFailed.codec(registry, { autoRegister }),
    paymentRefunded: paymentRefunded.codec(registry, { autoRegister }),
  };
  const runtime = createServiceRuntime<Tx>({
    name: 'payment',
    config,
    logger,
    db,
    transaction: (fn) => db.$transaction(fn, { maxWait: 10_000, timeout: 15_000 }),
    subscriptions: [
      on<OrderCreated, Tx>(
        codecs.orderCreated,
        capturePayment(codecs, { limitMinor: config.paymentLimitMinor }),
        {
          validate: (e) => orderCreated.validate(e),
        },
      ),
      on<InventoryUpdated, Tx>(codecs.inventoryUpdated, refundPayment(codecs.paymentRefunded), {
        validate: (e) => inventoryUpdated.validate(e),
      }),
    ],
    routes: gettingPayment(db),
    publishes: [codecs.paymentSuccessful, codecs.paymentFailed, codecs.paymentRefunded],
    groupId: opts.groupId,
    acceptOrder: opts.acceptOrder,
    logFields: { paymentLimitMinor: config.paymentLimitMinor },
  });

  return { http: runtime.http, db, start: runtime.start };
}
