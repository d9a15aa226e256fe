import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { createLogger, type Logger } from './logger';

let fallbackLogger: Logger | undefined;

/** Options of {@link databasePool}. */
export interface DatabasePoolOptions {
  poolSize?: number;
  /** Where lost connections are reported; default a `database` logger on stderr. */
  logger?: Logger;
  /** Waiting for a free or new connection longer than this fails the call (a hung server must not hang callers). */
  connectionTimeoutMs?: number;
  /** A statement running longer than this fails client-side. */
  queryTimeoutMs?: number;
}

/**
 * A pg pool that survives the server going away: every client gets an 'error' listener (pg emits
 * "Connection terminated unexpectedly" on idle and checked-out clients; unheard, it kills the process),
 * and connecting or querying a hung server times out instead of waiting forever.
 */
export function databasePool(databaseUrl: string, opts: DatabasePoolOptions = {}): pg.Pool {
  const log = (
    opts.logger ?? (fallbackLogger ??= createLogger({ service: 'database', level: 'warn' }))
  ).child({
    component: 'database',
  });
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 5_000,
    query_timeout: opts.queryTimeoutMs ?? 30_000,
  });
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'database connection lost'));
  });
  return pool;
}

/** Raised by {@link admit}: the pool's queue is full; the HTTP kit answers 503 with Retry-After (a `busy` database). */
export class PoolQueueFullError extends Error {
  override readonly name = 'PoolQueueFullError';
  readonly code = 'POOL_QUEUE_FULL';
  constructor(readonly waiting: number) {
    super(`${waiting} requests already wait for a database connection`);
  }
}

/**
 * Load shedding: refuses at once when `maxWaiting` callers already wait for one of `pool`'s connections.
 * Past that queue a request would wait longer than a client should (and time out anyway), while the work
 * spent on it (and on its retries piling up) takes the CPU that could finish the requests in the queue.
 */
export function admit(pool: pg.Pool, maxWaiting: number): void {
  if (pool.waitingCount >= maxWaiting) throw new PoolQueueFullError(pool.waitingCount);
}

/** The driver adapter a service's generated PrismaClient needs: `new PrismaClient({ adapter: prismaAdapter(url) })`. */
export function prismaAdapter(databaseUrl: string, opts: DatabasePoolOptions = {}): PrismaPg {
  return new PrismaPg(databasePool(databaseUrl, opts), { disposeExternalPool: true });
}
