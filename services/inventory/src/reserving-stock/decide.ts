import type { InventoryUpdated, OrderLine, PaymentSuccessful } from '@orderflow/contracts';
import { PermanentEventError } from '@orderflow/platform';

/** Units wanted of one SKU (an order's lines merged per SKU). */
export interface Demand {
  sku: string;
  quantity: number;
}

/** What inventory knows before deciding: whether the order was decided before, and the available units per SKU (absent: unknown SKU). */
export interface ReservationState {
  alreadyDecided: boolean;
  available: ReadonlyMap<string, number>;
}

/** Ids and time, passed in so the decision stays pure. */
export interface ReservationEnvironment {
  newId: () => string;
  now: Date;
}

/**
 * The order's lines merged per SKU and sorted by SKU: the order in which rows are locked and updated,
 * so two reservations never wait on each other's locks in opposite orders (no deadlock).
 */
export function demandOf(orderId: string, lines: readonly OrderLine[]): Demand[] {
  if (lines.length === 0)
    throw new PermanentEventError('INVALID_EVENT', `order ${orderId} has no lines to reserve`);
  const bySku = new Map<string, number>();
  for (const [i, line] of lines.entries()) {
    if (line.quantity < 1)
      throw new PermanentEventError(
        'INVALID_EVENT',
        `order ${orderId}: lines[${i}].quantity is ${line.quantity}; it must be at least 1`,
      );
    bySku.set(line.sku, (bySku.get(line.sku) ?? 0) + line.quantity);
  }
  return [...bySku]
    .map(([sku, quantity]) => ({ sku, quantity }))
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0));
}

/**
 * Decides a paid order's reservation, all or nothing: RESERVED when every SKU has enough units,
 * else OUT_OF_STOCK listing each short SKU (an unknown SKU has 0 available); [] when decided before.
 */
export function decideReservation(
  payment: PaymentSuccessful,
  state: ReservationState,
  env: ReservationEnvironment,
): InventoryUpdated[] {
  if (state.alreadyDecided) return [];
  const demand = demandOf(payment.orderId, payment.lines);
  const shortLines = demand
    .map((d) => ({ sku: d.sku, requested: d.quantity, available: state.available.get(d.sku) ?? 0 }))
    .filter((l) => l.available < l.requested);
  const reserved = shortLines.length === 0;
  return [
    {
      eventId: env.newId(),
      occurredAt: env.now,
      orderId: payment.orderId,
      status: reserved ? 'RESERVED' : 'OUT_OF_STOCK',
      reservationId: reserved ? env.newId() : null,
      shortLines,
      paymentId: payment.paymentId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      customer: payment.customer,
    },
  ];
}
