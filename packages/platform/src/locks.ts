import type { SqlExecutor } from './sql';

/**
 * Takes a transaction-scoped advisory lock per key (held until the transaction ends) in one statement,
 * in one fixed order (sorted, duplicates dropped), so two transactions locking overlapping sets never
 * wait on each other in opposite orders. A single-key lock of the same key is the same lock.
 */
export async function lockKeys(tx: SqlExecutor, keys: Iterable<string>): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  // unnest yields the array's elements in order, and the aggregate takes them as they come.
  await tx.$queryRawUnsafe(
    `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0)))::int AS n FROM unnest($1::text[]) AS k`,
    sorted,
  );
}
