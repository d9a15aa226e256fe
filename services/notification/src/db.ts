// The notification database: its own Prisma client (generated from prisma/notification/schema.prisma)
// and the transaction runner the consumer shares.
import { prismaAdapter, type TransactionRunner } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The notification database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the notification database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/** Runs `fn` in one interactive transaction: the consumer's inbox row, effect and outbox rows commit in it. */
export function transactions(db: Db): TransactionRunner<Tx> {
  // A burst of events waits for a pooled connection instead of failing (and retrying) after 2 s.
  return (fn) => db.$transaction(fn, { maxWait: 10_000, timeout: 15_000 });
}
