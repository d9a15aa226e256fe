import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The payment database client. */
export type Db = PrismaClient;
/** A client bound to one interactive transaction. */
export type Tx = Prisma.TransactionClient;

/** A Prisma client on the payment database through the pg driver adapter. */
export function createDb(databaseUrl: string): Db {
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: databaseUrl, max: 10 }) });
}
