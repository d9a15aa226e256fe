import { createHash } from 'node:crypto';
import type {
  InventoryUpdated,
  NotificationOutcome,
  OrderExpired,
  PaymentFailed,
  PaymentRefunded,
} from '@orderflow/contracts';

/** An event that may end an order's saga, tagged with its record name. */
export type Trigger =
  | { type: 'PaymentFailed'; event: PaymentFailed }
  | { type: 'InventoryUpdated'; event: InventoryUpdated }
  | { type: 'PaymentRefunded'; event: PaymentRefunded }
  | { type: 'OrderExpired'; event: OrderExpired };

/** A final state the customer is told about. */
export type Outcome = Exclude<NotificationOutcome, 'UNKNOWN'>;

/** What to tell whom about which order. */
export interface Notice {
  notificationId: string;
  orderId: string;
  outcome: Outcome;
  email: string;
  subject: string;
  message: string;
  /** eventId of the event that caused this notice. */
  causationEventId: string;
}

/**
 * The outcome an event announces: payment_failed → PAYMENT_FAILED; inventory_updated RESERVED →
 * ORDER_CONFIRMED; payment_refunded → ORDER_CANCELLED; order_expired → ORDER_EXPIRED. inventory_updated
 * OUT_OF_STOCK announces nothing yet: the refund follows, and the customer hears once, "cancelled and
 * refunded". A refund of an expired order announces nothing either: the expiry notice already said it.
 */
export function outcomeOf(trigger: Trigger): Outcome | undefined {
  switch (trigger.type) {
    case 'PaymentFailed':
      return 'PAYMENT_FAILED';
    case 'PaymentRefunded':
      return trigger.event.reason === 'ORDER_EXPIRED' ? undefined : 'ORDER_CANCELLED';
    case 'OrderExpired':
      return 'ORDER_EXPIRED';
    case 'InventoryUpdated':
      return trigger.event.status === 'RESERVED' ? 'ORDER_CONFIRMED' : undefined;
  }
}

/** A stable id per order and outcome, so a webhook receiver can drop a resend after a crash (uuid v5 layout). */
export function notificationIdFor(orderId: string, outcome: Outcome): string {
  const h = createHash('sha1')
    .update(`orderflow:notification:${orderId}:${outcome}`)
    .digest()
    .subarray(0, 16);
  h.writeUInt8((h.readUInt8(6) & 0x0f) | 0x50, 6);
  h.writeUInt8((h.readUInt8(8) & 0x3f) | 0x80, 8);
  const x = h.toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

// Building an Intl.NumberFormat costs about as much CPU as the rest of a notice (3.7 % of the
// notification service at 80 sagas/s, bench/reports/profile.md): one per currency, kept (ISO 4217 codes
// are few; an unknown code keeps no formatter).
const formatters = new Map<string, { format: Intl.NumberFormat; digits: number }>();

/** Formats minor units in the currency's own decimals, e.g. 5997 USD → "$59.97". */
export function formatMoney(amountMinor: number, currency: string): string {
  let f = formatters.get(currency);
  if (f === undefined) {
    try {
      const format = new Intl.NumberFormat('en', { style: 'currency', currency });
      f = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
    } catch {
      return `${amountMinor} ${currency} (minor units)`;
    }
    formatters.set(currency, f);
  }
  return f.format.format(amountMinor / 10 ** f.digits);
}

const REASONS: Readonly<Record<PaymentFailed['reason'], string>> = {
  DECLINED: 'your card was declined',
  INSUFFICIENT_FUNDS: 'there were insufficient funds',
  LIMIT_EXCEEDED: 'the amount is above your payment limit',
  UNKNOWN: 'the payment provider refused it',
};

/** What the notification service told the customer about the order before. */
export interface NotifiedState {
  /** The customer was already told this event's outcome. */
  alreadyNotified: boolean;
  /** Every outcome the customer was told about the order before (any kind). */
  toldBefore?: readonly string[];
}

/** Outcomes after which an expiry notice adds nothing: the customer knows the order ended and nothing is kept. */
const SETTLED_UNFULFILLED: readonly string[] = ['PAYMENT_FAILED', 'ORDER_CANCELLED'];

/**
 * Whether an outcome would contradict what the customer was told: after ORDER_EXPIRED (the order
 * service's final word) nothing else is announced, and an expiry after "payment failed" or "cancelled
 * and refunded" is not announced either. An expiry after "confirmed" is: it corrects it (the order
 * raced its deadline; the charge is refunded, the reservation released).
 */
export function supersededBy(outcome: Outcome, toldBefore: readonly string[]): boolean {
  if (toldBefore.includes('ORDER_EXPIRED')) return true;
  return outcome === 'ORDER_EXPIRED' && toldBefore.some((t) => SETTLED_UNFULFILLED.includes(t));
}

/** The outcomes of which an order has at most one: its payment failed, or it was confirmed, or cancelled and refunded. */
const EXCLUSIVE: readonly string[] = ['PAYMENT_FAILED', 'ORDER_CONFIRMED', 'ORDER_CANCELLED'];

/**
 * Why announcing `outcome` would contradict what this service told the customer (and so what it saw
 * happen), or undefined. An order ends in exactly one of payment failed, confirmed, cancelled and
 * refunded: an event announcing another one after the customer heard one (e.g. a RESERVED for a declined
 * order, which anyone able to write to Kafka could forge) is refused and dead-lettered, never announced.
 */
export function contradiction(outcome: Outcome, toldBefore: readonly string[]): string | undefined {
  if (!EXCLUSIVE.includes(outcome)) return undefined;
  const earlier = toldBefore.find((t) => t !== outcome && EXCLUSIVE.includes(t));
  return earlier === undefined
    ? undefined
    : `the customer was already told ${earlier}; ${outcome} contradicts it`;
}

/**
 * Decides the customer notice for an event: none when the event announces nothing, the customer was
 * already told this outcome, or it is superseded by what they were told (`supersededBy`).
 */
export function decideNotification(trigger: Trigger, state: NotifiedState): Notice[] {
  const outcome = outcomeOf(trigger);
  if (outcome === undefined || state.alreadyNotified) return [];
  if (supersededBy(outcome, state.toldBefore ?? [])) return [];
  const { event } = trigger;
  const hello = `Hello ${event.customer.name ?? event.customer.email},`;
  const amount = formatMoney(event.amountMinor, event.currency);
  const base = {
    notificationId: notificationIdFor(event.orderId, outcome),
    orderId: event.orderId,
    outcome,
    email: event.customer.email,
    causationEventId: event.eventId,
  };
  switch (trigger.type) {
    case 'PaymentFailed':
      return [
        {
          ...base,
          subject: `Payment failed for order ${event.orderId}`,
          message: `${hello} we could not charge ${amount} for order ${event.orderId}: ${REASONS[trigger.event.reason]}. Nothing was charged.`,
        },
      ];
    case 'InventoryUpdated':
      return [
        {
          ...base,
          subject: `Order ${event.orderId} confirmed`,
          message: `${hello} your order ${event.orderId} is confirmed: ${amount} was charged and your items are reserved.`,
        },
      ];
    case 'PaymentRefunded':
      return [
        {
          ...base,
          subject: `Order ${event.orderId} cancelled and refunded`,
          message: `${hello} we could not fulfil order ${event.orderId} because some items are out of stock. It is cancelled and ${amount} has been refunded.`,
        },
      ];
    case 'OrderExpired':
      return [
        {
          ...base,
          subject: `Order ${event.orderId} could not be completed`,
          message: `${hello} we could not complete order ${event.orderId} in time, so it is cancelled. ${
            trigger.event.statusAtExpiry === 'PAID'
              ? `The ${amount} charged for it is refunded in full`
              : `If ${amount} was charged for it, it is refunded in full`
          } and no items are held for it.`,
        },
      ];
  }
}
