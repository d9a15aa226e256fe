// The order as the API shows it (the OpenAPI `Order` schema), read from the order's tables.
import type { ApiOrder, ApiTimelineEntry } from '@orderflow/contracts';
import { isCompleted } from './tracking-saga/decide';
import type { Prisma } from './generated/prisma/client';

type Reader = Pick<Prisma.TransactionClient, 'order'>;

/** What the view is built from: the order row with its lines and timeline events. */
export const ORDER_VIEW_INCLUDE = {
  lines: { orderBy: { lineNo: 'asc' } },
  // Oldest first by when it happened; arrival order breaks ties (events come from several topics).
  events: { orderBy: [{ occurredAt: 'asc' }, { id: 'asc' }] },
} as const satisfies Prisma.OrderInclude;

/** An order row with what ORDER_VIEW_INCLUDE loads. */
export type OrderRow = Prisma.OrderGetPayload<{ include: typeof ORDER_VIEW_INCLUDE }>;

function timelineEntry(e: OrderRow['events'][number]): ApiTimelineEntry {
  const entry: ApiTimelineEntry = { type: e.type, at: e.occurredAt.toISOString(), eventId: e.eventId };
  if (typeof e.detail === 'string') entry.detail = e.detail;
  return entry;
}

/** Maps a loaded order row to the API's Order. */
export function toOrderView(row: OrderRow): ApiOrder {
  const customer: ApiOrder['customer'] = { id: row.customerId, email: row.customerEmail };
  if (row.customerName !== null) customer.name = row.customerName;
  return {
    id: row.id,
    status: row.status,
    customer,
    lines: row.lines.map((l) => ({
      sku: l.sku,
      quantity: l.quantity,
      unitPriceMinor: Number(l.unitPriceMinor),
    })),
    currency: row.currency,
    amountMinor: Number(row.totalAmount),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    completed: isCompleted({ status: row.status, notified: row.notifiedAt !== null }),
    notifiedAt: row.notifiedAt?.toISOString() ?? null,
    timeline: row.events.map(timelineEntry),
  };
}

/**
 * The order exactly as POST /orders first answered it (PENDING, only its order_created entry): what an
 * Idempotency-Key replay returns, so a retried request sees the same body whatever happened since.
 */
export function asCreated(row: OrderRow): ApiOrder {
  const view = toOrderView({
    ...row,
    status: 'PENDING',
    notifiedAt: null,
    updatedAt: row.createdAt,
    events: row.events.filter((e) => e.type === 'order_created'),
  });
  return view;
}

/** Loads order `id` as the API shows it, or undefined when there is none. */
export async function loadOrderView(db: Reader, id: string): Promise<ApiOrder | undefined> {
  const row = await db.order.findUnique({ where: { id }, include: ORDER_VIEW_INCLUDE });
  return row ? toOrderView(row) : undefined;
}
