// One-line, human-readable summaries of saga events for the order's timeline (TimelineEntry.detail).
import type {
  InventoryUpdated,
  NotificationSent,
  OrderCreated,
  PaymentFailed,
  PaymentRefunded,
  PaymentSuccessful,
} from '@orderflow/contracts';

const money = (minor: number, currency: string): string => `${minor} ${currency} (minor units)`;

/** "2 lines, 5 units, 3998 EUR (minor units)". */
export function describeOrderCreated(e: OrderCreated): string {
  const units = e.lines.reduce((n, l) => n + l.quantity, 0);
  return `${e.lines.length} line${e.lines.length === 1 ? '' : 's'}, ${units} unit${units === 1 ? '' : 's'}, ${money(e.amountMinor, e.currency)}`;
}

/** "charged 3998 EUR (minor units), payment <id>". */
export function describePaymentSuccessful(e: PaymentSuccessful): string {
  return `charged ${money(e.amountMinor, e.currency)}, payment ${e.paymentId}`;
}

/** "declined: DECLINED (card declined)". */
export function describePaymentFailed(e: PaymentFailed): string {
  return `declined: ${e.reason}${e.message ? ` (${e.message})` : ''}`;
}

/** "reserved, reservation <id>" or "out of stock: SKU-1 requested 3, available 1". */
export function describeInventoryUpdated(e: InventoryUpdated): string {
  if (e.status === 'RESERVED') return `reserved${e.reservationId ? `, reservation ${e.reservationId}` : ''}`;
  if (e.status === 'OUT_OF_STOCK') {
    const short = e.shortLines
      .map((l) => `${l.sku} requested ${l.requested}, available ${l.available}`)
      .join('; ');
    return `out of stock${short ? `: ${short}` : ''}; payment ${e.paymentId} to be refunded`;
  }
  return `inventory outcome ${e.status}`;
}

// A URL as recipient: a webhook's address, which notification_sent events carried before they named the
// webhook `webhook:<id>` (still on the topic until its retention ends, or replayed from a DLT).
const URL_LIKE = /^[a-z][a-z0-9+.-]*:\/\//i;

/**
 * "customer told ORDER_CONFIRMED via LOG to ada@example.com", "… via WEBHOOK to webhook:default". A
 * webhook URL (a secret) never reaches the timeline: an old event's is replaced by "a webhook".
 */
export function describeNotificationSent(e: NotificationSent): string {
  const to = URL_LIKE.test(e.recipient) ? 'a webhook (address withheld)' : e.recipient;
  return `customer told ${e.outcome} via ${e.channel} to ${to}`;
}

/** "refunded 3998 EUR (minor units) of payment <id>: OUT_OF_STOCK". */
export function describePaymentRefunded(e: PaymentRefunded): string {
  return `refunded ${money(e.amountMinor, e.currency)} of payment ${e.paymentId}: ${e.reason}`;
}
