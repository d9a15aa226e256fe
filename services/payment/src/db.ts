// The payment database: its own Prisma client (generated from prisma/payment/schema.prisma), the
// transaction runner the consumer and routes share, and the per-order lock.
import { lockKeys, prismaAdapter, type TransactionRunner } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The payment database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the payment database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/** Runs `fn` in one interactive transaction: the consumer's inbox row, effect and outbox rows commit in it. */
export function transactions(db: Db): TransactionRunner<Tx> {
  // A burst of events waits for a pooled connection instead of failing (and retrying) after 2 s.
  return (fn) => db.$transaction(fn, { maxWait: 10_000, timeout: 15_000 });
}

/**
 * Serialises the transactions of one order that read before they write across topics (order_created's
 * charge and order_expired's refund arrive on different partitions, so they may run at once): without it
 * each could miss the other's uncommitted row, and a charge made as the order expired would never be refunded.
 */
export async function lockOrder(tx: Tx, orderId: string): Promise<void> {
  await lockKeys(tx, [`payment:${orderId.toLowerCase()}`]);
}

/** Takes {@link lockOrder}'s lock for each order of a chunk, in one statement and one fixed order (no deadlocks). */
export function lockOrders(tx: Tx, orderIds: readonly string[]): Promise<void> {
  return lockKeys(
    tx,
    orderIds.map((id) => `payment:${id.toLowerCase()}`),
  );
}
