// PlaceOrder: price every line from the catalog read model (the prices this process remembers, else one
// query for all lines), then persist the idempotency key, the order, its lines, its first timeline entry
// and its order_created event (the outbox) in ONE statement — one commit — on one connection of the POST
// path's own pool, honouring Idempotency-Key through the database's unique key so concurrent duplicates
// create one order however many processes serve them. The statement writes nothing unless every line's
// price is the catalog's at that moment; a remembered price that is no longer is read again and retried.
import type pg from 'pg';
import type { OrderCreated } from '@orderflow/contracts';
import {
  admit,
  ApiError,
  wakeOutboxRelays,
  type EventCodec,
  type EventHeaders,
  newId,
} from '@orderflow/platform';
import type { ApiOrder } from '@orderflow/contracts';
import type { OrderDb } from '../db';
import { priceOrder, pricingRefused, requestFingerprint, type PlaceOrder, type PricedLine } from './decide';
import { describeOrderCreated } from '../tracking-saga/describe';
import type { OpenSagas } from './open-sagas';
import type { RememberedPrices } from './remembered-prices';
import type { OrderChanges } from '../getting-order/order-changes';
import { asCreated, ORDER_VIEW_INCLUDE, toOrderView, type OrderRow } from '../order-view';

/** What placing an order needs. */
export interface PlaceOrderDeps {
  /** Reads an Idempotency-Key replay's order. */
  prisma: OrderDb;
  /** The POST path's own pool: a backlog of saga events never makes a customer wait for a connection. */
  writes: pg.Pool;
  /** Requests that may wait for one of `writes`' connections; past that a POST is shed at once (503). */
  writeQueueLimit?: number;
  /** While the oldest POST waiting for one of `writes`' connections has waited this long, a POST is shed at once (503). */
  writeMaxWaitMs?: number;
  /** Refuses POSTs while too many orders are still in the saga (absent: no such limit). */
  openSagas?: Pick<OpenSagas, 'admit' | 'placed'> | undefined;
  /** Its schema id is resolved before a connection is taken, so encoding never waits on the registry. */
  orderCreated: EventCodec<OrderCreated> & { schemaId(): Promise<unknown> };
  /** The catalog prices this process read last (absent: every POST reads them). */
  prices?: RememberedPrices | undefined;
  /**
   * Told of each order before its statement is sent (and told to forget it unless the statement created
   * it), so a held GET's first look knows a just-placed order without reading it. Before, not after: a
   * completion announced in between must find it to forget.
   */
  changes?: Pick<OrderChanges, 'placed' | 'takePlaced'> | undefined;
}

/** The outcome: the order, and whether this request created it (false: an Idempotency-Key replay). */
export interface PlacedOrder {
  order: ApiOrder;
  created: boolean;
}

// Data-modifying CTEs run once each on one snapshot; each insert after the key's reads the one before
// it, so nothing is written when the key was taken. A concurrent insert of the same key waits for the
// other transaction, then inserts nothing (the replay is read after it).
// Nothing is written either unless every line's price is the catalog's (`priced`): the prices may be
// remembered from an earlier read.
const PLACE_ORDER = `
WITH priced AS (
  SELECT count(c.sku) = cardinality($11::text[]) AS ok
  FROM unnest($11::text[], $13::bigint[]) AS l(sku, price)
  LEFT JOIN "catalog_prices" c
    ON c."currency" = $8::char(3) AND c."sku" = l.sku AND c."unit_price_minor" = l.price
), key AS (
  INSERT INTO "idempotency_keys" ("owner_id", "key", "request_hash", "order_id")
  SELECT $19::text, $1::text, $2::text, $3::uuid WHERE $1::text IS NOT NULL AND (SELECT ok FROM priced)
  ON CONFLICT ("owner_id", "key") DO NOTHING RETURNING "order_id"
), placed AS (
  INSERT INTO "orders" ("id", "customer_id", "owner_id", "customer_email", "customer_name", "status",
                        "total_amount", "currency", "correlation_id", "created_at", "updated_at")
  SELECT $3::uuid, $4, $19, $5, $6, 'PENDING', $7::bigint, $8, $9, $10, $10
  WHERE (SELECT ok FROM priced) AND ($1::text IS NULL OR EXISTS (SELECT 1 FROM key))
  RETURNING "id"
), lines AS (
  INSERT INTO "order_lines" ("order_id", "line_no", "sku", "quantity", "unit_price_minor")
  SELECT p.id, l.n, l.sku, l.quantity, l.price
  FROM placed p, unnest($11::text[], $12::int[], $13::bigint[]) WITH ORDINALITY AS l(sku, quantity, price, n)
), timeline AS (
  INSERT INTO "order_events" ("order_id", "event_id", "type", "status", "detail", "occurred_at")
  SELECT id, $14::uuid, $15, 'PENDING', $16::jsonb, $10 FROM placed
), outbox AS (
  INSERT INTO "outbox" ("event_id", "topic", "key", "value", "headers")
  SELECT $14::uuid, $15, $3::text, $17::bytea, $18::jsonb FROM placed
)
SELECT count(*)::int AS created, (SELECT ok FROM priced) AS priced FROM placed`;

// The catalog's unit prices of the request's SKUs in its currency: one index lookup per SKU, one round trip.
const LINE_PRICES = `
SELECT "sku", "unit_price_minor"::text AS "price" FROM "catalog_prices"
WHERE "currency" = $1::char(3) AND "sku" = ANY($2::text[])`;

/** Default of `writeQueueLimit` (ORDER_WRITE_QUEUE_LIMIT). */
const DEFAULT_WRITE_QUEUE_LIMIT = 256;
/** Default of `writeMaxWaitMs` (ORDER_WRITE_MAX_WAIT_MS). */
const DEFAULT_WRITE_MAX_WAIT_MS = 1_000;

/**
 * Places `request` (already validated against the OpenAPI schema) for `opts.owner` (the token's subject),
 * every line at the catalog's price (the read model, fed by catalog_price_set): a SKU without a price in
 * the order's currency is refused (422 SKU_NOT_PRICED), and so is a sent price that is not the catalog's
 * (409 PRICE_CHANGED); nothing is written then. A retry of a request its Idempotency-Key already placed
 * gets that order, at the price it was placed at, whatever the catalog says now.
 */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: PlaceOrder,
  opts: { owner: string; idempotencyKey?: string | undefined; headers: EventHeaders },
): Promise<PlacedOrder> {
  const key = opts.idempotencyKey;
  const fingerprint = key === undefined ? null : requestFingerprint(request);
  // A registry outage fails the request here, before it holds a connection.
  await deps.orderCreated.schemaId();
  // Overload: answer 503 + Retry-After now rather than queue the request for seconds, or accept more
  // orders than the saga behind can finish.
  deps.openSagas?.admit();
  admit(deps.writes, {
    maxWaiting: deps.writeQueueLimit ?? DEFAULT_WRITE_QUEUE_LIMIT,
    maxWaitMs: deps.writeMaxWaitMs ?? DEFAULT_WRITE_MAX_WAIT_MS,
  });
  // Both statements on one connection: a POST queues for the pool once, not twice.
  const client = await deps.writes.connect();
  let broken = false;
  const query = async <R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> => {
    try {
      return (await client.query<R>(sql, values)).rows;
    } catch (err) {
      broken = true;
      throw err;
    }
  };
  const skus = request.lines.map((l) => l.sku);
  try {
    // Remembered prices: one round trip when they are still the catalog's. Only the catalog as it is
    // now may refuse a request, so any other outcome reads it.
    const remembered = deps.prices?.get(request.currency, skus);
    const guess = remembered && priceOrder(request, remembered);
    if (guess?.kind === 'priced') {
      const placed = await insert(deps, query, request, guess, { ...opts, fingerprint });
      if (placed !== STALE_PRICES) return placed;
    }
    // Read, then written at exactly those prices; a price that changes in between is read again.
    for (let attempt = 1; ; attempt++) {
      const rows = await query<{ sku: string; price: string }>(LINE_PRICES, [request.currency, skus]);
      const catalog = new Map(rows.map((p) => [p.sku, Number(p.price)]));
      deps.prices?.remember(request.currency, skus, catalog);
      const pricing = priceOrder(request, catalog);
      if (pricing.kind !== 'priced') {
        const earlier = key === undefined ? undefined : await findReplay(deps, opts.owner, key, fingerprint!);
        if (earlier) return earlier;
        throw pricingRefused(pricing);
      }
      const placed = await insert(deps, query, request, pricing, { ...opts, fingerprint });
      if (placed !== STALE_PRICES) return placed;
      if (attempt === 3)
        throw new ApiError(
          'UNAVAILABLE',
          `the catalog prices of ${skus.join(', ')} in ${request.currency} changed at every one of 3 attempts; try again`,
        );
    }
  } finally {
    client.release(broken ? true : undefined);
  }
}

/** What {@link insert} answers when a line's price was not the catalog's: nothing was written. */
const STALE_PRICES = Symbol('stale prices');

/**
 * Writes the priced order in one statement (see PLACE_ORDER); a taken Idempotency-Key answers its order.
 * {@link STALE_PRICES} when a line's price is no longer the catalog's.
 */
async function insert(
  deps: PlaceOrderDeps,
  query: <R extends pg.QueryResultRow>(sql: string, values: unknown[]) => Promise<R[]>,
  request: PlaceOrder,
  { lines, amountMinor }: { lines: PricedLine[]; amountMinor: number },
  opts: {
    owner: string;
    idempotencyKey?: string | undefined;
    headers: EventHeaders;
    fingerprint: string | null;
  },
): Promise<PlacedOrder | typeof STALE_PRICES> {
  const orderId = newId();
  // Avro timestamp-millis: whole milliseconds, so the stored and published times are equal.
  const now = new Date(Math.floor(Date.now()));
  const event: OrderCreated = {
    eventId: newId(),
    occurredAt: now,
    orderId,
    customer: { id: request.customer.id, email: request.customer.email, name: request.customer.name ?? null },
    lines,
    amountMinor,
    currency: request.currency,
    paymentToken: request.paymentToken ?? null,
  };
  const key = opts.idempotencyKey;
  const detail = describeOrderCreated(event);
  const value = await deps.orderCreated.encode(event);
  deps.changes?.placed(orderId, opts.owner);
  let rows: { created: number; priced: boolean }[] | undefined;
  try {
    rows = await query<{ created: number; priced: boolean }>(PLACE_ORDER, [
      key ?? null,
      opts.fingerprint,
      orderId,
      request.customer.id,
      request.customer.email,
      request.customer.name ?? null,
      String(amountMinor),
      request.currency,
      opts.headers['correlation-id'],
      now,
      lines.map((l) => l.sku),
      lines.map((l) => l.quantity),
      lines.map((l) => String(l.unitPriceMinor)),
      event.eventId,
      deps.orderCreated.topic,
      JSON.stringify(detail),
      value,
      JSON.stringify(opts.headers),
      opts.owner,
    ]);
  } finally {
    if (rows?.[0]?.created !== 1) deps.changes?.takePlaced(orderId);
  }
  if (rows[0]?.created === 1) {
    wakeOutboxRelays();
    deps.openSagas?.placed();
    const row: OrderRow = {
      id: orderId,
      customerId: request.customer.id,
      ownerId: opts.owner,
      customerEmail: request.customer.email,
      customerName: request.customer.name ?? null,
      status: 'PENDING',
      totalAmount: BigInt(amountMinor),
      currency: request.currency,
      notifiedAt: null,
      paymentId: null,
      correlationId: opts.headers['correlation-id'],
      createdAt: now,
      updatedAt: now,
      lines: lines.map((l, i) => ({
        orderId,
        lineNo: i + 1,
        sku: l.sku,
        quantity: l.quantity,
        unitPriceMinor: BigInt(l.unitPriceMinor),
      })),
      events: [
        {
          id: 0n,
          orderId,
          eventId: event.eventId,
          type: deps.orderCreated.topic,
          status: 'PENDING',
          detail,
          occurredAt: now,
          recordedAt: now,
        },
      ],
    };
    // Answered from memory: the statement wrote exactly this.
    return { order: toOrderView(row), created: true };
  }
  if (rows[0]?.priced === false) return STALE_PRICES;
  if (key === undefined)
    throw new Error(`order ${orderId} was not inserted and no Idempotency-Key explains it`);
  const earlier = await findReplay(deps, opts.owner, key, opts.fingerprint!);
  if (!earlier) throw new Error(`idempotency key ${JSON.stringify(key)} conflicted but cannot be read`);
  return earlier;
}

/**
 * The order the caller's Idempotency-Key already placed, when the request is the same one (422
 * IDEMPOTENCY_KEY_REUSED when it is another); undefined when the key placed nothing yet.
 */
async function findReplay(
  deps: PlaceOrderDeps,
  owner: string,
  key: string,
  fingerprint: string,
): Promise<PlacedOrder | undefined> {
  // Keys are the caller's own: another customer's equal key is never read, so nothing of theirs shows.
  const existing = await deps.prisma.idempotencyKey.findUnique({
    where: { ownerId_key: { ownerId: owner, key } },
  });
  if (!existing) return undefined;
  if (existing.requestHash !== fingerprint) {
    throw new ApiError(
      'IDEMPOTENCY_KEY_REUSED',
      `Idempotency-Key ${JSON.stringify(key)} was already used for a different request (order ${existing.orderId})`,
      { orderId: existing.orderId },
    );
  }
  const row = await deps.prisma.order.findUnique({
    where: { id: existing.orderId },
    include: ORDER_VIEW_INCLUDE,
  });
  if (!row)
    throw new Error(
      `idempotency key ${JSON.stringify(key)} points at order ${existing.orderId}, which does not exist`,
    );
  return { order: asCreated(row), created: false };
}
