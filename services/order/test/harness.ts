// Runs a real order service for integration tests (see tests/support/service-harness.ts), with the saga
// deadline its tests choose, and places orders whose ids the other harnesses accept (testOrderId).
import { randomUUID } from 'node:crypto';
import { Topics, orderCreatedCodec, type OrderCreated } from '@orderflow/contracts';
import { enqueueOutbox, eventHeaders, wakeOutboxRelays } from '@orderflow/platform';
import { startServiceHarness, type ServiceHarness } from '../../../tests/support/service-harness';
import { testOrderId } from '../../../tests/support/topic-probe';
import { createApp, type OrderService } from '../src/app';
import { loadOrderConfig } from '../src/config';
import { describeOrderCreated } from '../src/tracking-saga/describe';

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
      ],
      configure: (url) =>
        loadOrderConfig({ DATABASE_URL: url, ORDERFLOW_ENV: 'test', ...env, ORDER_CACHE_TTL_SECONDS: '1' }),
      createApp,
    },
    label,
  );
}

/**
 * Places an order the way POST /orders does (order, lines, first timeline entry and order_created in
 * one transaction; the instance's relay publishes it), but under a test order id, so the harnessed
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
