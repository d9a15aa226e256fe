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
  /** Parameterised statements run as named prepared statements (default true; see {@link preparedName}). */
  prepare?: boolean;
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
  trackWaits(pool);
  pool.on('error', (err) => log.warn({ err }, 'idle database connection lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err }, 'database connection lost'));
    if (opts.prepare !== false) prepareStatements(client);
  });
  return pool;
}

/** Distinct statement texts prepared per process at most; any further text runs unnamed (parsed each time). */
export const MAX_PREPARED_STATEMENTS = 256;
const statementNames = new Map<string, string>();

/** The server-side name of a parameterised statement's text, or undefined past {@link MAX_PREPARED_STATEMENTS}. */
export function preparedName(text: string): string | undefined {
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < MAX_PREPARED_STATEMENTS) {
    name = `orderflow_${statementNames.size + 1}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * Runs every parameterised `query(text, values)` on this connection as a named prepared statement: the
 * server parses and plans a text once per connection instead of at every call (the consumers', the
 * relays' and the order API's statements are a fixed set of texts; bench/reports/profile.md "Stop 14").
 * Object-form calls (Prisma's adapter) and statements without parameters (BEGIN, COMMIT, VACUUM) are
 * left as they are. The names are per text and process-wide, so the cap also bounds each connection.
 */
function prepareStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0) {
      const name = preparedName(text);
      if (name !== undefined) return query({ name, text, values }, ...args.slice(2));
    }
    return query(...args);
  };
}

/**
 * The callers waiting for a pool's connections, oldest first. pg's pool hands connections out in
 * arrival order, so the oldest caller still waiting is the head of this queue and its age is how long a
 * request arriving now can expect to wait (the queue's delay, whatever its length).
 */
export class ConnectionWaits {
  private readonly started: number[] = [];
  private readonly done = new Set<number>();
  private head = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** A caller starts waiting; returns its ticket. */
  enter(): number {
    this.started.push(this.now());
    return this.head + this.started.length - 1;
  }

  /** The caller holding `ticket` got a connection (or gave up). */
  leave(ticket: number): void {
    this.done.add(ticket);
    while (this.done.delete(this.head)) {
      this.head += 1;
      this.started.shift();
    }
  }

  /** How long the oldest caller still waiting has waited (0 when none waits). */
  oldestWaitMs(): number {
    const first = this.started[0];
    return first === undefined ? 0 : this.now() - first;
  }
}

const waitsOf = new WeakMap<pg.Pool, ConnectionWaits>();

/** Records every caller's wait for one of `pool`'s connections (see {@link ConnectionWaits}). */
function trackWaits(pool: pg.Pool): void {
  const waits = new ConnectionWaits();
  waitsOf.set(pool, waits);
  const connect = pool.connect.bind(pool) as (cb?: (...args: unknown[]) => void) => unknown;
  // pool.query() calls this.connect(callback); route both forms through the ticket.
  (pool as unknown as { connect: (cb?: (...args: unknown[]) => void) => unknown }).connect = (cb) => {
    const ticket = waits.enter();
    if (cb)
      return connect((...args: unknown[]) => {
        waits.leave(ticket);
        cb(...args);
      });
    return (connect() as Promise<pg.PoolClient>).finally(() => waits.leave(ticket));
  };
}

/** Raised by {@link admit}: the pool's queue is too long or too slow; the HTTP kit answers 503 with Retry-After (a `busy` database). */
export class PoolQueueFullError extends Error {
  override readonly name = 'PoolQueueFullError';
  readonly code = 'POOL_QUEUE_FULL';
  constructor(
    readonly waiting: number,
    readonly oldestWaitMs = 0,
  ) {
    super(
      oldestWaitMs > 0
        ? `the oldest of ${waiting} waiting requests has waited ${Math.round(oldestWaitMs)} ms for a database connection`
        : `${waiting} requests already wait for a database connection`,
    );
  }
}

/** Limits of {@link admit}. */
export interface AdmissionLimits {
  /** Refuse when this many callers already wait for a connection (a hard backstop on memory). */
  maxWaiting: number;
  /** Refuse when the oldest waiting caller has waited this long (the pool must come from {@link databasePool}). */
  maxWaitMs?: number;
}

/**
 * Load shedding: refuses at once when the pool's queue is already too slow (its oldest caller has waited
 * `maxWaitMs`) or too long (`maxWaiting` callers). Past that a request would wait longer than a client
 * should, while the work spent on it (and on its retries piling up) takes the CPU that could finish the
 * requests in the queue. Shedding by the queue's delay rather than its length lets a burst through (a
 * hundred requests at once drain in milliseconds) and still refuses a sustained overload early, whatever
 * the pool's speed.
 */
export function admit(pool: pg.Pool, limits: AdmissionLimits | number): void {
  const { maxWaiting, maxWaitMs } = typeof limits === 'number' ? { maxWaiting: limits } : limits;
  const waiting = pool.waitingCount;
  if (waiting >= maxWaiting) throw new PoolQueueFullError(waiting);
  if (maxWaitMs === undefined || waiting === 0) return;
  const oldest = waitsOf.get(pool)?.oldestWaitMs() ?? 0;
  if (oldest >= maxWaitMs) throw new PoolQueueFullError(waiting, oldest);
}

/** The driver adapter a service's generated PrismaClient needs: `new PrismaClient({ adapter: prismaAdapter(url) })`. */
export function prismaAdapter(databaseUrl: string, opts: DatabasePoolOptions = {}): PrismaPg {
  return prismaAdapterOn(databasePool(databaseUrl, opts));
}

/** Prisma's driver adapter on `pool`, for a service that also queries the pool directly (the adapter closes it). */
export function prismaAdapterOn(pool: pg.Pool): PrismaPg {
  return new PrismaPg(pool, { disposeExternalPool: true });
}
