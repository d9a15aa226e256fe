// The order service's database: its own Prisma client (generated from prisma/order/schema.prisma) and
// the transaction handle the saga handlers get.
import type pg from 'pg';
import { prismaAdapter, prismaAdapterOn, type SqlTransaction } from '@orderflow/platform';
import { PrismaClient } from './generated/prisma/client';

/** The order database's client. */
export type OrderDb = PrismaClient;

/** A Prisma client on `databaseUrl` through the pg driver adapter (no native engine), with `poolSize` connections. */
export function createDb(databaseUrl: string, poolSize = 10): OrderDb {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/** A Prisma client on `pool`, which the service also queries directly (GET /orders/{id}); disconnecting closes it. */
export function createDbOn(pool: pg.Pool): OrderDb {
  return new PrismaClient({ adapter: prismaAdapterOn(pool) });
}

/**
 * What a saga handler works with: the consumer's transaction (the platform's, on pg), with hooks that
 * run only once it committed (dropping a cache entry before the commit would let a concurrent read
 * cache the old state again).
 */
export type OrderTx = SqlTransaction;
