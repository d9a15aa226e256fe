// The inventory database: its own Prisma client (generated from prisma/inventory/schema.prisma), the
// transaction runner the consumer and routes share, and the per-order lock.
import { lockKeys, prismaAdapter, type TransactionRunner } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';
import type { StockCache } from './stock-cache';

/** The inventory database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the inventory database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/**
 * Runs `fn` in one interactive transaction (the consumer's inbox row, effect and outbox rows commit in
 * it), then drops the cached stock levels it touched: never before the commit, or a read in between
 * would cache the old level again.
 */
export function transactions(db: Db, cache: Pick<StockCache, 'track' | 'invalidate'>): TransactionRunner<Tx> {
  return async (fn) => {
    const touched = new Set<string>();
    const result = await db.$transaction(
      (tx) => {
        cache.track(tx, touched);
        return fn(tx);
      },
      // A burst of events waits for a pooled connection instead of failing (and retrying) after 2 s.
      { maxWait: 10_000, timeout: 15_000 },
    );
    await cache.invalidate(touched);
    return result;
  };
}

/**
 * Serialises the transactions of one order that read before they write across topics (payment_successful's
 * reservation and order_expired's release arrive on different partitions, so they may run at once):
 * without it a reservation made as the order expired could miss the expiry and never be released.
 */
export function lockOrder(tx: Tx, orderId: string): Promise<void> {
  return lockOrders(tx, [orderId]);
}

/** Takes {@link lockOrder}'s lock for each order of a chunk, in one statement and one fixed order (no deadlocks). */
export function lockOrders(tx: Tx, orderIds: readonly string[]): Promise<void> {
  return lockKeys(
    tx,
    orderIds.map((id) => `inventory:${id.toLowerCase()}`),
  );
}
