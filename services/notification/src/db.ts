import { prismaAdapter } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The notification database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the notification database through the pg driver adapter. */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl) });
}
