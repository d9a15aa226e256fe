import { isTransientDatabaseError } from './database-errors';

/**
 * How a consumer treats a failure:
 * - `permanent`: retrying cannot help (undecodable or invalid event, a deterministic domain or data error)
 *   → dead-letter at once;
 * - `transient`: an outage of something the handler depends on (database, broker, registry, Redis, a
 *   webhook): connection errors, timeouts, 5xx, lock and serialization failures → retry with backoff for
 *   as long as it takes, never dead-lettered;
 * - `bounded`: anything else (an unknown error, a schema id the registry does not know yet) → retried a
 *   bounded number of times, then dead-lettered, so an unexpected bug stops only its own message.
 */
export type FailureClass = 'permanent' | 'transient' | 'bounded';

// @orderflow/codec's codes, matched by name and code rather than instanceof so a second copy of the
// package still classifies.
const PERMANENT_CODEC_CODES = new Set(['BAD_FRAMING', 'INVALID_DATA', 'SCHEMA_MISMATCH', 'TOO_LARGE']);
const TRANSIENT_REGISTRY_CODES = new Set(['UNAVAILABLE', 'TIMEOUT', 'MISCONFIGURED']);

// SQLSTATE outages beyond isTransientDatabaseError's list (the one the HTTP kit shares): the rest of
// class 53 (disk full, out of memory), 58 system error, 57014 query canceled (statement_timeout),
// 25P04 idle-in-transaction timeout.
const TRANSIENT_SQLSTATE = /^(53|58|57014|25P04)/;
// SQLSTATE: 22 data exception, 23 integrity constraint violation, 42 syntax or access rule: the same
// statement with the same data fails the same way.
const PERMANENT_SQLSTATE = /^(22|23|42)/;

// Prisma: value too long, unique / foreign-key violations, invalid values, missing required values.
const PERMANENT_PRISMA = new Set(['P2000', 'P2002', 'P2003', 'P2004', 'P2005', 'P2006', 'P2007', 'P2011']);

const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_HEADERS_TIMEOUT',
]);

const TRANSIENT_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSConnectionClosedError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSTimeout',
  'MaxRetriesPerRequestError',
  'TimeoutError',
  'AbortError',
  'PrismaClientInitializationError',
  'PrismaClientRustPanicError',
  'DriverAdapterError',
  'TransientFailure',
]);

const TRANSIENT_MESSAGES =
  /connection terminated|terminating connection|connection (is )?closed|the database system is (starting up|shutting down|in recovery)|timeout exceeded when trying to connect|query read timeout|command timed out|socket hang up|fetch failed|transaction already closed|transaction not found|expired transaction/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  retriable?: unknown;
  transient?: unknown;
  cause?: unknown;
  originalError?: unknown;
  errors?: unknown;
}

/** An outage the caller marks as such (e.g. a webhook answering 503): always retried, never dead-lettered. */
export class TransientFailure extends Error {
  override readonly name = 'TransientFailure';
  readonly transient = true;
}

function classifyOne(e: ErrorLike): FailureClass | undefined {
  const name = typeof e.name === 'string' ? e.name : '';
  const code = typeof e.code === 'string' ? e.code : undefined;
  const message = typeof e.message === 'string' ? e.message : '';
  if (name === 'PermanentEventError') return 'permanent';
  if (name === 'CodecError') {
    if (code !== undefined && PERMANENT_CODEC_CODES.has(code)) return 'permanent';
    return 'bounded';
  }
  if (name === 'RegistryError') {
    return code !== undefined && TRANSIENT_REGISTRY_CODES.has(code) ? 'transient' : 'bounded';
  }
  if (name === 'WebhookDeliveryError') {
    if (code === 'TIMEOUT' || code === 'UNREACHABLE') return 'transient';
    return /answered (5\d\d|408|429)\b/.test(message) ? 'transient' : 'bounded';
  }
  if (e.transient === true) return 'transient';
  if (code !== undefined) {
    if (TRANSIENT_ERRNO.has(code)) return 'transient';
    if (PERMANENT_PRISMA.has(code)) return 'permanent';
    if (/^[0-9A-Z]{5}$/.test(code)) {
      if (TRANSIENT_SQLSTATE.test(code)) return 'transient';
      if (PERMANENT_SQLSTATE.test(code)) return 'permanent';
    }
  }
  if (TRANSIENT_NAMES.has(name)) return 'transient';
  // kafkajs marks broker-side retriable protocol errors (leader not available, not enough replicas…).
  if (name.startsWith('KafkaJS') && e.retriable === true) return 'transient';
  if (name === 'PrismaClientValidationError') return 'permanent';
  if (TRANSIENT_MESSAGES.test(message)) return 'transient';
  return undefined;
}

/** Classifies a failure by the error and its causes (`cause`, kafkajs `originalError`, aggregate `errors`). */
export function classifyFailure(err: unknown): FailureClass {
  // The one list of database outages (the HTTP kit answers 503 for the same errors), every shape included.
  if (isTransientDatabaseError(err)) return 'transient';
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  let verdict: FailureClass | undefined;
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const one = classifyOne(e);
    // An outage anywhere in the chain wins: the same event will succeed once it is over.
    if (one === 'transient') return 'transient';
    verdict ??= one;
    const { cause, originalError, errors } = e as ErrorLike;
    queue.push(cause, originalError);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return verdict ?? 'bounded';
}

/** kafkajs producer errors after which the idempotent producer's state is unusable: recreate it. */
const FATAL_PRODUCER_TYPES = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
  'INVALID_PRODUCER_ID_MAPPING',
  'PRODUCER_FENCED',
  'DUPLICATE_SEQUENCE_NUMBER',
]);

/** True when an error (or one of its causes) says the idempotent producer must be recreated. */
export function isFatalProducerError(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0 && seen.size < 16) {
    const e = queue.shift();
    if (e === null || typeof e !== 'object' || seen.has(e)) continue;
    seen.add(e);
    const { type, message, cause, originalError, errors } = e as ErrorLike & { type?: unknown };
    if (typeof type === 'string' && FATAL_PRODUCER_TYPES.has(type)) return true;
    if (
      typeof message === 'string' &&
      /out of order sequence|unknown producer id|producer.*(epoch|fenced)/i.test(message)
    )
      return true;
    queue.push(cause, originalError);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return false;
}
