import type { NotificationSent } from '@orderflow/contracts';
import {
  lockKeys,
  outgoing,
  PermanentEventError,
  type BatchEventHandler,
  type EventCodec,
  newId,
} from '@orderflow/platform';
import type { Tx } from '../db';
import type { NotificationChannel } from './channels';
import { contradiction, decideNotification, outcomeOf, type Notice, type Trigger } from './decide';

/** True when the event would announce nothing anyway (told already, or after the final word). */
function supersededOrRepeat(outcome: string, toldBefore: readonly string[]): boolean {
  return toldBefore.includes(outcome) || toldBefore.includes('ORDER_EXPIRED');
}

/**
 * A handler that tells customers the outcomes a chunk of events announces, set-based: locks the chunk's
 * orders, reads what each was told in one query, decides each event in partition order (a later event
 * of one order sees what an earlier one told), claims the (order, outcome) rows in one INSERT, delivers
 * each claimed notice through the channel and returns its notification_sent to publish — all in the
 * consumer's transaction, so a failed delivery rolls the claims back and the chunk is retried.
 */
export function notifyCustomer<T extends Trigger['event']>(
  toTrigger: (event: T) => Trigger,
  channel: NotificationChannel,
  codec: EventCodec<NotificationSent>,
): BatchEventHandler<T, Tx> {
  return async (items, tx) => {
    const triggers = items.map(({ event }) => toTrigger(event));
    const concerned = items.filter((_, i) => outcomeOf(triggers[i]!) !== undefined);
    if (concerned.length === 0) return items.map(() => []);
    const orderIds = [...new Set(concerned.map((i) => i.event.orderId.toLowerCase()))];
    // One order's outcomes arrive on different topics: taken one at a time, each sees what the others told.
    await lockKeys(
      tx,
      orderIds.map((id) => `notification:${id}`),
    );
    const told = new Map<string, string[]>();
    const rows = await tx.$queryRawUnsafe<{ order_id: string; kind: string }[]>(
      `SELECT order_id::text, kind FROM notifications WHERE order_id = ANY($1::uuid[])`,
      orderIds,
    );
    for (const r of rows) told.set(r.order_id, [...(told.get(r.order_id) ?? []), r.kind]);
    const claims: { notice: Notice; recipient: string }[] = [];
    const noticesPerItem = items.map(({ event, ctx }, i) => {
      const trigger = triggers[i]!;
      const outcome = outcomeOf(trigger);
      if (outcome === undefined) {
        ctx.log.debug('nothing to tell the customer for this event');
        return [];
      }
      const orderId = event.orderId.toLowerCase();
      const toldBefore = told.get(orderId) ?? [];
      // Defence in depth: an event contradicting what the customer heard is refused (the runtime splits
      // the chunk down to it and dead-letters it with this reason), never announced.
      const contradicts = supersededOrRepeat(outcome, toldBefore)
        ? undefined
        : contradiction(outcome, toldBefore);
      if (contradicts !== undefined)
        throw new PermanentEventError(
          'INCONSISTENT_EVENT',
          `${ctx.topic} for order ${orderId} refused: ${contradicts}`,
        );
      const notices = decideNotification(trigger, {
        alreadyNotified: toldBefore.includes(outcome),
        toldBefore,
      });
      if (notices.length === 0)
        ctx.log.debug(
          { outcome, toldBefore },
          'customer already told this or a final outcome; nothing to do',
        );
      for (const notice of notices) {
        told.set(orderId, [...(told.get(orderId) ?? []), notice.outcome]);
        claims.push({ notice, recipient: channel.recipientOf(notice) });
      }
      return notices;
    });
    if (claims.length === 0) return items.map(() => []);
    // The unique (order, outcome) key is the last word: a duplicate claims nothing and sends nothing.
    const claimed = await tx.$queryRawUnsafe<{ id: string }[]>(
      `INSERT INTO notifications (id, order_id, kind, channel, recipient, message, status)
       SELECT id, order_id, kind, $1, recipient, message, 'SENT'
       FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[]) AS t(id, order_id, kind, recipient, message)
       ON CONFLICT (order_id, kind) DO NOTHING RETURNING id::text`,
      channel.kind,
      claims.map((c) => c.notice.notificationId),
      claims.map((c) => c.notice.orderId),
      claims.map((c) => c.notice.outcome),
      claims.map((c) => c.recipient),
      claims.map((c) => c.notice.message),
    );
    const ours = new Set(claimed.map((c) => c.id));
    const recipients = new Map(claims.map((c) => [c.notice.notificationId, c.recipient]));
    const published = [];
    for (const [i, notices] of noticesPerItem.entries()) {
      const events = [];
      for (const notice of notices) {
        if (!ours.has(notice.notificationId.toLowerCase())) continue;
        await channel.deliver(notice);
        events.push(
          outgoing(codec, {
            eventId: newId(),
            occurredAt: new Date(),
            orderId: notice.orderId,
            notificationId: notice.notificationId,
            channel: channel.kind,
            outcome: notice.outcome,
            recipient: recipients.get(notice.notificationId)!,
            causationEventId: notice.causationEventId,
          }),
        );
        items[i]!.ctx.log.debug(
          { notificationId: notice.notificationId, outcome: notice.outcome, channel: channel.kind },
          'customer notified',
        );
      }
      published.push(events);
    }
    return published;
  };
}
