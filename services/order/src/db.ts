// The order service's database: its own Prisma client (generated from prisma/order/schema.prisma) and
// the transaction handle the saga handlers get.
import { prismaAdapter, type SqlExecutor, type TransactionRunner } from '@orderflow/platform';
import { PrismaClient, type Prisma } from './generated/prisma/client';

/** The order database's client. */
export type OrderDb = PrismaClient;

/** A Prisma client on `databaseUrl` through the pg driver adapter (no native engine), with `poolSize` connections. */
export function createDb(databaseUrl: string, poolSize = 10): OrderDb {
  return new PrismaClient({ adapter: prismaAdapter(databaseUrl, { poolSize }) });
}

/**
 * What a saga handler works with: the open transaction, plus hooks that run only once it committed
 * (dropping a cache entry before the commit would let a concurrent read cache the old state again).
 */
export interface OrderTx extends SqlExecutor {
  readonly db: Prisma.TransactionClient;
  afterCommit(hook: () => Promise<void>): void;
}

/** Runs `fn` in one transaction, then its after-commit hooks (their failures are the hooks' to handle). */
export function transactions(prisma: OrderDb): TransactionRunner<OrderTx> {
  return async (fn) => {
    const hooks: (() => Promise<void>)[] = [];
    const result = await prisma.$transaction(
      async (db) =>
        fn({
          db,
          afterCommit: (hook) => hooks.push(hook),
          $executeRawUnsafe: (query, ...values) => db.$executeRawUnsafe(query, ...values),
          $queryRawUnsafe: <T>(query: string, ...values: unknown[]) =>
            db.$queryRawUnsafe<T>(query, ...values),
        }),
      // A burst of events waits for a pooled connection instead of failing (and retrying) after 2 s.
      { maxWait: 10_000, timeout: 15_000 },
    );
    for (const hook of hooks) await hook();
    return result;
  };
}
