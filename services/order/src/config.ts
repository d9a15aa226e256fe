// The order service's settings: the only module that reads process.env. Validated at start-up; every
// missing or malformed variable is reported at once, naming what to set.
import path from 'node:path';
import { authSettings, int, loadConfig, platformSettings, str } from '@orderflow/platform';

const spec = {
  ...platformSettings('order', 8001),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /** Largest accepted JSON body (express syntax); larger POST bodies get 413. */
  bodyLimit: str('ORDER_BODY_LIMIT', { default: '64kb' }),
  /** How long GET /orders/{id} answers from Redis before reading the database again. */
  cacheTtlSeconds: int('ORDER_CACHE_TTL_SECONDS', { default: 60, min: 1, max: 86_400 }),
  /** The OpenAPI document requests are validated against (the same one the client is generated from). */
  openApiPath: str('ORDER_OPENAPI_PATH', {
    default: path.resolve(__dirname, '../../../schemas/openapi/order-api.yaml'),
  }),
  /** Database connections per process for the saga consumer's transactions, the sweeper and reads. */
  databasePoolSize: int('ORDER_DATABASE_POOL_SIZE', { default: 10, min: 1, max: 200 }),
  /** Connections of POST /orders' own pool (one statement per order; the saga's consumer uses the other pool). */
  writePoolSize: int('ORDER_WRITE_POOL_SIZE', { default: 8, min: 1, max: 200 }),
  /** POSTs that may wait for one of those connections; past that a POST is answered 503 + Retry-After at once. */
  writeQueueLimit: int('ORDER_WRITE_QUEUE_LIMIT', { default: 256, min: 0, max: 100_000 }),
  /** A POST is answered 503 + Retry-After at once while the oldest POST waiting for a connection has waited this long. */
  writeMaxWaitMs: int('ORDER_WRITE_MAX_WAIT_MS', { default: 1_000, min: 1, max: 600_000 }),
  /** POSTs are answered 503 + Retry-After while this many orders are still in the saga (PENDING or PAID); 0: no limit. */
  maxOpenSagas: int('ORDER_MAX_OPEN_SAGAS', { default: 1_000, min: 0, max: 10_000_000 }),
  /** GET /orders/{id}?wait=N reads held at once per process; past it such a read is answered at once. */
  maxWaitingReads: int('ORDER_MAX_WAITING_READS', { default: 10_000, min: 0, max: 1_000_000 }),
  /** A held read looks at its order again at least this often (a change another instance announced while Redis was away). */
  waitRecheckMs: int('ORDER_WAIT_RECHECK_MS', { default: 5_000, min: 100, max: 30_000 }),
  /** Kafka consumer group of the saga tracker; also the inbox's `consumer` column. */
  consumerGroup: str('ORDER_CONSUMER_GROUP', { default: 'order-service' }),
  /** How long an order may take to reach a final status; past it, it ends EXPIRED and is compensated. */
  sagaDeadlineMs: int('ORDER_SAGA_DEADLINE_MS', { default: 300_000, min: 1_000 }),
  /** How often the deadline sweeper looks for overdue orders. */
  expirySweepIntervalMs: int('ORDER_EXPIRY_SWEEP_INTERVAL_MS', { default: 5_000, min: 50, max: 3_600_000 }),
  /** Orders expired per sweeper transaction (a sweep runs batches until one comes back short). */
  expiryBatchSize: int('ORDER_EXPIRY_BATCH_SIZE', { default: 100, min: 1, max: 10_000 }),
  /** How long an Idempotency-Key is remembered; older keys are pruned and may be used again. */
  idempotencyKeyRetentionMs: int('ORDER_IDEMPOTENCY_KEY_RETENTION_MS', { default: 86_400_000, min: 60_000 }),
};

/** The order service's validated configuration. */
export type OrderConfig = ReturnType<typeof loadOrderConfig>;

/** Reads and validates the environment (throws ConfigError listing every problem). */
export function loadOrderConfig(env: Readonly<Record<string, string | undefined>> = process.env) {
  return loadConfig(spec, env);
}
