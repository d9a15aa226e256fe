// The payment database: its own Prisma client (generated from prisma/payment/schema.prisma) for routes
// and reads, the consumer's transaction type, and the per-order lock.
import { lockKeys, prismaAdapter, type SqlTransaction } from '@orderflow/platform';
import { PrismaClient } from './generated/prisma/client';

/** The payment database client. */
export type Db = PrismaClient;
/** A consumer transaction (the platform's, on pg): handlers write raw SQL. */
export type Tx = SqlTransaction;

/** A Prisma client on the payment database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/**
 * Serialises the transactions of one order that read before they write across topics (order_created's
 * charge and order_expired's refund arrive on different partitions, so they may run at once): without it
 * each could miss the other's uncommitted row, and a charge made as the order expired would never be refunded.
 */
export function lockOrder(tx: Tx, orderId: string): Promise<void> {
  return lockOrders(tx, [orderId]);
}

/** Takes {@link lockOrder}'s lock for each order of a chunk, in one statement and one fixed order (no deadlocks). */
export function lockOrders(tx: Tx, orderIds: readonly string[]): Promise<void> {
  return lockKeys(
    tx,
    orderIds.map((id) => `payment:${id.toLowerCase()}`),
  );
}
