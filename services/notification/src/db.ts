// The notification database: its own Prisma client (generated from prisma/notification/schema.prisma)
// for routes and reads, and the consumer's transaction type.
import { prismaAdapter, type SqlTransaction } from '@orderflow/platform';
import { PrismaClient } from './generated/prisma/client';

/** The notification database client. */
export type Db = PrismaClient;
/** A consumer transaction (the platform's, on pg): handlers write raw SQL. */
export type Tx = SqlTransaction;

/** A Prisma client on the notification database through the pg driver adapter. */
export function createDb(databaseUrl: string, poolSize = 10): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}
