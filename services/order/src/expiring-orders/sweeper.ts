// The saga deadline sweeper: every interval it locks a batch of orders that are still PENDING or PAID
// past their deadline (FOR UPDATE SKIP LOCKED, so several order instances share the work and never wait
// on a row the saga tracker holds), ends each one EXPIRED with a timeline entry saying why, and enqueues
// order_expired in the same transaction (outbox). The saga tracker locks the same row before applying an
// event, so a late event sees EXPIRED and records itself without moving it (tracking-saga/decide.ts).
// Expiring an order whose customer was already told (an UNKNOWN notice) completes its saga: counted in
// the saga metrics once the transaction committed. Usually the expiry notice completes it later.
import type { OrderExpired } from '@orderflow/contracts';
import {
  endSpan,
  enqueueOutbox,
  eventHeaders,
  OrderflowAttr,
  SpanKind,
  startSpan,
  traceparentOf,
  type Span,
  wakeOutboxRelays,
  type EventCodec,
  type Logger,
  newId,
} from '@orderflow/platform';
import type { OrderDb } from '../db';
import { sagaCompletion, type OrderStatus, type SagaOutcome } from '../tracking-saga/decide';
import type { OrderCache } from '../order-cache';
import type { SagaMetrics } from '../saga-metrics';
import { decideExpiry } from './decide';

/**
 * What the sweeper needs: the database, the cache to drop expired orders from, the codec it publishes
 * with, the saga metrics an expiry that completes a saga is counted in.
 */
export interface ExpiryDeps {
  prisma: OrderDb;
  cache: Pick<OrderCache, 'invalidate'>;
  metrics: SagaMetrics;
  orderExpired: EventCodec<OrderExpired>;
  logger: Logger;
}

/** The sweeper's settings (ORDER_SAGA_DEADLINE_MS, ORDER_EXPIRY_SWEEP_INTERVAL_MS, ORDER_EXPIRY_BATCH_SIZE). */
export interface ExpirySettings {
  deadlineMs: number;
  intervalMs: number;
  batchSize: number;
}

interface Row {
  id: string;
  status: OrderStatus;
  notified: boolean;
  created_at: Date;
  total_amount: bigint;
  currency: string;
  customer_id: string;
  customer_email: string;
  customer_name: string | null;
  correlation_id: string | null;
}

/** Expires one batch of overdue orders in one transaction; returns the ids it expired. */
export async function expireOverdueOrders(
  deps: ExpiryDeps,
  settings: Pick<ExpirySettings, 'deadlineMs' | 'batchSize'>,
  now: Date = new Date(),
): Promise<string[]> {
  // Tracing on: each expiry starts a trace of its own (the order's first trace id is not stored), whose
  // root is this span; the compensation's events continue it.
  const spans: Span[] = [];
  const completed: { outcome: SagaOutcome; createdAt: Date }[] = [];
  const expired = await deps.prisma
    .$transaction(
      async (tx) => {
        const rows = await tx.$queryRawUnsafe<Row[]>(
          `SELECT id::text AS id, status::text AS status, notified_at IS NOT NULL AS notified, created_at,
                total_amount, currency, customer_id, customer_email, customer_name, correlation_id
           FROM "orders"
          WHERE status IN ('PENDING', 'PAID') AND created_at <= $1
          ORDER BY created_at
          LIMIT $2
          FOR UPDATE SKIP LOCKED`,
          new Date(now.getTime() - settings.deadlineMs),
          settings.batchSize,
        );
        const ids: string[] = [];
        for (const row of rows) {
          const expiry = decideExpiry(
            {
              id: row.id,
              status: row.status,
              createdAt: row.created_at,
              amountMinor: Number(row.total_amount),
              currency: row.currency.trim(),
              customer: { id: row.customer_id, email: row.customer_email, name: row.customer_name },
            },
            { deadlineMs: settings.deadlineMs, now, newId: newId },
          );
          if (expiry === undefined) continue;
          const { event, detail } = expiry;
          const span = startSpan('expire order', SpanKind.INTERNAL, undefined, {
            [OrderflowAttr.orderId]: row.id,
            'orderflow.order.status': row.status,
          });
          if (span !== undefined) spans.push(span);
          await tx.$executeRawUnsafe(
            `UPDATE "orders" SET status = 'EXPIRED', updated_at = now() WHERE id = $1::uuid`,
            row.id,
          );
          await tx.$executeRawUnsafe(
            `INSERT INTO "order_events" ("order_id", "event_id", "type", "status", "detail", "occurred_at")
           VALUES ($1::uuid, $2::uuid, $3, 'EXPIRED', $4::jsonb, $5)`,
            row.id,
            event.eventId,
            deps.orderExpired.topic,
            JSON.stringify(detail),
            event.occurredAt,
          );
          // The compensation continues the order's correlation, so its refund and notice trace back to the POST.
          await enqueueOutbox(
            tx,
            deps.orderExpired,
            event,
            eventHeaders({
              ...(row.correlation_id === null ? {} : { correlationId: row.correlation_id }),
              ...(span === undefined ? {} : { traceparent: traceparentOf(span) }),
            }),
          );
          deps.logger.info(
            { orderId: row.id, from: row.status, deadlineAt: event.deadlineAt, eventId: event.eventId },
            'order expired: not final by its saga deadline',
          );
          const outcome = sagaCompletion(
            { status: row.status, notified: row.notified },
            { status: 'EXPIRED', notified: row.notified },
          );
          if (outcome !== undefined) completed.push({ outcome, createdAt: row.created_at });
          ids.push(row.id);
        }
        return ids;
      },
      { maxWait: 10_000, timeout: 15_000 },
    )
    .catch((err: unknown) => {
      for (const span of spans) endSpan(span, err);
      throw err;
    });
  for (const span of spans) endSpan(span);
  const at = new Date();
  for (const c of completed) deps.metrics.completed(c.outcome, c.createdAt, at);
  if (expired.length > 0) wakeOutboxRelays();
  // Dropped only after the commit: a read in between would otherwise cache the old status again.
  for (const id of expired) await deps.cache.invalidate(id);
  return expired;
}

/** Runs `expireOverdueOrders` every interval (batch after batch while batches come back full) until stopped. */
export class OrderExpirySweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly deps: ExpiryDeps,
    private readonly settings: ExpirySettings,
  ) {}

  /** Starts sweeping; the first sweep runs after one interval. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /** One sweep: every overdue order, in batches. A database outage is logged and retried next interval. */
  async sweep(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const expired = await expireOverdueOrders(this.deps, this.settings);
        total += expired.length;
        if (expired.length < this.settings.batchSize || this.stopped) break;
      }
    } catch (err: unknown) {
      this.deps.logger.warn({ err }, 'saga deadline sweep failed; retrying next interval');
    }
    return total;
  }

  /** Stops the timer and waits for a sweep in progress (its transaction commits or rolls back whole). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().then(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.settings.intervalMs);
    // A pending sweep must not keep a process alive that is otherwise done.
    this.timer.unref();
  }
}
