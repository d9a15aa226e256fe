import type pg from 'pg';
import type { SqlExecutor, TransactionRunner } from './sql';

/** A consumer transaction on a pg connection: raw SQL, plus hooks that run once it committed. */
export interface SqlTransaction extends SqlExecutor {
  /** Runs `hook` after the commit (never on rollback), e.g. to drop a cache entry the transaction made stale. */
  afterCommit(hook: () => Promise<void> | void): void;
}

/**
 * Runs each function in one transaction on a connection of `pool`: BEGIN, the function's statements,
 * COMMIT (ROLLBACK when it throws), then its after-commit hooks. pg directly, not Prisma's interactive
 * transaction: for a 20-message chunk it costs about a quarter of the Node CPU
 * (bench/reports/sql-paths.md), and the consumer's statements are raw SQL either way.
 */
export function sqlTransactions(pool: pg.Pool): TransactionRunner<SqlTransaction> {
  return async <R>(fn: (tx: SqlTransaction) => Promise<R>): Promise<R> => {
    const client = await pool.connect();
    const hooks: (() => Promise<void> | void)[] = [];
    // A connection that failed outside the function (BEGIN, COMMIT, ROLLBACK: server gone, timed out)
    // is closed, not given back to the pool.
    let broken = false;
    const run = async (sql: string): Promise<void> => {
      try {
        await client.query(sql);
      } catch (err) {
        broken = true;
        throw err;
      }
    };
    let result: R;
    try {
      await run('BEGIN');
      const tx: SqlTransaction = {
        $queryRawUnsafe: async <T>(query: string, ...values: unknown[]) =>
          (await client.query(query, values)).rows as T,
        $executeRawUnsafe: async (query: string, ...values: unknown[]) =>
          (await client.query(query, values)).rowCount ?? 0,
        afterCommit: (hook) => void hooks.push(hook),
      };
      try {
        result = await fn(tx);
      } catch (err) {
        await run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await run('COMMIT');
    } finally {
      client.release(broken ? true : undefined);
    }
    for (const hook of hooks) await hook();
    return result;
  };
}

/** The slice of a Prisma client whose interactive transactions {@link prismaTransactions} wraps. */
export interface PrismaTransactional {
  $transaction<R>(
    fn: (tx: SqlExecutor) => Promise<R>,
    options?: { maxWait?: number; timeout?: number },
  ): Promise<R>;
}

/**
 * Runs each function in one Prisma interactive transaction, seen as a {@link SqlTransaction}: for HTTP
 * routes, which use the service's Prisma pool (the consumer has its own, see {@link sqlTransactions}).
 */
export function prismaTransactions(client: PrismaTransactional): TransactionRunner<SqlTransaction> {
  return async <R>(fn: (tx: SqlTransaction) => Promise<R>): Promise<R> => {
    const hooks: (() => Promise<void> | void)[] = [];
    const result = await client.$transaction(
      (tx) =>
        fn({
          $queryRawUnsafe: <T>(query: string, ...values: unknown[]) =>
            tx.$queryRawUnsafe<T>(query, ...values),
          $executeRawUnsafe: (query: string, ...values: unknown[]) => tx.$executeRawUnsafe(query, ...values),
          afterCommit: (hook) => void hooks.push(hook),
        }),
      // A burst of requests waits for a pooled connection instead of failing after Prisma's 2 s.
      { maxWait: 10_000, timeout: 15_000 },
    );
    for (const hook of hooks) await hook();
    return result;
  };
}
