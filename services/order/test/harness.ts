// Runs a real order service for integration tests (see tests/support/service-harness.ts), with the saga
// deadline its tests choose, and places orders whose ids the other harnesses accept (testOrderId).
import { randomUUID } from 'node:crypto';
import { Topics, orderCreatedCodec, type OrderCreated } from '@orderflow/contracts';
import { resolve } from 'node:path';
import { SchemaRegistryClient } from '@orderflow/codec';
import {
  createHttpApp,
  createLogger,
  createMetricsRegistry,
  listen,
  enqueueOutbox,
  eventHeaders,
  prismaTransactions,
  wakeOutboxRelays,
  type EventContext,
} from '@orderflow/platform';
import type { Express } from 'express';
import type { Registry } from 'prom-client';
import { startServiceHarness, type ServiceHarness } from '../../../tests/support/service-harness';
import { testOrderId } from '../../../tests/support/topic-probe';
import { devVerifier } from '../../../tests/support/auth';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { ACCESS } from '../src/access';
import { createApp, type OrderService } from '../src/app';
import { OpenApiValidator } from '../src/http/openapi-validator';
import type { PlaceOrderDeps } from '../src/placing-order/place-order';
import { placingOrderRoute } from '../src/placing-order/route';
import { loadOrderConfig } from '../src/config';
import type { OrderDb } from '../src/db';
import { recordCatalogPrices } from '../src/recording-prices/handler';
import type { SagaFact, SagaOutcome } from '../src/tracking-saga/decide';
import { describeOrderCreated } from '../src/tracking-saga/describe';
import { trackEvent, type TrackerDeps } from '../src/tracking-saga/handler';

/** A running order service under test. */
export type OrderHarness = ServiceHarness<OrderService>;

/** Starts the order service on a scratch database; `env` adds settings (e.g. ORDER_SAGA_DEADLINE_MS). */
export function startOrder(label: string, env: Record<string, string> = {}): Promise<OrderHarness> {
  return startServiceHarness(
    {
      name: 'order',
      topics: [
        Topics.PaymentSuccessful,
        Topics.PaymentFailed,
        Topics.InventoryUpdated,
        Topics.NotificationSent,
        Topics.PaymentRefunded,
        // A live stack's catalog history is not the test's: tests give their SKUs prices themselves.
        Topics.CatalogPriceSet,
      ],
      configure: (url) =>
        loadOrderConfig({ DATABASE_URL: url, ORDERFLOW_ENV: 'test', ...env, ORDER_CACHE_TTL_SECONDS: '1' }),
      createApp,
    },
    label,
  );
}

let lastVersion = 0;

/**
 * Gives the order service's catalog read model a price, as a catalog_price_set from the inventory does
 * (through the consumer's own recording code), for tests that place orders on a scratch database without
 * an inventory. Its version is the current time or one more than the last: newer than any price recorded
 * before.
 */
export async function recordPrice(
  db: OrderDb,
  sku: string,
  unitPriceMinor: number,
  currency = 'EUR',
): Promise<void> {
  const now = Date.now();
  lastVersion = Math.max(now, lastVersion + 1);
  const version = lastVersion;
  await prismaTransactions(db)((tx) =>
    recordCatalogPrices(tx, [
      { eventId: randomUUID(), occurredAt: new Date(now), sku, currency, unitPriceMinor, version },
    ]),
  );
}

/**
 * Places an order the way POST /orders does (order, lines, first timeline entry and order_created in
 * one transaction; the instance's relay publishes it), at the prices the test gives (it stands in for the
 * catalog), but under a test order id, so the harnessed
 * payment, inventory and notification instances handle it while a live stack's ignore nothing else.
 */
export async function placeTestOrder(
  harness: OrderHarness,
  order: Pick<OrderCreated, 'customer' | 'lines' | 'currency' | 'paymentToken'> & { amountMinor?: number },
): Promise<OrderCreated> {
  const codec = orderCreatedCodec(harness.registry);
  const now = new Date(Math.floor(Date.now()));
  const event: OrderCreated = {
    eventId: randomUUID(),
    occurredAt: now,
    orderId: testOrderId(),
    amountMinor: order.lines.reduce((n, l) => n + l.quantity * l.unitPriceMinor, 0),
    ...order,
  };
  await harness.service.db.$transaction(async (tx) => {
    await tx.order.create({
      data: {
        id: event.orderId,
        customerId: event.customer.id,
        ownerId: event.customer.id,
        customerEmail: event.customer.email,
        customerName: event.customer.name,
        status: 'PENDING',
        totalAmount: BigInt(event.amountMinor),
        currency: event.currency,
        createdAt: now,
        lines: {
          createMany: {
            data: event.lines.map((l, i) => ({
              lineNo: i + 1,
              sku: l.sku,
              quantity: l.quantity,
              unitPriceMinor: BigInt(l.unitPriceMinor),
            })),
          },
        },
        events: {
          create: [
            {
              eventId: event.eventId,
              type: Topics.OrderCreated,
              status: 'PENDING',
              detail: describeOrderCreated(event),
              occurredAt: now,
            },
          ],
        },
      },
    });
    await enqueueOutbox(tx, codec, event, eventHeaders());
  });
  wakeOutboxRelays();
  return event;
}

const trackLogger = createLogger({ service: 'order-test', level: 'silent' });

/** Applies one saga event (a fresh event id) to order `orderId` through the tracker, in its own transaction. */
export async function trackOne(
  deps: { prisma: OrderDb } & TrackerDeps,
  event: { orderId: string; topic: string; fact: SagaFact; detail: string; occurredAt?: Date },
): Promise<void> {
  const eventId = randomUUID();
  const ctx = {
    topic: event.topic,
    partition: 0,
    offset: '0',
    headers: {},
    correlationId: undefined,
    traceparent: undefined,
    eventId,
    log: trackLogger,
    outgoingHeaders: () => eventHeaders(),
  } satisfies EventContext;
  await prismaTransactions(deps.prisma)((tx) =>
    trackEvent(
      deps,
      tx,
      ctx,
      { eventId, orderId: event.orderId, occurredAt: event.occurredAt ?? new Date() },
      event.fact,
      event.detail,
    ),
  );
}

/**
 * What `registry`'s /metrics shows for sagas completed with `outcome`: the counter, and the duration
 * histogram's count and sum (seconds).
 */
export async function sagasCounted(
  registry: Registry,
  outcome: SagaOutcome,
): Promise<{ completed: number; observed: number; seconds: number }> {
  const values = async (name: string) => (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const of = (v: { labels: Partial<Record<string, string | number>> }): boolean =>
    v.labels['outcome'] === outcome;
  const completed = (await values('orderflow_sagas_completed_total')).find(of)?.value ?? 0;
  const histogram = (await values('orderflow_saga_duration_seconds')).filter(of);
  const part = (suffix: string): number =>
    histogram.find(
      (v) => (v as { metricName?: string }).metricName === `orderflow_saga_duration_seconds_${suffix}`,
    )?.value ?? 0;
  return { completed, observed: part('count'), seconds: part('sum') };
}

const OPENAPI = resolve(__dirname, '../../../schemas/openapi/order-api.yaml');

/**
 * Order routes alone behind the real HTTP kit (dev-issuer tokens, the service's access table, the
 * platform's error handler), on an ephemeral port, for tests that choose the routes' deps.
 */
export async function serveOrderRoutes(
  label: string,
  routes: (app: Express, validator: OpenApiValidator) => void,
): Promise<{ base: string; close: () => Promise<void> }> {
  const validator = OpenApiValidator.fromFile(OPENAPI);
  const app = createHttpApp({
    logger: createLogger({ service: 'order-test', level: 'silent' }),
    metrics: createMetricsRegistry(`order-${label}-test`, { defaultMetrics: false }),
    readiness: [],
    routes: (a) => routes(a, validator),
    auth: { verifier: await devVerifier(), access: ACCESS },
  });
  const s = await listen(app, 0);
  return { base: `http://127.0.0.1:${s.port}`, close: s.close };
}

/** POST /orders alone, as app.ts mounts it (the real registry for order_created's schema id). */
export function servePlacingOrders(
  label: string,
  deps: Omit<PlaceOrderDeps, 'orderCreated'>,
): Promise<{ base: string; close: () => Promise<void> }> {
  return serveOrderRoutes(label, (a, validator) =>
    placingOrderRoute(a, {
      ...deps,
      orderCreated: orderCreatedCodec(new SchemaRegistryClient({ url: REGISTRY_URL })),
      validator,
    }),
  );
}
