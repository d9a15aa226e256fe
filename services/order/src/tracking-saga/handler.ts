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
import { onBatch, type BatchEventHandler, type EventContext, type Subscription } from '@orderflow/platform';
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

/** One saga event to track, with what it means for the order's state machine and its timeline line. */
export interface Tracked {
  event: SagaEvent;
  ctx: EventContext;
  fact: SagaFact;
  detail: string;
}

/**
 * Applies a chunk of saga events to their orders, set-based: the chunk's orders are locked in one
 * statement (in id order), each event is decided in partition order against the state the events before
 * it left (two events of one order in sequence), the timeline entries are written in one INSERT and the
 * changed orders in one UPDATE; publishes nothing. The cached views are dropped in one round trip after
 * the commit.
 */
export async function trackEvents(cache: OrderCache, tx: OrderTx, items: readonly Tracked[]): Promise<void> {
  const ids = [...new Set(items.map((i) => i.event.orderId.toLowerCase()))].sort();
  const rows = await tx.$queryRawUnsafe<{ id: string; status: OrderStatus; notified: boolean }[]>(
    `SELECT id::text, status::text AS status, notified_at IS NOT NULL AS notified FROM "orders" WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`,
    ids,
  );
  const state = new Map(rows.map((r) => [r.id, { status: r.status, notified: r.notified }]));
  const changed = new Map<string, { status: OrderStatus; notified: boolean; notifiedNow: boolean }>();
  const timeline: {
    orderId: string;
    eventId: string;
    type: string;
    status: OrderStatus;
    detail: string;
    at: Date;
  }[] = [];
  for (const { event, ctx, fact, detail } of items) {
    const orderId = event.orderId.toLowerCase();
    const current = state.get(orderId);
    if (!current) {
      // Every saga event follows an order_created this service committed first; one for an unknown order
      // belongs to a database that was reset while Kafka kept its history. Nothing here can act on it.
      ctx.log.warn('event for an order this database does not have; ignored');
      continue;
    }
    const decision = decide(current, fact);
    if (decision.conflict !== undefined)
      ctx.log.warn({ conflict: decision.conflict }, 'event contradicts the order’s final status');
    timeline.push({
      orderId,
      eventId: event.eventId,
      type: ctx.topic,
      status: decision.status,
      detail,
      at: event.occurredAt,
    });
    if (decision.changed) {
      ctx.log.debug(
        { from: current.status, to: decision.status, notified: decision.notified },
        'order moved',
      );
      const notifiedNow = decision.notified && !current.notified;
      changed.set(orderId, {
        status: decision.status,
        notified: decision.notified,
        notifiedNow: notifiedNow || (changed.get(orderId)?.notifiedNow ?? false),
      });
      state.set(orderId, { status: decision.status, notified: decision.notified });
    }
  }
  if (timeline.length > 0)
    await tx.$executeRawUnsafe(
      `INSERT INTO "order_events" ("order_id", "event_id", "type", "status", "detail", "occurred_at")
       SELECT order_id, event_id, type, status::order_status, detail, occurred_at
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
         AS t(order_id, event_id, type, status, detail, occurred_at)
       ON CONFLICT ("event_id") DO NOTHING`,
      timeline.map((t) => t.orderId),
      timeline.map((t) => t.eventId),
      timeline.map((t) => t.type),
      timeline.map((t) => t.status),
      timeline.map((t) => JSON.stringify(t.detail)),
      timeline.map((t) => t.at),
    );
  if (changed.size > 0) {
    const updates = [...changed];
    await tx.$executeRawUnsafe(
      `UPDATE "orders" o SET status = u.status::order_status, updated_at = now(),
              notified_at = CASE WHEN u.notified_now THEN COALESCE(o.notified_at, now()) ELSE o.notified_at END
       FROM unnest($1::uuid[], $2::text[], $3::bool[]) AS u(id, status, notified_now)
       WHERE o.id = u.id`,
      updates.map(([id]) => id),
      updates.map(([, u]) => u.status),
      updates.map(([, u]) => u.notifiedNow),
    );
  }
  // The timeline grew even when the status did not: the cached views are stale either way.
  const touched = timeline.map((t) => t.orderId);
  if (touched.length > 0) tx.afterCommit(() => cache.invalidateMany(touched));
}

/** Applies one saga event to its order ({@link trackEvents} with one event). */
export function trackEvent(
  cache: OrderCache,
  tx: OrderTx,
  ctx: EventContext,
  event: SagaEvent,
  fact: SagaFact,
  detail: string,
): Promise<void> {
  return trackEvents(cache, tx, [{ event, ctx, fact, detail }]);
}

/** The tracker of one topic: each event's fact and timeline line, applied set-based per chunk. */
function tracker<T extends SagaEvent>(
  cache: OrderCache,
  fact: (event: T) => SagaFact,
  describe: (event: T) => string,
): BatchEventHandler<T, OrderTx> {
  return async (items, tx) => {
    await trackEvents(
      cache,
      tx,
      items.map(({ event, ctx }) => ({ event, ctx, fact: fact(event), detail: describe(event) })),
    );
    return items.map(() => []);
  };
}

/** One subscription per consumed topic; the platform validates each decoded event with its generated validator first. */
export function sagaSubscriptions(
  registry: SchemaRegistryClient,
  cache: OrderCache,
): Subscription<OrderTx>[] {
  return [
    onBatch(
      paymentSuccessful,
      registry,
      tracker(cache, () => ({ kind: 'payment_successful' }), describePaymentSuccessful),
    ),
    onBatch(
      paymentFailed,
      registry,
      tracker(cache, () => ({ kind: 'payment_failed' }), describePaymentFailed),
    ),
    onBatch(
      inventoryUpdated,
      registry,
      tracker(cache, (e) => ({ kind: 'inventory_updated', outcome: e.status }), describeInventoryUpdated),
    ),
    onBatch(
      notificationSent,
      registry,
      tracker(cache, (e) => ({ kind: 'notification_sent', outcome: e.outcome }), describeNotificationSent),
    ),
    onBatch(
      paymentRefunded,
      registry,
      tracker(cache, (e) => ({ kind: 'payment_refunded', reason: e.reason }), describePaymentRefunded),
    ),
  ];
}
