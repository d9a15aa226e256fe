// The inventory database: its own Prisma client (generated from prisma/inventory/schema.prisma), the
// transaction runner the consumer and routes share, and the per-order lock.
import { lockKeys, prismaAdapter, type SqlTransaction } from '@orderflow/platform';
import { PrismaClient } from './generated/prisma/client';

/** The inventory database client. */
export type Db = PrismaClient;
/** A transaction of the consumer (the platform's, on pg) or of a route (`prismaTransactions(db)`): raw SQL and after-commit hooks. */
export type Tx = SqlTransaction;

/** A Prisma client on the inventory database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
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
