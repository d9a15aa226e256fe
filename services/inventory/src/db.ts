import { prismaAdapter } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The inventory database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the inventory database through the pg driver adapter. */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl) });
}

/**
 * Serialises the transactions of one order that read before they write across topics (payment_successful's
 * reservation and order_expired's release arrive on different partitions, so they may run at once):
 * without it a reservation made as the order expired could miss the expiry and never be released.
 */
export async function lockOrder(tx: Tx, orderId: string): Promise<void> {
  await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, `inventory:${orderId}`);
}
