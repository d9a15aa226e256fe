export {
  ConfigError,
  address,
  bool,
  int,
  list,
  loadConfig,
  oneOf,
  platformSettings,
  redactUrl,
  str,
  url,
} from './config';
export type { ConfigErrorCode, Setting } from './config';
export { createLogger, serviceLogger } from './logger';
export {
  DEFAULT_POSTGRES_SERVER_URL,
  POSTGRES_URL_VARIABLE,
  postgresDatabaseUrl,
  postgresServer,
  serviceDatabaseUrl,
} from './postgres-server';
export type { PostgresServer } from './postgres-server';
export type { Logger } from './logger';
export { PERSONAL_DATA_LOG_PATHS, REDACTED, maskPersonalText } from './personal-data';
export {
  ApiError,
  MAX_LISTED_ERRORS,
  PermanentEventError,
  PROBLEM_STATUS,
  errorCode,
  toProblem,
  validationFailed,
} from './errors';
export type { ApiErrorCode, FieldIssue, PermanentErrorCode, Problem } from './errors';
export { DEFAULT_BACKOFF, backoffDelay, sleep } from './retry';
export type { BackoffOptions } from './retry';
export { asyncGauge, createMetricsRegistry, platformMetrics } from './metrics';
export type { EventCodec, EventEnvelope } from './codec';
export { eventHeaders, headersToRecord, nextTraceparent } from './tracing';
export type { EventHeaders } from './tracing';
export {
  MessagingAttr,
  OrderflowAttr,
  SpanKind,
  TRACER_NAME,
  endSpan,
  failSpan,
  inSpan,
  spanContextOf,
  startSpan,
  traceparentOf,
  tracingEnabled,
} from './spans';
export type { Span } from './spans';
export { SAMPLERS, parseResourceAttributes, traceSettingsFromEnv, tracingOff } from './trace-settings';
export type { SamplerName, TraceExporterKind, TraceSettings } from './trace-settings';
export { startTracing } from './tracing-sdk';
export type { Tracing } from './tracing-sdk';
export { ManagedProducer, createKafka, createProducer, ensureTopics, publishEvent } from './kafka';
export type { EventProducer } from './kafka';
export {
  adminKafkaSecurity,
  describeKafkaSecurity,
  kafkaClientSecurity,
  kafkaSecurityFromEnv,
  localCredentialsFile,
  readLocalCredentials,
  registryAuthFromEnv,
  PLAINTEXT,
} from './kafka-security';
export type { KafkaSecurity, LocalKafkaCredentials, RegistryAuth } from './kafka-security';
export { classifyFailure, isFatalProducerError, TransientFailure } from './failures';
export type { FailureClass } from './failures';
export { DLT_SUFFIX, DltHeaders, deadLetter, deadLetterHeaders, deadLetterTopic } from './dead-letter';
export type { DeadLetterCause, DeadLetterProducer } from './dead-letter';
export { Pruner } from './pruning';
export type { PruneRule } from './pruning';
export type { SqlExecutor, TransactionRunner } from './sql';
export { lockKeys } from './locks';
export { CURRENCY_PATTERN, MAX_UNIT_PRICE_MINOR, SKU_PATTERN, UUID_PATTERN, newId } from './ids';
export { prismaTransactions, sqlTransactions } from './sql-transaction';
export type { PrismaTransactional, SqlTransaction } from './sql-transaction';
export { recordInboxBatch } from './inbox';
export { enqueueOutbox, enqueueOutgoing, onOutboxWake, outgoing, wakeOutboxRelays } from './outbox';
export type { Outgoing, OutgoingGroup } from './outbox';
export { OutboxRelay } from './outbox-relay';
export type { OutboxCodec, OutboxRelayOptions } from './outbox-relay';
export { ConsumerRunner, on, onBatch } from './consumer';
export type {
  ConsumerRunnerOptions,
  ConsumerState,
  StalledPartition,
  ConsumedTopic,
  EventContext,
  BatchEventHandler,
  EventHandler,
  HandledEvent,
  HandlerResult,
  JointHandler,
  Subscription,
} from './consumer';
export { DEFAULT_BIND_ADDRESS, createHttpApp, listen, requestContext } from './http';
export { ID_PARAMS, SECURITY_HEADERS, jsonValues } from './http-input';
export type { IdFormat } from './http-input';
export { isTransientDatabaseError, transientDatabaseReason } from './database-errors';
export type { TransientDatabaseReason } from './database-errors';
export type { HttpAppOptions, ReadinessCheck, RequestContext } from './http';
export { consumerCheck, databaseCheck, kafkaCheck, redisCheck, registryCheck, relayCheck } from './readiness';
export type { ConsumerHealth, RelayHealth } from './readiness';
export { Cache, createRedis } from './cache';
export { runService, stopAll } from './lifecycle';
export type { RunningService } from './lifecycle';
export {
  createServiceRuntime,
  exitOnUnhandledErrors,
  scopeToOrders,
  serviceMain,
  stopSteps,
  untilAvailable,
} from './service-runtime';
export type {
  AssembledService,
  PublishedCodec,
  ServiceAppOptions,
  ServiceDb,
  ServiceRuntime,
  ServiceRuntimeConfig,
  ServiceRuntimeOptions,
  StartedService,
  StopStep,
  StopTargets,
} from './service-runtime';
export { MigrationError, applyMigrations, migrationChecksum, readMigrations } from './db/migrate';
export type { MigrationErrorCode, MigrationFile, MigrationResult } from './db/migrate';
export {
  admit,
  ConnectionWaits,
  databasePool,
  PoolQueueFullError,
  prismaAdapter,
  prismaAdapterOn,
} from './prisma';
export type { AdmissionLimits } from './prisma';
export type { DatabasePoolOptions } from './prisma';
export { accessMatcher, grants, GRANTING_SCOPES, PLATFORM_ACCESS, SCOPES } from './auth/access';
export type { Access, AccessMatcher, AccessRule } from './auth/access';
export { authGuard, principal } from './auth/guard';
export type { HttpAuth } from './auth/guard';
export { redisRateLimiter, verdict } from './auth/rate-limit';
export type { RateLimiter, RateVerdict } from './auth/rate-limit';
export { authSettings, resolveAuth, verifierFromConfig } from './auth/settings';
export type { AuthConfig, ConfiguredVerifier, ResolvedAuth } from './auth/settings';
export {
  ACCEPTED_ALGORITHMS,
  bearerChallenge,
  createTokenVerifier,
  readJwksFile,
  unauthenticated,
} from './auth/verifier';
export type { KeySource, Principal, TokenVerifier } from './auth/verifier';
export {
  DEV_AUDIENCE,
  DEV_ISSUER,
  DEV_JWKS_DIR,
  devJwksDir,
  devJwksFiles,
  devTokenMinter,
  ensureDevIssuer,
} from './auth/dev-issuer';
export type { DevTokenClaims, DevTokenMinter } from './auth/dev-issuer';
