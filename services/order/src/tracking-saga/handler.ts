// The saga tracker: consumes the downstream topics and moves each order through its states. Each event
// is applied in one transaction with its inbox row (the platform's ConsumerRunner), under a row lock on
// the order, so events of one order arriving on different topics at once are applied one after another.
import type { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  notificationSent,
  paymentFailed,
  paymentRefunded,
  paymentSuccessful,
} from '@orderflow/contracts';
import { on, type EventContext, type Subscription } from '@orderflow/platform';
import type { OrderTx } from '../db';
import type { OrderCache } from '../order-cache';
import { decide, type OrderStatus, type SagaFact } from './decide';
import {
  describeInventoryUpdated,
  describeNotificationSent,
  describePaymentFailed,
  describePaymentRefunded,
  describePaymentSuccessful,
} from './describe';

interface SagaEvent {
  eventId: string;
  orderId: string;
  occurredAt: Date;
}

/** Applies one saga event to its order: a timeline entry always, a status change when the machine says so; publishes nothing. */
export async function trackEvent(
  cache: OrderCache,
  tx: OrderTx,
  ctx: EventContext,
  event: SagaEvent,
  fact: SagaFact,
  detail: string,
): Promise<void> {
  const rows = await tx.$queryRawUnsafe<{ status: OrderStatus; notified: boolean }[]>(
    `SELECT status::text AS status, notified_at IS NOT NULL AS notified FROM "orders" WHERE id = $1::uuid FOR UPDATE`,
    event.orderId,
  );
  const current = rows[0];
  if (!current) {
    // Every saga event follows an order_created this service committed first; one for an unknown order
    // belongs to a database that was reset while Kafka kept its history. Nothing here can act on it.
    ctx.log.warn('event for an order this database does not have; ignored');
    return;
  }
  const decision = decide(current, fact);
  if (decision.conflict !== undefined)
    ctx.log.warn({ conflict: decision.conflict }, 'event contradicts the order’s final status');
  await tx.$executeRawUnsafe(
    `INSERT INTO "order_events" ("order_id", "event_id", "type", "status", "detail", "occurred_at")
     VALUES ($1::uuid, $2::uuid, $3, $4::order_status, $5::jsonb, $6) ON CONFLICT ("event_id") DO NOTHING`,
    event.orderId,
    event.eventId,
    ctx.topic,
    decision.status,
    JSON.stringify(detail),
    event.occurredAt,
  );
  if (decision.changed) {
    await tx.db.order.update({
      where: { id: event.orderId },
      data: {
        status: decision.status,
        ...(decision.notified && !current.notified ? { notifiedAt: new Date() } : {}),
      },
    });
    ctx.log.info({ from: current.status, to: decision.status, notified: decision.notified }, 'order moved');
  }
  // The timeline grew even when the status did not: the cached view is stale either way.
  tx.afterCommit(() => cache.invalidate(event.orderId));
}

/** One subscription per consumed topic; the platform validates each decoded event with its generated validator first. */
export function sagaSubscriptions(
  registry: SchemaRegistryClient,
  cache: OrderCache,
): Subscription<OrderTx>[] {
  return [
    on(paymentSuccessful, registry, (e, tx: OrderTx, ctx) =>
      trackEvent(cache, tx, ctx, e, { kind: 'payment_successful' }, describePaymentSuccessful(e)),
    ),
    on(paymentFailed, registry, (e, tx: OrderTx, ctx) =>
      trackEvent(cache, tx, ctx, e, { kind: 'payment_failed' }, describePaymentFailed(e)),
    ),
    on(inventoryUpdated, registry, (e, tx: OrderTx, ctx) =>
      trackEvent(
        cache,
        tx,
        ctx,
        e,
        { kind: 'inventory_updated', outcome: e.status },
        describeInventoryUpdated(e),
      ),
    ),
    on(notificationSent, registry, (e, tx: OrderTx, ctx) =>
      trackEvent(
        cache,
        tx,
        ctx,
        e,
        { kind: 'notification_sent', outcome: e.outcome },
        describeNotificationSent(e),
      ),
    ),
    on(paymentRefunded, registry, (e, tx: OrderTx, ctx) =>
      trackEvent(
        cache,
        tx,
        ctx,
        e,
        { kind: 'payment_refunded', reason: e.reason },
        describePaymentRefunded(e),
      ),
    ),
  ];
}
