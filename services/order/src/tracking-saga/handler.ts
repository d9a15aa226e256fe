// The saga tracker: consumes the downstream topics and moves each order through its states. Each event
// is applied in one transaction with its inbox row (the platform's ConsumerRunner), under a row lock on
// the order, so events of one order arriving on different topics at once are applied one after another.
// A transition that completes an order's saga is counted in the saga metrics once its transaction commits.
import type { SchemaRegistryClient } from '@orderflow/codec';
import {
  inventoryUpdated,
  notificationSent,
  paymentFailed,
  paymentRefunded,
  paymentSuccessful,
} from '@orderflow/contracts';
import {
  onBatch,
  PermanentEventError,
  type ConsumedTopic,
  type EventContext,
  type EventEnvelope,
  type HandledEvent,
  type HandlerResult,
  type JointHandler,
  type Logger,
  type Subscription,
} from '@orderflow/platform';
import type { OrderTx } from '../db';
import type { OrderCache } from '../order-cache';
import type { OrderChanges } from '../getting-order/order-changes';
import { loadOrderViewsSql } from '../order-view';
import type { SagaMetrics } from '../saga-metrics';
import {
  decide,
  sagaCompletion,
  type Charge,
  type OrderRecord,
  type OrderStatus,
  type SagaFact,
  type SagaOutcome,
} from './decide';
import {
  describeInventoryUpdated,
  describeNotificationSent,
  describePaymentFailed,
  describePaymentRefunded,
  describePaymentSuccessful,
} from './describe';

/**
 * What the tracker works with besides the transaction: the cached views it drops, the metrics it counts
 * in, and (optionally) the held reads of this process, whose completed orders' views it hands over.
 */
export interface TrackerDeps {
  cache: Pick<OrderCache, 'invalidateMany'>;
  metrics: SagaMetrics;
  changes?: Pick<OrderChanges, 'waitedFor'> | undefined;
}

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

/** An event kept aside until the order's records support it (order_deferred_events). */
interface Deferred {
  eventId: string;
  type: string;
  fact: SagaFact;
  detail: string;
  at: Date;
  /** Already a row (from an earlier chunk), or deferred by this chunk. */
  stored: boolean;
  log: Logger | undefined;
}

interface OrderRow {
  id: string;
  status: OrderStatus;
  notified: boolean;
  amount_minor: string;
  currency: string;
  payment_id: string | null;
  created_at: Date;
  /** JSON array of the order's deferred events, oldest first (text: pg and Prisma parse json differently). */
  deferred: string;
}

// A chunk's writes, one data-modifying CTE each (PostgreSQL runs every one to completion, on the same
// snapshot; they touch disjoint rows): the timeline entries ($1-$6), the changed orders ($7-$10), the
// events deferred now ($11-$17, with the reason when refused before the chunk ended), the stored deferred
// events now applied ($18, deleted) and those now refused ($19-$20, kept with the reason). Empty arrays
// write nothing.
const CHUNK_WRITES = `
WITH timeline AS (
  INSERT INTO "order_events" ("order_id", "event_id", "type", "status", "detail", "occurred_at")
  SELECT order_id, event_id, type, status::order_status, detail, occurred_at
  FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[])
    AS t(order_id, event_id, type, status, detail, occurred_at)
  ON CONFLICT ("event_id") DO NOTHING
), moved AS (
  UPDATE "orders" o SET status = u.status::order_status, updated_at = now(),
         payment_id = COALESCE(o.payment_id, u.payment_id),
         notified_at = CASE WHEN u.notified_now THEN COALESCE(o.notified_at, now()) ELSE o.notified_at END
  FROM unnest($7::uuid[], $8::text[], $9::bool[], $10::uuid[]) AS u(id, status, notified_now, payment_id)
  WHERE o.id = u.id
), deferring AS (
  INSERT INTO "order_deferred_events" ("order_id", "event_id", "type", "fact", "detail", "occurred_at", "refused_reason", "refused_at")
  SELECT order_id, event_id, type, fact, detail, occurred_at, refused_reason,
         CASE WHEN refused_reason IS NULL THEN NULL ELSE now() END
  FROM unnest($11::uuid[], $12::uuid[], $13::text[], $14::jsonb[], $15::jsonb[], $16::timestamptz[], $17::text[])
    AS t(order_id, event_id, type, fact, detail, occurred_at, refused_reason)
  ON CONFLICT ("event_id") DO NOTHING
), applied AS (
  DELETE FROM "order_deferred_events" WHERE event_id = ANY($18::uuid[])
), refused AS (
  UPDATE "order_deferred_events" d SET refused_reason = r.reason, refused_at = now()
  FROM unnest($19::uuid[], $20::text[]) AS r(event_id, reason) WHERE d.event_id = r.event_id
)
SELECT 1`;

/** Thrown for an event its order's records contradict: the runtime dead-letters it with the reason. */
function inconsistent(topic: string, orderId: string, reason: string): PermanentEventError {
  return new PermanentEventError('INCONSISTENT_EVENT', `${topic} for order ${orderId} refused: ${reason}`);
}

/**
 * Applies a chunk of saga events to their orders, set-based: the chunk's orders are locked in one
 * statement (in id order), then their records (amount, currency, recorded payment) and the events
 * deferred for them are read in a second one; each event is decided in partition order against the
 * state the events before it left (two events of one order in sequence); then every write (timeline
 * entries, changed orders, deferrals) goes in one statement (CHUNK_WRITES). Publishes nothing. After
 * the commit, the sagas the chunk completed are counted and the cached views dropped in one round trip.
 *
 * An event its order's records contradict throws a PermanentEventError (INCONSISTENT_EVENT): the chunk
 * rolls back and the runtime splits it down to that event, which is dead-lettered with the reason while
 * the others commit — so a refused event is in neither the status nor the timeline. An event that came
 * before what it depends on, from another topic, is deferred; each time its order's records change, its
 * deferred events are decided again, in arrival order: applied (timeline, status), still deferred, or
 * refused — the latter can no longer be dead-lettered (its offset was committed when it was deferred), so
 * it stays in order_deferred_events with the reason, and is logged as an error.
 */
export async function trackEvents(deps: TrackerDeps, tx: OrderTx, items: readonly Tracked[]): Promise<void> {
  const ids = [...new Set(items.map((i) => i.event.orderId.toLowerCase()))].sort();
  // Lock first, read after: a statement's snapshot is taken when it starts, so rows read in the locking
  // statement itself could predate the transaction it waited for (a reservation that transaction just
  // deferred would be missed, and its order left PAID). The second statement starts once the locks are
  // held and sees everything committed for these orders; nobody else may change them until we commit.
  await tx.$queryRawUnsafe(`SELECT 1 FROM "orders" WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, ids);
  const rows = await tx.$queryRawUnsafe<OrderRow[]>(
    `SELECT o.id::text, o.status::text AS status, o.notified_at IS NOT NULL AS notified,
            o.total_amount::text AS amount_minor, o.currency::text AS currency, o.payment_id::text AS payment_id, o.created_at,
            COALESCE((SELECT json_agg(json_build_object('eventId', d.event_id, 'type', d.type, 'fact', d.fact,
                                                        'detail', d.detail, 'at', d.occurred_at) ORDER BY d.id)
                      FROM "order_deferred_events" d
                      WHERE d.order_id = o.id AND d.refused_reason IS NULL), '[]')::text AS deferred
     FROM "orders" o WHERE o.id = ANY($1::uuid[])`,
    ids,
  );
  const records = new Map<string, OrderRecord>();
  const createdAt = new Map<string, Date>();
  const deferred = new Map<string, Deferred[]>();
  for (const r of rows) {
    records.set(r.id, {
      status: r.status,
      notified: r.notified,
      amountMinor: r.amount_minor,
      currency: r.currency.trim(),
      paymentId: r.payment_id,
    });
    createdAt.set(r.id, r.created_at);
    const waiting = JSON.parse(r.deferred) as {
      eventId: string;
      type: string;
      fact: SagaFact;
      detail: string;
      at: string;
    }[];
    if (waiting.length > 0)
      deferred.set(
        r.id,
        waiting.map((d) => ({ ...d, at: new Date(d.at), stored: true, log: undefined })),
      );
  }
  const initial = new Map([...records].map(([id, r]) => [id, r]));
  const timeline: {
    orderId: string;
    eventId: string;
    type: string;
    status: OrderStatus;
    detail: string;
    at: Date;
  }[] = [];
  /** Stored deferred events now applied (deleted) or refused (kept with the reason). */
  const applied: string[] = [];
  const refused: { eventId: string; reason: string }[] = [];
  /** Events this chunk defers (inserted; with the reason when refused before the chunk ended). */
  const deferring = new Map<string, Deferred & { orderId: string; refusedReason?: string }>();

  /** The order's records changed: decide its deferred events again, oldest first, until none moves. */
  const replay = (orderId: string, log: Logger): void => {
    for (let progress = true; progress;) {
      progress = false;
      const waiting = deferred.get(orderId) ?? [];
      for (const d of [...waiting]) {
        const verdict = decide(records.get(orderId)!, d.fact);
        if (verdict.verdict === 'defer') continue;
        waiting.splice(waiting.indexOf(d), 1);
        if (verdict.verdict === 'refuse') {
          if (d.stored) refused.push({ eventId: d.eventId, reason: verdict.reason });
          else deferring.get(d.eventId)!.refusedReason = verdict.reason;
          (d.log ?? log).error(
            { orderId, deferredEventId: d.eventId, type: d.type, reason: verdict.reason },
            'a deferred event contradicts what the order recorded since; refused, never applied',
          );
          continue;
        }
        if (d.stored) applied.push(d.eventId);
        else deferring.delete(d.eventId);
        records.set(orderId, verdict.record);
        timeline.push({
          orderId,
          eventId: d.eventId,
          type: d.type,
          status: verdict.record.status,
          detail: d.detail,
          at: d.at,
        });
        if (verdict.changed) progress = true;
      }
    }
  };

  for (const { event, ctx, fact, detail } of items) {
    const orderId = event.orderId.toLowerCase();
    const current = records.get(orderId);
    // Every saga event follows an order this service committed before it published order_created: an
    // event for an order it does not have can never become applicable (a forgery, or a database reset
    // while Kafka kept its history). It is skipped with a warning, never applied. Not dead-lettered: a
    // replay would meet the same missing order and dead-letter it again, and a stream of them would
    // split every chunk down to single messages.
    if (!current) {
      ctx.log.warn('event for an order this database does not have; ignored');
      continue;
    }
    const verdict = decide(current, fact);
    if (verdict.verdict === 'refuse') throw inconsistent(ctx.topic, orderId, verdict.reason);
    if (verdict.verdict === 'defer') {
      ctx.log.debug({ waitingFor: verdict.waitingFor }, 'event came before what it depends on; deferred');
      const d: Deferred = {
        eventId: event.eventId,
        type: ctx.topic,
        fact,
        detail,
        at: event.occurredAt,
        stored: false,
        log: ctx.log,
      };
      deferred.set(orderId, [...(deferred.get(orderId) ?? []), d]);
      deferring.set(event.eventId, { ...d, orderId });
      continue;
    }
    records.set(orderId, verdict.record);
    timeline.push({
      orderId,
      eventId: event.eventId,
      type: ctx.topic,
      status: verdict.record.status,
      detail,
      at: event.occurredAt,
    });
    if (verdict.changed) {
      ctx.log.debug({ from: current.status, to: verdict.record.status }, 'order moved');
      replay(orderId, ctx.log);
    }
  }
  const updates = [...records].filter(([id, r]) => {
    const before = initial.get(id)!;
    return r.status !== before.status || r.notified !== before.notified || r.paymentId !== before.paymentId;
  });
  const deferrals = [...deferring.values()];
  // Every write of the chunk in one statement (one round trip while the orders are locked).
  if (timeline.length + updates.length + deferrals.length + applied.length + refused.length > 0)
    await tx.$executeRawUnsafe(
      CHUNK_WRITES,
      timeline.map((t) => t.orderId),
      timeline.map((t) => t.eventId),
      timeline.map((t) => t.type),
      timeline.map((t) => t.status),
      timeline.map((t) => JSON.stringify(t.detail)),
      timeline.map((t) => t.at),
      updates.map(([id]) => id),
      updates.map(([, r]) => r.status),
      updates.map(([id, r]) => r.notified && !initial.get(id)!.notified),
      updates.map(([, r]) => r.paymentId),
      deferrals.map((d) => d.orderId),
      deferrals.map((d) => d.eventId),
      deferrals.map((d) => d.type),
      deferrals.map((d) => JSON.stringify(d.fact)),
      deferrals.map((d) => JSON.stringify(d.detail)),
      deferrals.map((d) => d.at),
      deferrals.map((d) => d.refusedReason ?? null),
      applied,
      refused.map((r) => r.eventId),
      refused.map((r) => r.reason),
    );
  // Counted only once committed: a chunk that rolls back (and is split and retried) counts nothing, and
  // the retry sees the same orders not completed yet. First, so a failing cache drop cannot skip it.
  const completed: { id: string; outcome: SagaOutcome; createdAt: Date }[] = [];
  for (const [id, r] of updates) {
    const outcome = sagaCompletion(initial.get(id)!, r);
    if (outcome !== undefined) completed.push({ id, outcome, createdAt: createdAt.get(id)! });
  }
  if (completed.length > 0)
    tx.afterCommit(() => {
      const at = new Date();
      for (const c of completed) deps.metrics.completed(c.outcome, c.createdAt, at);
    });
  // The timeline grew even when the status did not: the cached views are stale either way. The reads
  // held until an order completes (GET ?wait) wake only for the orders this chunk completed; those held
  // in this process get the completed view, read here in one statement while the orders are locked
  // (exactly what commits), instead of each reading it again once woken.
  const touched = [...new Set(timeline.map((t) => t.orderId))];
  const awaited = deps.changes?.waitedFor(completed.map((c) => c.id)) ?? [];
  const views =
    awaited.length > 0
      ? await loadOrderViewsSql((sql, ids) => tx.$queryRawUnsafe(sql, ids), awaited)
      : undefined;
  if (touched.length > 0)
    tx.afterCommit(() =>
      deps.cache.invalidateMany(touched, { completed: completed.map((c) => c.id), views }),
    );
}

/** Applies one saga event to its order ({@link trackEvents} with one event). */
export function trackEvent(
  deps: TrackerDeps,
  tx: OrderTx,
  ctx: EventContext,
  event: SagaEvent,
  fact: SagaFact,
  detail: string,
): Promise<void> {
  return trackEvents(deps, tx, [{ event, ctx, fact, detail }]);
}

/** The charge an event names, as the state machine compares it with the order's records. */
function charge(e: { paymentId: string; amountMinor: number; currency: string }): Charge {
  return { paymentId: e.paymentId, amountMinor: e.amountMinor, currency: e.currency };
}

/**
 * One subscription per consumed topic; the platform validates each decoded event with its generated
 * validator first. They share one joint handler: the events of every topic a transaction takes are
 * tracked in one {@link trackEvents} call (one lock, one read, one write for all of them).
 */
export function sagaSubscriptions(
  registry: SchemaRegistryClient,
  deps: TrackerDeps,
): Subscription<OrderTx>[] {
  /** Per topic: an event's fact and timeline line. */
  const meanings = new Map<string, (item: HandledEvent) => Tracked>();
  const handle = async (items: readonly HandledEvent[], tx: OrderTx): Promise<HandlerResult[]> => {
    await trackEvents(
      deps,
      tx,
      items.map((item) => meanings.get(item.ctx.topic)!(item)),
    );
    return items.map(() => []);
  };
  const joint: JointHandler<OrderTx> = { handle };
  const track = <T extends SagaEvent & EventEnvelope>(
    descriptor: ConsumedTopic<T>,
    fact: (event: T) => SagaFact,
    describe: (event: T) => string,
  ): Subscription<OrderTx> => {
    // Decoded by this topic's codec and checked by its validator: the events are T.
    meanings.set(descriptor.topic, ({ event, ctx }) => ({
      event: event as T,
      ctx,
      fact: fact(event as T),
      detail: describe(event as T),
    }));
    return { ...onBatch(descriptor, registry, handle), joint };
  };
  return [
    track(
      paymentSuccessful,
      (e) => ({ kind: 'payment_successful', ...charge(e) }),
      describePaymentSuccessful,
    ),
    track(paymentFailed, (e) => ({ kind: 'payment_failed', ...charge(e) }), describePaymentFailed),
    track(
      inventoryUpdated,
      (e) => ({ kind: 'inventory_updated', outcome: e.status, ...charge(e) }),
      describeInventoryUpdated,
    ),
    track(
      notificationSent,
      (e) => ({ kind: 'notification_sent', outcome: e.outcome }),
      describeNotificationSent,
    ),
    track(
      paymentRefunded,
      (e) => ({ kind: 'payment_refunded', reason: e.reason, ...charge(e) }),
      describePaymentRefunded,
    ),
  ];
}
