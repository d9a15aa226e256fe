import { randomUUID } from 'node:crypto';
import type { NotificationSent } from '@orderflow/contracts';
import { enqueueOutbox, type EventCodec, type EventHandler } from '@orderflow/platform';
import type { Tx } from '../db';
import type { NotificationChannel } from './channels';
import { decideNotification, outcomeOf, type Trigger } from './decide';

/**
 * A handler that tells the customer the outcome an event announces: claims the (order, outcome) row,
 * delivers through the channel, enqueues notification_sent — all in the consumer's transaction, so a
 * failed delivery rolls the claim back and the event is retried.
 */
export function notifyCustomer<T extends Trigger['event']>(
  toTrigger: (event: T) => Trigger,
  channel: NotificationChannel,
  codec: EventCodec<NotificationSent>,
): EventHandler<T, Tx> {
  return async (event, tx, ctx) => {
    const trigger = toTrigger(event);
    const outcome = outcomeOf(trigger);
    if (outcome === undefined) {
      ctx.log.info('nothing to tell the customer for this event');
      return;
    }
    const alreadyNotified =
      (await tx.notification.count({ where: { orderId: event.orderId, kind: outcome } })) > 0;
    const notices = decideNotification(trigger, { alreadyNotified });
    if (notices.length === 0) ctx.log.info({ outcome }, 'customer already told; nothing to do');
    for (const notice of notices) {
      const recipient = channel.recipientOf(notice);
      // The unique (order, outcome) key is the last word: a duplicate claims nothing and sends nothing.
      const { count } = await tx.notification.createMany({
        data: [
          {
            id: notice.notificationId,
            orderId: notice.orderId,
            kind: notice.outcome,
            channel: channel.kind,
            recipient,
            message: notice.message,
            status: 'SENT',
          },
        ],
        skipDuplicates: true,
      });
      if (count === 0) continue;
      await channel.deliver(notice);
      await enqueueOutbox(
        tx,
        codec,
        {
          eventId: randomUUID(),
          occurredAt: new Date(),
          orderId: notice.orderId,
          notificationId: notice.notificationId,
          channel: channel.kind,
          outcome: notice.outcome,
          recipient,
          causationEventId: notice.causationEventId,
        },
        ctx.outgoingHeaders(),
      );
      ctx.log.info(
        { notificationId: notice.notificationId, outcome: notice.outcome, channel: channel.kind },
        'customer notified',
      );
    }
  };
}
