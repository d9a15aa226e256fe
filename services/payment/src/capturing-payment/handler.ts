import type { OrderCreated, PaymentFailed, PaymentSuccessful } from '@orderflow/contracts';
import { outgoing, type BatchEventHandler, type EventCodec, type Outgoing, newId } from '@orderflow/platform';
import { lockOrders, type Tx } from '../db';
import { decideCapture } from './decide';

/** The codecs the capture handler publishes with. */
export interface CaptureCodecs {
  paymentSuccessful: EventCodec<PaymentSuccessful>;
  paymentFailed: EventCodec<PaymentFailed>;
}

interface PaymentRow {
  id: string;
  orderId: string;
  status: 'SUCCEEDED' | 'FAILED';
  amount: string;
  currency: string;
  failureReason: string | null;
}

/**
 * Handles a chunk of order_created set-based: locks the chunk's orders, reads which were charged or
 * expired in one query, decides each order in partition order (a second order_created of one order in
 * the chunk sees the first's charge), stores the payments in one INSERT and returns each order's outcome
 * (payment_successful or payment_failed) to publish.
 */
export function capturePayments(
  codecs: CaptureCodecs,
  opts: { limitMinor: number },
): BatchEventHandler<OrderCreated, Tx> {
  return async (items, tx) => {
    const orderIds = [...new Set(items.map((i) => i.event.orderId))];
    // Serialised with order_expired's handler: an expiry either is seen here or sees this charge.
    await lockOrders(tx, orderIds);
    const known = await tx.$queryRawUnsafe<{ order_id: string; charged: boolean; expired: boolean }[]>(
      // Scalar subqueries, not EXISTS: for a chunk of a hundred orders or more the planner turns an EXISTS
      // into a hashed subplan that reads every payment ever made (28 ms at 44,000 payments, growing
      // with the table), where one index lookup per order takes 0.7 ms for 200.
      `SELECT o::text AS order_id,
              (SELECT true FROM payments p WHERE p.order_id = o LIMIT 1) IS NOT NULL AS charged,
              (SELECT true FROM expired_orders e WHERE e.order_id = o LIMIT 1) IS NOT NULL AS expired
       FROM unnest($1::uuid[]) AS o`,
      orderIds,
    );
    const charged = new Set(known.filter((k) => k.charged).map((k) => k.order_id));
    const expired = new Set(known.filter((k) => k.expired).map((k) => k.order_id));
    const now = new Date();
    const rows: PaymentRow[] = [];
    const decided = items.map(({ event: order, ctx }) => {
      const orderId = order.orderId.toLowerCase();
      if (expired.has(orderId)) ctx.log.debug('order expired before it was charged; not charging it');
      const events = decideCapture(
        order,
        { alreadyCharged: charged.has(orderId), orderExpired: expired.has(orderId) },
        { limitMinor: opts.limitMinor, newId: newId, now },
      );
      if (events.length === 0) ctx.log.debug('order already charged or expired; nothing to do');
      for (const { type, event } of events) {
        charged.add(orderId);
        rows.push({
          id: event.paymentId,
          orderId: event.orderId,
          status: type === 'PaymentSuccessful' ? 'SUCCEEDED' : 'FAILED',
          amount: String(event.amountMinor),
          currency: event.currency,
          failureReason: type === 'PaymentFailed' ? event.reason : null,
        });
        ctx.log.debug(
          {
            paymentId: event.paymentId,
            outcome: type,
            amountMinor: event.amountMinor,
            currency: event.currency,
          },
          'payment decided',
        );
      }
      return events;
    });
    if (rows.length === 0) return decided.map(() => []);
    // The unique orderId is the last word: a payment another transaction stored first is not published.
    const stored = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO payments (id, order_id, status, amount, currency, failure_reason, updated_at)
       SELECT id, order_id, status::payment_status, amount, currency, failure_reason, now()
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::bigint[], $5::text[], $6::text[])
         AS t(id, order_id, status, amount, currency, failure_reason)
       ON CONFLICT (order_id) DO NOTHING RETURNING id::text`,
      rows.map((r) => r.id),
      rows.map((r) => r.orderId),
      rows.map((r) => r.status),
      rows.map((r) => r.amount),
      rows.map((r) => r.currency),
      rows.map((r) => r.failureReason),
    );
    const storedIds = new Set(stored.map((s) => s.id));
    return decided.map((events) =>
      events
        .filter(({ event }) => storedIds.has(event.paymentId.toLowerCase()))
        .map((d): Outgoing =>
          d.type === 'PaymentSuccessful'
            ? outgoing(codecs.paymentSuccessful, d.event)
            : outgoing(codecs.paymentFailed, d.event),
        ),
    );
  };
}
