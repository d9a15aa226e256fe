import { formatIssues, type SchemaRegistryClient, type ValidationIssue } from '@orderflow/codec';
import type { Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventCodec, EventEnvelope } from './codec';
import { deadLetter, type DeadLetterProducer } from './dead-letter';
import { PermanentEventError } from './errors';
import { classifyFailure, type FailureClass } from './failures';
import { recordInbox } from './inbox';
import type { Logger } from './logger';
import { platformMetrics } from './metrics';
import { enqueueOutgoing, type Outgoing } from './outbox';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './retry';
import type { SqlExecutor, TransactionRunner } from './sql';
import { eventHeaders, headersToRecord, type EventHeaders } from './tracing';

const COMMIT_EVERY_MS = 200;

/** What a handler knows about the message it handles. */
export interface EventContext {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  correlationId: string | undefined;
  traceparent: string | undefined;
  eventId: string;
  /** Logger bound to topic, orderId, eventId and correlationId. */
  log: Logger;
  /** Headers for events this one causes: same correlation id and trace, causation-id = this eventId. */
  outgoingHeaders(): EventHeaders;
}

/** What a handler returns: the events it publishes (enqueued in its transaction), or nothing. */
export type HandlerResult = readonly Outgoing[] | void;

/**
 * Handles one decoded, validated event of a subscribed topic and returns the events it publishes.
 *
 * The contract, which lets the runtime later hand a whole partition's batch to one transaction:
 * - every effect goes through `tx` (the runtime opens, commits and rolls it back; never open another,
 *   never commit it); the inbox row, the effect and the returned events commit together, or none do;
 * - publish by returning `Outgoing` events (`outgoing(codec, event)`), never by writing the outbox
 *   yourself: the runtime enqueues them with `ctx.outgoingHeaders()` (correlation-id, traceparent,
 *   causation-id = the handled eventId);
 * - a lock taken on `tx` is held until that transaction ends (possibly after later events of the
 *   batch), so take transaction-scoped locks only (`FOR UPDATE`, `pg_advisory_xact_lock`);
 * - throw to fail the event: the transaction rolls back and the runner retries or dead-letters it.
 */
export type EventHandler<T, Tx> = (event: T, tx: Tx, ctx: EventContext) => Promise<HandlerResult>;

/** One topic's decoder and handler (build with `on(descriptor, registry, handler)`). */
export interface Subscription<Tx> {
  topic: string;
  handle(
    bytes: Buffer,
    ctx: Omit<EventContext, 'eventId' | 'log' | 'outgoingHeaders'>,
    run: HandleRun<Tx>,
  ): Promise<'handled' | 'duplicate'>;
}

type HandleRun<Tx> = (
  event: EventEnvelope,
  apply: (tx: Tx, eventCtx: EventContext) => Promise<void>,
) => Promise<'handled' | 'duplicate'>;

/**
 * A consumed topic as the generated contracts describe it: `orderCreated`, `paymentSuccessful`, … (a
 * `TopicDescriptor` of @orderflow/contracts) satisfy it. The subscription decodes with its codec and
 * validates with its validator, so neither can belong to another topic.
 */
export interface ConsumedTopic<T> {
  readonly topic: string;
  /** Issues that make a decoded value unusable; [] when valid. */
  validate(value: unknown): readonly ValidationIssue[];
  /** A reading codec bound to `registry` (a consumer never registers schemas); only its decoding is used. */
  codec(registry: SchemaRegistryClient): Pick<EventCodec<T>, 'topic' | 'decode'>;
}

/**
 * Subscribes `handler` to the descriptor's topic: each message is decoded with the descriptor's codec,
 * checked by its generated validator (a failure is permanent: the message is dead-lettered), handled in
 * the runner's transaction, and the events the handler returns are enqueued in that same transaction.
 */
export function on<T extends EventEnvelope, Tx extends SqlExecutor>(
  descriptor: ConsumedTopic<T>,
  registry: SchemaRegistryClient,
  handler: EventHandler<T, Tx>,
): Subscription<Tx> {
  const codec = descriptor.codec(registry);
  if (codec.topic !== descriptor.topic)
    throw new Error(`the codec of ${descriptor.topic} reads ${codec.topic}`);
  return {
    topic: descriptor.topic,
    async handle(bytes, _ctx, run) {
      const event = await codec.decode(bytes);
      const issues = descriptor.validate(event);
      if (issues.length > 0) {
        throw new PermanentEventError(
          'INVALID_EVENT',
          `invalid ${descriptor.topic} event: ${formatIssues(issues)}`,
        );
      }
      if (typeof event.eventId !== 'string' || typeof event.orderId !== 'string') {
        throw new PermanentEventError('INVALID_EVENT', `${descriptor.topic} event has no eventId/orderId`);
      }
      return run(event, async (tx, eventCtx) => {
        const published = await handler(event, tx, eventCtx);
        if (published && published.length > 0)
          await enqueueOutgoing(tx, published, eventCtx.outgoingHeaders());
      });
    },
  };
}

/** Options of a consumer runner. */
export interface ConsumerRunnerOptions<Tx extends SqlExecutor> {
  kafka: Kafka;
  /** The consumer group; also the inbox's `consumer` column. */
  groupId: string;
  subscriptions: readonly Subscription<Tx>[];
  /** Opens the database transaction the inbox row, the effect and the outbox rows share. */
  transaction: TransactionRunner<Tx>;
  /** Used to publish dead letters (`<topic>.DLT`). */
  producer: DeadLetterProducer;
  logger: Logger;
  metrics: Registry;
  /** Backoff between attempts of a failing message; its partition is paused meanwhile. */
  backoff?: BackoffOptions;
  /** Attempts of a message whose failure is neither permanent nor an outage, before it is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Partitions handled at once (order within a partition is kept). Default 3. */
  concurrency?: number;
  fromBeginning?: boolean;
  /** kafkajs session timeout (default 30 s); heartbeats keep going while a partition waits. */
  sessionTimeoutMs?: number;
}

/** Where a consumer runner is: `/ready` fails unless it is `running`. */
export type ConsumerState = 'idle' | 'starting' | 'running' | 'restarting' | 'stopped' | 'failed';

/** A partition waiting to retry its first unhandled message. */
export interface StalledPartition {
  topic: string;
  partition: number;
  offset: string;
  attempts: number;
  /** When the first attempt failed (ms since the epoch). */
  since: number;
  failureClass: FailureClass;
  error: string;
}

interface RetryState extends StalledPartition {
  timer: NodeJS.Timeout | undefined;
}

type Outcome = 'handled' | 'duplicate' | 'dead_lettered';

/**
 * Consumes the subscribed topics: decode → handler in one transaction with the inbox row → commit the
 * offset once that transaction committed (autoCommit off; commits batched per partition).
 *
 * One message only ever stops itself: a permanent failure goes to `<topic>.DLT` at once; an unknown
 * failure is retried `maxAttempts` times, then dead-lettered; an outage (database, broker, registry,
 * Redis, webhook) is retried for as long as it takes. While a message waits for its next attempt its
 * partition is paused and the batch returns, so other partitions keep flowing and heartbeats go on.
 * A consumer that crashes without kafkajs restarting it is recreated with backoff.
 */
export class ConsumerRunner<Tx extends SqlExecutor> {
  private consumer: Consumer;
  private readonly byTopic: Map<string, Subscription<Tx>>;
  private readonly log: Logger;
  private readonly metrics;
  private readonly backoff: BackoffOptions;
  private readonly maxAttempts: number;
  private readonly retries = new Map<string, RetryState>();
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private currentState: ConsumerState = 'idle';
  private stateSince = Date.now();

  constructor(private readonly opts: ConsumerRunnerOptions<Tx>) {
    this.byTopic = new Map(opts.subscriptions.map((s) => [s.topic, s]));
    this.log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
    this.metrics = platformMetrics(opts.metrics);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.consumer = this.createConsumer();
  }

  /** Connects, subscribes and starts handling messages in the background. */
  async start(): Promise<void> {
    this.setState('starting');
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.byTopic.keys()],
      fromBeginning: this.opts.fromBeginning ?? true,
    });
    // kafkajs's run() resolves only once the group is joined, which after a crash waits out the dead
    // member's session: do not hold the service's start-up (and its HTTP API) on it. /ready says
    // 'starting' until the join (GROUP_JOIN), and a failed run is handled like a crash.
    const consumer = this.consumer;
    consumer
      .run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.concurrency ?? 3,
        eachBatch: (payload) => this.eachBatch(payload),
      })
      .catch((err: unknown) => {
        if (this.stopping || consumer !== this.consumer) return;
        this.log.error({ err }, 'consumer failed to start; recreating it');
        this.setState('restarting');
        this.scheduleRestart();
      });
  }

  /** Finishes the messages in flight (a waiting retry is abandoned; its message stays uncommitted) and disconnects. */
  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.restartTimer);
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    await this.consumer.disconnect();
    this.setState('stopped');
  }

  /** The underlying kafkajs consumer (for tests). */
  get kafkaConsumer(): Consumer {
    return this.consumer;
  }

  /** The runner's state and since when (ms since the epoch). */
  get state(): { state: ConsumerState; since: number } {
    return { state: this.currentState, since: this.stateSince };
  }

  /** Partitions waiting to retry a message, oldest first. */
  stalledPartitions(): StalledPartition[] {
    return [...this.retries.values()]
      .map(({ timer: _timer, ...rest }) => rest)
      .sort((a, b) => a.since - b.since);
  }

  private setState(state: ConsumerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.stateSince = Date.now();
    for (const s of ['idle', 'starting', 'running', 'restarting', 'stopped', 'failed'] as const)
      this.metrics.consumerState.set({ group: this.opts.groupId, state: s }, s === state ? 1 : 0);
  }

  private createConsumer(): Consumer {
    const consumer = this.opts.kafka.consumer({
      groupId: this.opts.groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: this.opts.sessionTimeoutMs ?? 30_000,
      heartbeatInterval: 3_000,
      // A resumed partition is fetched again only when the fetch in flight returns: keep that wait short.
      maxWaitTimeInMs: 1_000,
      // kafkajs retries its own broker calls before CRASH; a crash with restart=false is ours to handle.
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    const { CRASH, GROUP_JOIN, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, () => {
      this.restarts = 0;
      this.setState('running');
    });
    consumer.on(STOP, () => {
      if (!this.stopping) this.setState('stopped');
    });
    consumer.on(CRASH, (event) => {
      const { error, restart } = event.payload;
      this.metrics.consumerCrashes.inc({ group: this.opts.groupId });
      if (this.stopping) return;
      if (restart) {
        this.log.error({ err: error }, 'consumer crashed; kafkajs restarts it');
        this.setState('restarting');
        return;
      }
      this.log.error({ err: error }, 'consumer crashed and will not restart by itself; recreating it');
      this.setState('restarting');
      this.scheduleRestart();
    });
    return consumer;
  }

  private scheduleRestart(): void {
    const delay = backoffDelay(this.restarts++, { initialMs: 1000, maxMs: 30_000 });
    this.restartTimer = setTimeout(() => {
      void this.restart(delay);
    }, delay);
  }

  private async restart(afterMs: number): Promise<void> {
    if (this.stopping) return;
    this.log.warn({ afterMs, restarts: this.restarts }, 'recreating the consumer');
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    const old = this.consumer;
    await old
      .disconnect()
      .catch((err: unknown) => this.log.warn({ err }, 'disconnecting the crashed consumer failed'));
    this.consumer = this.createConsumer();
    try {
      await this.start();
    } catch (err) {
      this.log.error({ err }, 'recreating the consumer failed; trying again');
      this.setState('restarting');
      if (!this.stopping) this.scheduleRestart();
    }
  }

  // Messages of a partition are handled one after another; the offset after the last handled one is
  // committed at the end of the batch and at least every COMMIT_EVERY_MS within it. Everything up to a
  // committed offset is durable; a crash redelivers the uncommitted tail, which the inbox drops.
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    let uncommitted: string | undefined;
    let lastCommit = Date.now();
    const commit = async (): Promise<void> => {
      if (uncommitted === undefined) return;
      await this.consumer.commitOffsets([
        { topic, partition, offset: (BigInt(uncommitted) + 1n).toString() },
      ]);
      uncommitted = undefined;
      lastCommit = Date.now();
    };
    const highWatermark = BigInt(payload.batch.highWatermark);
    const setLag = (next: bigint): void =>
      this.metrics.consumerLag.set({ topic, partition: String(partition) }, Number(highWatermark - next));
    try {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        const outcome = await this.attempt(topic, partition, message);
        if (outcome === 'retry') {
          // Stop here: the partition is paused until its retry is due; kafkajs fetches again from the
          // last resolved offset when it resumes. Other partitions are not held up.
          payload.pause();
          break;
        }
        payload.resolveOffset(message.offset);
        uncommitted = message.offset;
        setLag(BigInt(message.offset) + 1n);
        if (Date.now() - lastCommit >= COMMIT_EVERY_MS) await commit();
        await payload.heartbeat();
      }
    } finally {
      // Also when stopping mid-batch: what was handled stays handled.
      await commit();
    }
  }

  /** One attempt at a message: its outcome, or 'retry' when its partition must wait (and is now scheduled to resume). */
  private async attempt(topic: string, partition: number, message: KafkaMessage): Promise<Outcome | 'retry'> {
    const key = `${topic}\u0000${partition}`;
    const pending = this.retries.get(key);
    const previous = pending?.offset === message.offset ? pending : undefined;
    const attempts = (previous?.attempts ?? 0) + 1;
    const started = process.hrtime.bigint();
    const headers = headersToRecord(message.headers);
    const base = {
      topic,
      partition,
      offset: message.offset,
      headers,
      correlationId: headers['correlation-id'],
      traceparent: headers.traceparent,
    };
    let outcome: Outcome;
    try {
      outcome = await this.process(base, message);
    } catch (err) {
      const failure = classifyFailure(err);
      if (failure === 'permanent' || (failure === 'bounded' && attempts >= this.maxAttempts)) {
        const sent = await this.sendToDlt(topic, partition, message, err, failure, attempts);
        if (!sent)
          return this.scheduleRetry(key, topic, partition, message, attempts, previous, 'transient', err);
        outcome = 'dead_lettered';
      } else {
        return this.scheduleRetry(key, topic, partition, message, attempts, previous, failure, err);
      }
    }
    if (previous !== undefined) {
      this.log.info(
        { topic, partition, offset: message.offset, attempts, stalledMs: Date.now() - previous.since },
        'partition recovered',
      );
    }
    if (pending !== undefined) this.clearRetry(key);
    this.metrics.eventsConsumed.inc({ topic, outcome });
    this.metrics.handlerSeconds.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
    return outcome;
  }

  private scheduleRetry(
    key: string,
    topic: string,
    partition: number,
    message: KafkaMessage,
    attempts: number,
    previous: RetryState | undefined,
    failure: FailureClass,
    err: unknown,
  ): 'retry' {
    const delay = backoffDelay(attempts - 1, this.backoff);
    this.metrics.handlerRetries.inc({ topic, class: failure });
    const error = err instanceof Error ? err.message : String(err);
    const logFields = {
      err,
      topic,
      partition,
      offset: message.offset,
      attempts,
      failureClass: failure,
      retryInMs: delay,
    };
    // Warn on the first failures, then once a minute per partition: an outage must not flood the log.
    if (attempts <= 3 || attempts % 20 === 0)
      this.log.warn(
        logFields,
        failure === 'transient'
          ? 'outage; partition paused, retrying'
          : `failed (attempt ${attempts} of ${this.maxAttempts}); partition paused, retrying`,
      );
    const state: RetryState = {
      topic,
      partition,
      offset: message.offset,
      attempts,
      since: previous?.since ?? Date.now(),
      failureClass: failure,
      error: error.slice(0, 300),
      timer: undefined,
    };
    clearTimeout(this.retries.get(key)?.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.stopping) this.consumer.resume([{ topic, partitions: [partition] }]);
    }, delay);
    this.retries.set(key, state);
    this.metrics.stalledPartitions.set({ group: this.opts.groupId }, this.retries.size);
    return 'retry';
  }

  private clearRetry(key: string): void {
    clearTimeout(this.retries.get(key)?.timer);
    this.retries.delete(key);
    this.metrics.stalledPartitions.set({ group: this.opts.groupId }, this.retries.size);
  }

  private async process(
    base: Omit<EventContext, 'eventId' | 'log' | 'outgoingHeaders'>,
    message: KafkaMessage,
  ): Promise<'handled' | 'duplicate'> {
    const sub = this.byTopic.get(base.topic);
    if (!sub) throw new PermanentEventError('UNPROCESSABLE', `no subscription for topic ${base.topic}`);
    if (!message.value || message.value.length === 0)
      throw new PermanentEventError('EMPTY_MESSAGE', 'message has no value');
    return sub.handle(message.value, base, async (event, apply) => {
      const log = this.log.child({
        topic: base.topic,
        orderId: event.orderId,
        eventId: event.eventId,
        correlationId: base.correlationId,
      });
      const ctx: EventContext = {
        ...base,
        eventId: event.eventId,
        log,
        outgoingHeaders: () =>
          eventHeaders({
            correlationId: base.correlationId,
            traceparent: base.traceparent,
            causationId: event.eventId,
          }),
      };
      return this.opts.transaction(async (tx) => {
        const first = await recordInbox(tx, {
          consumer: this.opts.groupId,
          eventId: event.eventId,
          topic: base.topic,
          partition: base.partition,
          offset: base.offset,
        });
        if (!first) {
          log.info('duplicate event; already handled');
          return 'duplicate' as const;
        }
        await apply(tx, ctx);
        return 'handled' as const;
      });
    });
  }

  /** Dead-letters the message; false when the DLT cannot be written now (an outage: retry the message later). */
  private async sendToDlt(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: unknown,
    errorClass: 'permanent' | 'bounded',
    attempts: number,
  ): Promise<boolean> {
    this.log.error(
      { err, topic, partition, offset: message.offset, attempts, failureClass: errorClass },
      'event can never be processed; dead-lettering',
    );
    try {
      await deadLetter(this.opts.producer, message, {
        topic,
        partition,
        groupId: this.opts.groupId,
        error: err,
        errorClass,
        attempts,
      });
      this.metrics.deadLetters.inc({ topic, class: errorClass });
      return true;
    } catch (sendErr) {
      this.log.warn(
        { err: sendErr, topic, partition, offset: message.offset },
        'dead-lettering failed; will retry',
      );
      return false;
    }
  }
}
