// Which database errors mean "the database is unavailable or busy right now" (retry the same request
// shortly) rather than "this request or the code is wrong". One module for every service, so a
// PostgreSQL restart answers 503 + Retry-After everywhere instead of 500 in some services.
//
// The same failure reaches us in several shapes: node-postgres errors (SQLSTATE in `code`), Node
// socket errors (`ECONNREFUSED`…), Prisma errors (`P1001`…), and Prisma-over-driver-adapter errors
// that carry the driver's error in `meta.driverAdapterError.cause` (`kind`, `originalCode`). The
// predicate looks through all of them, and through `cause` chains, by own properties only.

/** Why a database error is worth retrying. */
export type TransientDatabaseReason = 'unavailable' | 'busy' | 'conflict';

// SQLSTATE class 08: connection exception (08000, 08003, 08006, 08001, 08004, …).
const CONNECTION_EXCEPTION_CLASS = '08';

const SQLSTATE: ReadonlyMap<string, TransientDatabaseReason> = new Map([
  ['57P01', 'unavailable'], // admin_shutdown: the server is stopping or our backend was terminated
  ['57P02', 'unavailable'], // crash_shutdown
  ['57P03', 'unavailable'], // cannot_connect_now: "the database system is starting up"
  ['57P05', 'unavailable'], // idle_session_timeout: the server closed the session
  ['53300', 'busy'], // too_many_connections
  ['53000', 'busy'], // insufficient_resources
  ['55P03', 'busy'], // lock_not_available (lock_timeout)
  // A serialization failure or deadlock succeeds when the same request is simply sent again; the
  // client did nothing wrong, so it is a retryable 503 rather than a 409 the client must resolve.
  ['40001', 'conflict'], // serialization_failure
  ['40P01', 'conflict'], // deadlock_detected
]);

// Prisma error codes (https://www.prisma.io/docs/orm/reference/error-reference).
const PRISMA: ReadonlyMap<string, TransientDatabaseReason> = new Map([
  ['P1001', 'unavailable'], // can't reach the database server
  ['P1002', 'unavailable'], // the database server was reached but timed out
  ['P1008', 'busy'], // operations timed out
  ['P1017', 'unavailable'], // the server has closed the connection
  ['P2024', 'busy'], // timed out fetching a connection from the pool
  ['P2028', 'busy'], // transaction API error (e.g. could not start a transaction in time)
  ['P2034', 'conflict'], // write conflict or deadlock; retry the transaction
  ['P2037', 'busy'], // too many database connections opened
]);

// `kind` of a Prisma driver adapter error (@prisma/driver-adapter-utils).
const ADAPTER_KIND: ReadonlyMap<string, TransientDatabaseReason> = new Map([
  ['DatabaseNotReachable', 'unavailable'],
  ['ConnectionClosed', 'unavailable'],
  ['SocketTimeout', 'busy'],
  ['TooManyConnections', 'busy'],
  ['TransactionWriteConflict', 'conflict'],
]);

// Node socket errors while connecting to or talking with the server.
const SOCKET: ReadonlyMap<string, TransientDatabaseReason> = new Map([
  ['ECONNREFUSED', 'unavailable'],
  ['ECONNRESET', 'unavailable'],
  ['EPIPE', 'unavailable'],
  ['ETIMEDOUT', 'busy'],
  ['EHOSTUNREACH', 'unavailable'],
  ['ENETUNREACH', 'unavailable'],
  ['EAI_AGAIN', 'unavailable'],
  // Not a socket error: our own pool shed the call (prisma.ts admit(): too many already wait for a connection).
  ['POOL_QUEUE_FULL', 'busy'],
]);

// node-postgres and pg-pool raise these as plain Errors without a code.
const MESSAGES: readonly [RegExp, TransientDatabaseReason][] = [
  [/^Connection terminated unexpectedly/, 'unavailable'],
  [/^Connection terminated due to connection timeout/, 'busy'],
  [/^timeout exceeded when trying to connect/, 'busy'],
  [/^Client has encountered a connection error and is not queryable/, 'unavailable'],
  [/^Can't reach database server/, 'unavailable'],
];

// Error classes from which Prisma raises database outages by name (matched by name, not instanceof,
// so every generated client's copy of the runtime classifies alike).
const PRISMA_ERRORS = new Set([
  'PrismaClientKnownRequestError',
  'PrismaClientUnknownRequestError',
  'PrismaClientInitializationError',
  'PrismaClientRustPanicError',
]);

const MAX_DEPTH = 6;

function own(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && Object.hasOwn(value, key)
    ? (value as Record<string, unknown>)[key]
    : undefined;
}

function lookup(table: ReadonlyMap<string, TransientDatabaseReason>, key: unknown) {
  return typeof key === 'string' ? table.get(key) : undefined;
}

function sqlstate(code: unknown): TransientDatabaseReason | undefined {
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return undefined;
  return code.startsWith(CONNECTION_EXCEPTION_CLASS) ? 'unavailable' : SQLSTATE.get(code);
}

function classify(err: unknown, depth: number): TransientDatabaseReason | undefined {
  if (depth > MAX_DEPTH || typeof err !== 'object' || err === null) return undefined;
  const name = own(err, 'name') ?? (err instanceof Error ? err.name : undefined);
  const code = own(err, 'code');
  const reason =
    (typeof name === 'string' && PRISMA_ERRORS.has(name) ? lookup(PRISMA, code) : undefined) ??
    lookup(PRISMA, own(err, 'errorCode')) ??
    sqlstate(code) ??
    sqlstate(own(err, 'originalCode')) ??
    lookup(SOCKET, code) ??
    lookup(ADAPTER_KIND, own(err, 'kind'));
  if (reason) return reason;
  const message = err instanceof Error ? err.message : own(err, 'message');
  if (typeof message === 'string') {
    for (const [pattern, why] of MESSAGES) if (pattern.test(message)) return why;
  }
  // Prisma's client could not start at all: the database is unreachable or refuses us.
  if (name === 'PrismaClientInitializationError') return 'unavailable';
  const nested = [
    own(own(err, 'meta'), 'driverAdapterError'),
    own(err, 'cause'),
    ...(Array.isArray(own(err, 'errors')) ? (own(err, 'errors') as unknown[]) : []),
  ];
  for (const inner of nested) {
    const found = classify(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** Why `err` is a database error the same request may succeed after on retry, or undefined when it is not one. */
export function transientDatabaseReason(err: unknown): TransientDatabaseReason | undefined {
  return classify(err, 0);
}

/** True for a database outage, overload or retryable conflict (pg, Prisma, or socket shape): answer 503, retry events. */
export function isTransientDatabaseError(err: unknown): boolean {
  return transientDatabaseReason(err) !== undefined;
}
