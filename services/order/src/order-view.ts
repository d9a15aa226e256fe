// The order as the API shows it (the OpenAPI `Order` schema), read from the order's tables.
import type { ApiOrder, ApiTimelineEntry } from '@orderflow/contracts';
import type pg from 'pg';
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

// A timeline entry shows its detail only when it is a text (older rows may hold other JSON).
function timelineEntry(type: string, at: Date, eventId: string, detail: unknown): ApiTimelineEntry {
  const entry: ApiTimelineEntry = { type, at: at.toISOString(), eventId };
  if (typeof detail === 'string') entry.detail = detail;
  return entry;
}

/** What the view needs of an order (an {@link OrderRow} has it; so does the one-statement read's row). */
interface ViewSource {
  id: string;
  customerId: string;
  customerEmail: string;
  customerName: string | null;
  status: OrderRow['status'];
  currency: string;
  totalAmount: bigint | string;
  notifiedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lines: readonly { sku: string; quantity: number; unitPriceMinor: bigint | string }[];
  events: readonly { type: string; occurredAt: Date; eventId: string; detail: unknown }[];
}

/** Maps a loaded order to the API's Order. */
export function toOrderView(row: ViewSource): ApiOrder {
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
    timeline: row.events.map((e) => timelineEntry(e.type, e.occurredAt, e.eventId, e.detail)),
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

/** Loads order `id` as the API shows it, or undefined when there is none (through Prisma: three queries). */
export async function loadOrderView(db: Reader, id: string): Promise<ApiOrder | undefined> {
  const row = await db.order.findUnique({ where: { id }, include: ORDER_VIEW_INCLUDE });
  return row ? toOrderView(row) : undefined;
}

// The order, its lines and its timeline in one statement (one round trip, no query engine): what
// ORDER_VIEW_INCLUDE loads, in the same order, named as toOrderView reads it. Timestamps come back as epoch
// milliseconds and money as text, so nothing is lost on the way through JSON.
const ORDER_VIEW_SQL = `
SELECT o.id::text AS "id", o.customer_id AS "customerId", o.customer_email AS "customerEmail",
       o.customer_name AS "customerName", o.status::text AS "status", o.currency AS "currency",
       o.total_amount::text AS "totalAmount",
       (extract(epoch FROM o.notified_at) * 1000)::float8 AS "notifiedAt",
       (extract(epoch FROM o.created_at) * 1000)::float8 AS "createdAt",
       (extract(epoch FROM o.updated_at) * 1000)::float8 AS "updatedAt",
       (SELECT coalesce(json_agg(json_build_object('sku', l.sku, 'quantity', l.quantity,
                                                   'unitPriceMinor', l.unit_price_minor::text)
                                 ORDER BY l.line_no), '[]')
          FROM order_lines l WHERE l.order_id = o.id) AS "lines",
       (SELECT coalesce(json_agg(json_build_object('type', e.type, 'eventId', e.event_id::text, 'detail', e.detail,
                                                   'occurredAt', (extract(epoch FROM e.occurred_at) * 1000)::float8)
                                 ORDER BY e.occurred_at, e.id), '[]')
          FROM order_events e WHERE e.order_id = o.id) AS "events"
  FROM orders o WHERE o.id = $1::uuid`;

/** ORDER_VIEW_SQL for several orders at once. */
const ORDER_VIEWS_SQL = ORDER_VIEW_SQL.replace('WHERE o.id = $1::uuid', 'WHERE o.id = ANY($1::uuid[])');

/** A row of ORDER_VIEW_SQL: a ViewSource with its times in epoch milliseconds. */
type ViewSqlRow = Omit<ViewSource, 'notifiedAt' | 'createdAt' | 'updatedAt' | 'events'> & {
  notifiedAt: number | null;
  createdAt: number;
  updatedAt: number;
  events: (Omit<ViewSource['events'][number], 'occurredAt'> & { occurredAt: number })[];
};

/**
 * Loads order `id` as the API shows it in one SQL statement on `pool` (what GET /orders/{id} does on a
 * cache miss): the same view as {@link loadOrderView}, without Prisma's three queries.
 */
export async function loadOrderViewSql(
  pool: Pick<pg.Pool, 'query'>,
  id: string,
): Promise<ApiOrder | undefined> {
  const { rows } = await pool.query<ViewSqlRow>(ORDER_VIEW_SQL, [id]);
  return rows[0] === undefined ? undefined : fromViewSqlRow(rows[0]);
}

/**
 * The views of orders `ids` in one statement through `query` (e.g. a transaction's), by id; an id
 * without an order is absent.
 */
export async function loadOrderViewsSql(
  query: (sql: string, ids: string[]) => PromiseLike<unknown[]>,
  ids: string[],
): Promise<Map<string, ApiOrder>> {
  const rows = (await query(ORDER_VIEWS_SQL, ids)) as ViewSqlRow[];
  return new Map(rows.map((row) => [row.id, fromViewSqlRow(row)]));
}

function fromViewSqlRow(row: ViewSqlRow): ApiOrder {
  return toOrderView({
    ...row,
    notifiedAt: row.notifiedAt === null ? null : new Date(row.notifiedAt),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
    events: row.events.map((e) => ({ ...e, occurredAt: new Date(e.occurredAt) })),
  });
}
