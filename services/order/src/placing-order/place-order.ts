// PlaceOrder: persist the order, its lines, its first timeline entry and its order_created event in ONE
// transaction (the outbox), honouring Idempotency-Key through the database's unique key so concurrent
// duplicates create one order however many processes serve them.
import { randomUUID } from 'node:crypto';
import type { OrderCreated } from '@orderflow/contracts';
import { ApiError, enqueueOutbox, type EventCodec, type EventHeaders } from '@orderflow/platform';
import type { ApiOrder } from '@orderflow/contracts';
import type { OrderDb } from '../db';
import { orderTotal, requestFingerprint, type PlaceOrder } from './decide';
import { describeOrderCreated } from '../tracking-saga/describe';
import { Prisma } from '../generated/prisma/client';
import { asCreated, ORDER_VIEW_INCLUDE, toOrderView, type OrderRow } from '../order-view';

// Prisma's default maxWait (2 s) turns a burst of concurrent POSTs into P2028 500s while they queue
// for the pool; the other services wait 10 s too (tests/faults/last-units: 100 concurrent orders).
const TRANSACTION_OPTIONS = { maxWait: 10_000, timeout: 15_000 };

/** What placing an order needs. */
export interface PlaceOrderDeps {
  prisma: OrderDb;
  orderCreated: EventCodec<OrderCreated>;
}

/** The outcome: the order, and whether this request created it (false: an Idempotency-Key replay). */
export interface PlacedOrder {
  order: ApiOrder;
  created: boolean;
}

/** Places `request` (already validated against the OpenAPI schema). */
export async function placeOrder(
  deps: PlaceOrderDeps,
  request: PlaceOrder,
  opts: { idempotencyKey?: string | undefined; headers: EventHeaders },
): Promise<PlacedOrder> {
  const orderId = randomUUID();
  // Avro timestamp-millis: whole milliseconds, so the stored and published times are equal.
  const now = new Date(Math.floor(Date.now()));
  const amountMinor = orderTotal(request.lines);
  const event: OrderCreated = {
    eventId: randomUUID(),
    occurredAt: now,
    orderId,
    customer: { id: request.customer.id, email: request.customer.email, name: request.customer.name ?? null },
    lines: request.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceMinor: l.unitPriceMinor })),
    amountMinor,
    currency: request.currency,
    paymentToken: request.paymentToken ?? null,
  };

  const outcome = await deps.prisma.$transaction(async (tx) => {
    const key = opts.idempotencyKey;
    if (key !== undefined) {
      const fingerprint = requestFingerprint(request);
      // A concurrent insert of the same key waits here for the other transaction, then finds its row.
      const inserted = await tx.$executeRawUnsafe(
        `INSERT INTO "idempotency_keys" ("key", "request_hash", "order_id") VALUES ($1, $2, $3::uuid) ON CONFLICT ("key") DO NOTHING`,
        key,
        fingerprint,
        orderId,
      );
      if (inserted === 0) {
        const existing = await tx.idempotencyKey.findUnique({ where: { key } });
        if (!existing)
          throw new Error(`idempotency key ${JSON.stringify(key)} conflicted but cannot be read`);
        if (existing.requestHash !== fingerprint) {
          throw new ApiError(
            'IDEMPOTENCY_KEY_REUSED',
            `Idempotency-Key ${JSON.stringify(key)} was already used for a different request (order ${existing.orderId})`,
            {
              orderId: existing.orderId,
            },
          );
        }
        const row = await tx.order.findUnique({
          where: { id: existing.orderId },
          include: ORDER_VIEW_INCLUDE,
        });
        if (!row)
          throw new Error(
            `idempotency key ${JSON.stringify(key)} points at order ${existing.orderId}, which does not exist`,
          );
        return { order: asCreated(row), created: false };
      }
    }
    const row: OrderRow = {
      id: orderId,
      customerId: request.customer.id,
      customerEmail: request.customer.email,
      customerName: request.customer.name ?? null,
      status: 'PENDING',
      totalAmount: BigInt(amountMinor),
      currency: request.currency,
      notifiedAt: null,
      correlationId: opts.headers['correlation-id'],
      createdAt: now,
      updatedAt: now,
      lines: request.lines.map((l, i) => ({
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
          detail: describeOrderCreated(event),
          occurredAt: now,
          recordedAt: now,
        },
      ],
    };
    const { lines, events, ...order } = row;
    // Written field by field and answered from memory: no read-back round trips inside the transaction.
    await tx.order.create({
      data: {
        ...order,
        lines: { createMany: { data: lines.map(({ orderId: _o, ...l }) => l) } },
        events: {
          create: events.map(({ id: _id, orderId: _o, recordedAt: _r, ...e }) => ({
            ...e,
            detail: e.detail ?? Prisma.JsonNull,
          })),
        },
      },
      select: { id: true },
    });
    await enqueueOutbox(tx, deps.orderCreated, event, opts.headers);
    return { order: toOrderView(row), created: true };
  }, TRANSACTION_OPTIONS);
  return outcome;
}
