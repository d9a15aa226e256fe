import type { OrderCreated, PaymentFailed, PaymentSuccessful } from '@orderflow/contracts';
import { enqueueOutbox, type EventCodec, type EventHandler } from '@orderflow/platform';
import { randomUUID } from 'node:crypto';
import type { Tx } from '../db';
import { decideCapture } from './decide';

/** The codecs the capture handler publishes with. */
export interface CaptureCodecs {
  paymentSuccessful: EventCodec<PaymentSuccessful>;
  paymentFailed: EventCodec<PaymentFailed>;
}

/** Handles order_created: charges through the simulator, stores the payment and enqueues its outcome, in the consumer's transaction. */
export function capturePayment(
  codecs: CaptureCodecs,
  opts: { limitMinor: number },
): EventHandler<OrderCreated, Tx> {
  return async (order, tx, ctx) => {
    const existing = await tx.payment.findUnique({ where: { orderId: order.orderId }, select: { id: true } });
    const events = decideCapture(
      order,
      { alreadyCharged: existing !== null },
      { limitMinor: opts.limitMinor, newId: randomUUID, now: new Date() },
    );
    if (events.length === 0) ctx.log.info('order already charged; nothing to do');
    for (const decided of events) {
      const { event } = decided;
      const failureReason = decided.type === 'PaymentFailed' ? decided.event.reason : null;
      // The unique orderId is the last word: a concurrent duplicate inserts nothing and publishes nothing.
      const { count } = await tx.payment.createMany({
        data: [
          {
            id: event.paymentId,
            orderId: event.orderId,
            status: failureReason === null ? 'SUCCEEDED' : 'FAILED',
            amount: BigInt(event.amountMinor),
            currency: event.currency,
            failureReason,
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) {
        ctx.log.info('order already charged; nothing to do');
        continue;
      }
      if (decided.type === 'PaymentSuccessful')
        await enqueueOutbox(tx, codecs.paymentSuccessful, decided.event, ctx.outgoingHeaders());
      else await enqueueOutbox(tx, codecs.paymentFailed, decided.event, ctx.outgoingHeaders());
      ctx.log.info(
        {
          paymentId: event.paymentId,
          outcome: decided.type,
          failureReason,
          amountMinor: event.amountMinor,
          currency: event.currency,
        },
        'payment decided',
      );
    }
  };
}
