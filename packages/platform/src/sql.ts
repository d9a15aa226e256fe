/**
 * The slice of a Prisma client (or interactive-transaction client) the platform uses: any service's
 * generated client satisfies it, so the outbox and inbox helpers work inside that service's transaction.
 * Values are bound as parameters ($1, $2, …), never spliced into the text.
 */
export interface SqlExecutor {
  $executeRawUnsafe(query: string, ...values: unknown[]): PromiseLike<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: unknown[]): PromiseLike<T>;
}

/** Runs a function in one database transaction (e.g. `(fn) => prisma.$transaction(fn)`). */
export type TransactionRunner<Tx extends SqlExecutor> = <R>(fn: (tx: Tx) => Promise<R>) => Promise<R>;
