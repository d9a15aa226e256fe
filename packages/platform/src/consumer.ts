import { formatIssues, type SchemaRegistryClient, type ValidationIssue } from '@orderflow/codec';
import type { Admin, Consumer, EachBatchPayload, Kafka, KafkaMessage } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventCodec, EventEnvelope } from './codec';
import { deadLetter, deadLetterTopic, type DeadLetterProducer } from './dead-letter';
import { PermanentEventError } from './errors';
import { classifyFailure, type FailureClass } from './failures';
import { recordInbox } from './inbox';
import type { Logger } from './logger';
import { platformMetrics } from './metrics';
import { maskPersonalText } from './personal-data';
import { enqueueOutgoing, wakeOutboxRelays, type Outgoing } from './outbox';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffOptions } from './retry';
import type { SqlExecutor, TransactionRunner } from './sql';
import {
  endSpan,
  failSpan,
  MessagingAttr,
  OrderflowAttr,
  SpanKind,
  startProcessSpan,
  startSendSpan,
  startSpan,
  traceparentOf,
  tracingEnabled,
  type Span,
} from './spans';
import { eventHeaders, headersToRecord, type EventHeaders } from './tracing';

/**
 * Partitions a consumer handles at once by default: every partition of what the services consume (the
 * order service: 5 saga topics × 3 partitions), so one fetch's batches can all join one transaction.
 */
export const DEFAULT_CONSUMER_CONCURRENCY = 16;

/** Default {@link ConsumerRunnerOptions.lingerMs}: measured in bench/reports/profile.md, "Stop 15". */
export const DEFAULT_CONSUMER_LINGER_MS = 50;

/** Handled offsets are committed at most this often (and when the consumer stops): one OffsetCommit for every partition. */
const COMMIT_EVERY_MS = 1000;

/** What a handler knows about the message it handles. */
export interface EventContext {
  topic: string;
  partition: number;
  offset: string;
  headers: Record<string, string>;
  correlationId: string | undefined;
  traceparent: string | undefined;
  eventId: string;
  /** Logger bound to topic, orderId (saga events), eventId and correlationId. */
  log: Logger;
  /** Headers for events this one causes: same correlation id and trace, causation-id = this eventId. */
  outgoingHeaders(): EventHeaders;
}

/** What a handler returns: the events it publishes (enqueued in its transaction), or nothing. */
export type HandlerResult = readonly Outgoing[] | void;

/**
 * Handles one decoded, validated event of a subscribed topic and returns the events it publishes.
 *
 * The contract:
 * - every effect goes through `tx` (the runtime opens, commits and rolls it back; never open another,
 *   never commit it); the inbox rows, the effects and the returned events of a whole chunk of a
 *   partition's messages commit together, or none do;
 * - publish by returning `Outgoing` events (`outgoing(codec, event)`), never by writing the outbox
 *   yourself: the runtime enqueues them with `ctx.outgoingHeaders()` (correlation-id, traceparent,
 *   causation-id = the handled eventId);
 * - a lock taken on `tx` is held until that transaction ends (after later events of the chunk), so
 *   take transaction-scoped locks only (`FOR UPDATE`, `pg_advisory_xact_lock`);
 * - throw to fail the event: the chunk rolls back and is retried in smaller chunks, down to this event
 *   alone, which the runner retries or dead-letters.
 */
export type EventHandler<T, Tx> = (event: T, tx: Tx, ctx: EventContext) => Promise<HandlerResult>;

/** One event of a chunk, with its context. */
export interface HandledEvent<T = EventEnvelope> {
  readonly event: T;
  readonly ctx: EventContext;
}

/**
 * Handles a chunk of one partition's events (in partition order, none handled before) in one
 * transaction, set-based, and returns each event's published events in the same order (one entry per
 * event). The contract of {@link EventHandler} holds for the whole chunk; a handler must give every
 * event the outcome it would have had alone, in this order (e.g. two events of one order in sequence).
 */
export type BatchEventHandler<T, Tx> = (
  items: readonly HandledEvent<T>[],
  tx: Tx,
) => Promise<readonly HandlerResult[]>;

/** One topic's decoder and handler (build with `on(descriptor, registry, handler)` or `onBatch`). */
export interface Subscription<Tx> {
  topic: string;
  /** Decodes and validates one message's value; throws when it is unusable (a PermanentEventError when invalid). */
  decode(bytes: Buffer): Promise<EventEnvelope>;
  /** Handles a chunk of fresh events in `tx`; returns what each publishes, in order. */
  handle(items: readonly HandledEvent[], tx: Tx): Promise<readonly HandlerResult[]>;
  /**
   * Shared by subscriptions whose work is one set-based step whatever the topic (the saga tracker: lock
   * the orders, read them, write every change): when a transaction takes chunks of several of them,
   * their fresh events go to `joint.handle` in one call (each partition's in order, each event's topic
   * in `ctx.topic`) instead of one `handle` call per topic. The {@link BatchEventHandler} contract holds.
   */
  joint?: JointHandler<Tx>;
}

/** The one handler of several subscriptions (see {@link Subscription.joint}). */
export interface JointHandler<Tx> {
  handle(items: readonly HandledEvent[], tx: Tx): Promise<readonly HandlerResult[]>;
}

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
 * Subscribes a set-based `handler` to the descriptor's topic: each message is decoded with the
 * descriptor's codec and checked by its generated validator (a failure is permanent: the message is
 * dead-lettered); chunks of a partition's fresh events are handled in one transaction each.
 */
export function onBatch<T extends EventEnvelope, Tx extends SqlExecutor>(
  descriptor: ConsumedTopic<T>,
  registry: SchemaRegistryClient,
  handler: BatchEventHandler<T, Tx>,
): Subscription<Tx> {
  const codec = descriptor.codec(registry);
  if (codec.topic !== descriptor.topic)
    throw new Error(`the codec of ${descriptor.topic} reads ${codec.topic}`);
  return {
    topic: descriptor.topic,
    async decode(bytes) {
      const event = await codec.decode(bytes);
      const issues = descriptor.validate(event);
      if (issues.length > 0) {
        throw new PermanentEventError(
          'INVALID_EVENT',
          `invalid ${descriptor.topic} event: ${formatIssues(issues)}`,
        );
      }
      if (typeof event.eventId !== 'string') {
        throw new PermanentEventError('INVALID_EVENT', `${descriptor.topic} event has no eventId`);
      }
      return event;
    },
    // Decoded by this subscription's codec and validated by its validator: the events are T.
    handle: (items, tx) => handler(items as readonly HandledEvent<T>[], tx),
  };
}

/**
 * Subscribes `handler` to the descriptor's topic, one event after another within each chunk's
 * transaction (see `onBatch` for set-based handlers).
 */
export function on<T extends EventEnvelope, Tx extends SqlExecutor>(
  descriptor: ConsumedTopic<T>,
  registry: SchemaRegistryClient,
  handler: EventHandler<T, Tx>,
): Subscription<Tx> {
  return onBatch<T, Tx>(descriptor, registry, async (items, tx) => {
    const results: HandlerResult[] = [];
    for (const { event, ctx } of items) results.push(await handler(event, tx, ctx));
    return results;
  });
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
  /** How long a fetch waits when no partition has data (kafkajs maxWaitTimeInMs). Default 1 s. */
  fetchWaitMs?: number;
  /** Bytes a fetch waits for (up to fetchWaitMs) before it returns (kafkajs minBytes). Default 1: return at the first data. */
  fetchMinBytes?: number;
  /** Messages handled in one transaction at most (a partition's chunk, and a joined transaction's total). Default 200. */
  chunkSize?: number;
  /**
   * A partition's batch that was handled whole within this many ms of its fetch holds the next fetch
   * until then: what arrives meanwhile is fetched and handled in one transaction instead of a small one
   * each (a transaction costs the same handful of round trips whether it takes 2 messages or 20). It
   * adds at most this much to each hop of a lightly loaded saga and nothing to a busy one, whose
   * transactions take longer anyway. Default {@link DEFAULT_CONSUMER_LINGER_MS}; 0 fetches again at once.
   */
  lingerMs?: number;
  /**
   * Partitions handled at once (order within a partition is kept). The chunks handled at once join one
   * transaction, so this also bounds how many partitions' chunks one transaction takes. Default
   * {@link DEFAULT_CONSUMER_CONCURRENCY}.
   */
  concurrency?: number;
  fromBeginning?: boolean;
  /** kafkajs session timeout (default 30 s); heartbeats keep going while a partition waits. */
  sessionTimeoutMs?: number;
  /**
   * A member whose assigned partitions have messages it has not handled, with no retry pending and
   * nothing handled for this long, is recreated (kafkajs can go on heartbeating without fetching
   * after a broker fails over). Default 20 s.
   */
  stallAfterMs?: number;
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
  private readonly chunkSize: number;
  private readonly lingerMs: number;
  private readonly retries = new Map<string, RetryState>();
  /** The next offset to commit per partition, handled but not committed yet. */
  private readonly pendingCommits = new Map<string, { topic: string; partition: number; offset: string }>();
  private commitTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restarts = 0;
  private currentState: ConsumerState = 'idle';
  private stateSince = Date.now();
  /** Partitions assigned to this member at its last join. */
  private assignment: Record<string, number[]> = {};
  /** When a batch last returned, or the member joined (ms since the epoch). */
  private lastProgressAt = Date.now();
  private batchesInFlight = 0;
  private readonly stallAfterMs: number;
  private watchdogTimer: NodeJS.Timeout | undefined;
  private watchdogAdmin: Admin | undefined;
  private watchdogChecking = false;
  /** Chunks waiting for the next joined transaction (see `transactJoined`). */
  private readonly joinQueue: {
    chunk: Chunk<Tx>;
    resolve: (outcome: ChunkOutcome) => void;
    reject: (err: unknown) => void;
  }[] = [];
  private joinRunning = false;
  /** Tracing on: the CONSUMER span of each message of the chunks in flight. */
  private readonly messageSpans = new WeakMap<KafkaMessage, Span>();

  constructor(private readonly opts: ConsumerRunnerOptions<Tx>) {
    this.byTopic = new Map(opts.subscriptions.map((s) => [s.topic, s]));
    this.log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
    this.metrics = platformMetrics(opts.metrics);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.chunkSize = opts.chunkSize ?? 200;
    this.lingerMs = opts.lingerMs ?? DEFAULT_CONSUMER_LINGER_MS;
    this.stallAfterMs = opts.stallAfterMs ?? 20_000;
    this.consumer = this.createConsumer();
  }

  /** Connects, subscribes and starts handling messages in the background. */
  async start(): Promise<void> {
    // Startable again after stop() (its timers are gone, and a batch must not take itself for stopping).
    this.stopping = false;
    this.setState('starting');
    this.commitTimer ??= setInterval(() => void this.flushCommits(), COMMIT_EVERY_MS);
    this.watchdogTimer ??= setInterval(
      () => void this.checkStall(),
      Math.max(250, Math.floor(this.stallAfterMs / 3)),
    );
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
        partitionsConsumedConcurrently: this.opts.concurrency ?? DEFAULT_CONSUMER_CONCURRENCY,
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
    clearInterval(this.commitTimer);
    clearInterval(this.watchdogTimer);
    this.commitTimer = undefined;
    this.watchdogTimer = undefined;
    clearTimeout(this.restartTimer);
    // Committed while still a member; a batch in flight commits its own tail as it finishes.
    await this.flushCommits();
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
    await this.consumer.disconnect();
    await this.watchdogAdmin?.disconnect().catch(() => undefined);
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
      // A fetch returns as soon as any partition has data, else after fetchWaitMs. (Holding fetches for
      // data to pile up, minBytes 1 MiB with a 50 ms wait, left the payment consumer fetching nothing
      // for minutes after the controller of a 3-broker cluster was killed: tests/faults/three-brokers.)
      // A resumed partition is fetched again when the fetch in flight returns: keep the wait short.
      maxWaitTimeInMs: this.opts.fetchWaitMs ?? 1_000,
      minBytes: this.opts.fetchMinBytes ?? 1,
      // kafkajs retries its own broker calls before CRASH; a crash with restart=false is ours to handle.
      retry: { retries: 10, initialRetryTime: 300, maxRetryTime: 10_000 },
    });
    const { CRASH, GROUP_JOIN, STOP } = consumer.events;
    consumer.on(GROUP_JOIN, (event) => {
      this.assignment = event.payload.memberAssignment;
      this.lastProgressAt = Date.now();
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

  // A partition's fetched messages are handled in order, in chunks of up to `chunkSize`, each chunk in
  // one transaction (inbox rows, effects, outbox rows); the offset after the last handled message is
  // committed within COMMIT_EVERY_MS (all partitions in one request) and when the consumer stops.
  // Everything up to a committed offset is durable; a crash redelivers the uncommitted tail, which the
  // inbox drops.
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const fetchedAt = Date.now();
    const { topic, partition } = payload.batch;
    const highWatermark = BigInt(payload.batch.highWatermark);
    const messages = payload.batch.messages;
    this.batchesInFlight++;
    try {
      let next = 0;
      while (next < messages.length) {
        if (!payload.isRunning() || payload.isStale()) break;
        const chunk = messages.slice(next, next + this.chunkSize);
        const { done, retry } = await this.runChunk(topic, partition, chunk);
        if (done > 0) {
          const last = chunk[done - 1]!.offset;
          payload.resolveOffset(last);
          this.pendingCommits.set(retryKey(topic, partition), {
            topic,
            partition,
            offset: (BigInt(last) + 1n).toString(),
          });
          next += done;
          this.metrics.consumerLag.set(
            { topic, partition: String(partition) },
            Number(highWatermark - BigInt(last) - 1n),
          );
        }
        if (retry) {
          // Stop here: the partition is paused until its retry is due; kafkajs fetches again from the
          // last resolved offset when it resumes. Other partitions are not held up.
          payload.pause();
          return;
        }
        await payload.heartbeat();
      }
      // Caught up (the batch fit one chunk and is done): let the next messages gather before fetching them.
      const linger = fetchedAt + this.lingerMs - Date.now();
      if (linger > 0 && messages.length < this.chunkSize && next === messages.length && !this.stopping)
        await new Promise((resolve) => setTimeout(resolve, linger));
    } finally {
      this.batchesInFlight--;
      this.lastProgressAt = Date.now();
      // Stopping mid-batch: what was handled stays handled.
      if (this.stopping || !payload.isRunning()) await this.flushCommits();
    }
  }

  /**
   * The watchdog: a running member that has handled nothing for `stallAfterMs`, has no batch in flight
   * and no partition waiting for a retry, but whose assigned partitions hold messages past the group's
   * committed offsets, is stuck inside kafkajs (seen after the controller of a 3-broker cluster was
   * killed: heartbeats went on, fetches returned nothing for minutes). It is recreated.
   */
  private async checkStall(): Promise<void> {
    if (this.stopping || this.watchdogChecking || this.currentState !== 'running') return;
    if (this.batchesInFlight > 0 || Date.now() - this.lastProgressAt < this.stallAfterMs) return;
    this.watchdogChecking = true;
    const consumer = this.consumer;
    try {
      const lagging = await this.laggingPartitions();
      // Progress, a restart or a stop while the offsets were read: not stuck.
      if (lagging.length === 0 || this.stopping || consumer !== this.consumer) return;
      if (this.batchesInFlight > 0 || Date.now() - this.lastProgressAt < this.stallAfterMs) return;
      this.metrics.consumerStallRestarts.inc({ group: this.opts.groupId });
      this.log.error(
        { idleMs: Date.now() - this.lastProgressAt, lagging },
        'consumer has unhandled messages but fetched nothing for too long; recreating it',
      );
      this.setState('restarting');
      await this.restart(0);
    } catch (err) {
      // The cluster cannot say (a broker outage): kafkajs's own retries are at work; look again later.
      this.log.debug({ err }, 'consumer watchdog could not read offsets');
      await this.watchdogAdmin?.disconnect().catch(() => undefined);
      this.watchdogAdmin = undefined;
    } finally {
      this.watchdogChecking = false;
    }
  }

  /** Assigned partitions, not waiting for a retry, whose committed offset is behind their end. */
  private async laggingPartitions(): Promise<{ topic: string; partition: number; lag: number }[]> {
    const topics = Object.keys(this.assignment).filter((t) => this.assignment[t]!.length > 0);
    if (topics.length === 0) return [];
    if (!this.watchdogAdmin) {
      const admin = this.opts.kafka.admin();
      await admin.connect();
      this.watchdogAdmin = admin;
    }
    const admin = this.watchdogAdmin;
    const committed = await admin.fetchOffsets({ groupId: this.opts.groupId, topics });
    const lagging: { topic: string; partition: number; lag: number }[] = [];
    for (const topic of topics) {
      const ends = await admin.fetchTopicOffsets(topic);
      const done = committed.find((c) => c.topic === topic)?.partitions ?? [];
      for (const partition of this.assignment[topic]!) {
        if (this.retries.has(retryKey(topic, partition))) continue;
        const end = ends.find((e) => e.partition === partition);
        if (!end) continue;
        const at = done.find((d) => d.partition === partition)?.offset ?? '-1';
        // Nothing committed and not reading from the beginning: the member starts at the end.
        if (at === '-1' && this.opts.fromBeginning === false) continue;
        const from = BigInt(at === '-1' ? end.low : at);
        const lag = BigInt(end.high) - from;
        if (lag > 0n) lagging.push({ topic, partition, lag: Number(lag) });
      }
    }
    return lagging;
  }

  /** Commits every partition's handled offsets in one request; a failure (e.g. a rebalance) leaves them to the inbox. */
  private async flushCommits(): Promise<void> {
    if (this.pendingCommits.size === 0) return;
    const offsets = [...this.pendingCommits.values()];
    this.pendingCommits.clear();
    try {
      await this.consumer.commitOffsets(offsets);
    } catch (err) {
      // Not lost: the partitions' next owner (or this consumer, after a rejoin) redelivers from the last
      // committed offset, and the inbox drops what was handled.
      this.log.warn(
        { err, partitions: offsets.length },
        'committing offsets failed; the inbox absorbs the redelivery',
      );
    }
  }

  /**
   * Handles a chunk (see `handleChunk`). Tracing on: each message gets a CONSUMER span, a child of the
   * traceparent it carries, ended once the chunk is through with what became of the message.
   */
  private async runChunk(
    topic: string,
    partition: number,
    chunk: readonly KafkaMessage[],
  ): Promise<Progress> {
    if (!tracingEnabled()) return this.handleChunk(topic, partition, chunk);
    const spans = chunk.map((message) => {
      const span = startProcessSpan(topic, firstHeader(message, 'traceparent'), {
        [MessagingAttr.partition]: String(partition),
        [MessagingAttr.consumerGroup]: this.opts.groupId,
        [MessagingAttr.kafkaOffset]: Number(message.offset),
        [MessagingAttr.kafkaKey]: message.key?.toString(),
      });
      if (span !== undefined) this.messageSpans.set(message, span);
      return span;
    });
    let progress: Progress | undefined;
    try {
      progress = await this.handleChunk(topic, partition, chunk);
      return progress;
    } finally {
      chunk.forEach((message, i) => {
        this.messageSpans.delete(message);
        const span = spans[i];
        if (span === undefined) return;
        // Not got to: a message after the one that waits for its retry is fetched again later.
        if (progress === undefined || i > progress.done || (i === progress.done && !progress.retry))
          span.setAttribute(OrderflowAttr.outcome, 'deferred');
        endSpan(span);
      });
    }
  }

  /**
   * Handles a chunk: decodes its messages, then handles the decodable prefix in one transaction; a
   * message that cannot be decoded is then taken alone (dead-lettered or retried). Returns how many
   * messages from the start are done, and whether the partition must now wait for a retry.
   */
  private async handleChunk(
    topic: string,
    partition: number,
    chunk: readonly KafkaMessage[],
  ): Promise<Progress> {
    const sub = this.byTopic.get(topic);
    const decoded: Decoded[] = [];
    let undecodable: unknown;
    for (const message of chunk) {
      try {
        if (!sub) throw new PermanentEventError('UNPROCESSABLE', `no subscription for topic ${topic}`);
        if (!message.value || message.value.length === 0)
          throw new PermanentEventError('EMPTY_MESSAGE', 'message has no value');
        const event = await sub.decode(message.value);
        decoded.push({ message, event, ctx: this.contextOf(topic, partition, message, event) });
        this.messageSpans.get(message)?.setAttributes({
          [MessagingAttr.messageId]: event.eventId,
          [OrderflowAttr.orderId]: event.orderId,
        });
      } catch (err) {
        undecodable = err;
        break;
      }
    }
    if (decoded.length > 0 && sub) {
      const progress = await this.applyRange(sub, topic, partition, decoded, true);
      if (progress.retry || progress.done < decoded.length) return progress;
    }
    if (decoded.length === chunk.length) return { done: decoded.length, retry: false };
    // decoded.length < chunk.length: the next message could not be decoded.
    const failed = await this.fail(topic, partition, chunk[decoded.length]!, undecodable);
    return failed === 'retry'
      ? { done: decoded.length, retry: true }
      : { done: decoded.length + 1, retry: false };
  }

  /**
   * Handles decoded messages in one transaction. When that fails for a reason other than an outage, the
   * range is split in halves and each handled alone, down to the one message at fault, so only the
   * culprit is retried or dead-lettered and the messages before it commit.
   */
  private async applyRange(
    sub: Subscription<Tx>,
    topic: string,
    partition: number,
    items: readonly Decoded[],
    joined = false,
  ): Promise<Progress> {
    const head = items[0]!.message;
    const started = process.hrtime.bigint();
    let outcome: ChunkOutcome;
    try {
      const chunk: Chunk<Tx> = { sub, topic, partition, items };
      outcome = joined ? await this.transactJoined(chunk) : (await this.transact([chunk]))[0]!;
    } catch (err) {
      if (items.length === 1) {
        const failed = await this.fail(topic, partition, head, err);
        return failed === 'retry' ? { done: 0, retry: true } : { done: 1, retry: false };
      }
      if (classifyFailure(err) === 'transient') {
        // An outage fails every chunk alike: wait for the dependency, do not split.
        this.scheduleRetry(topic, partition, head, 'transient', err);
        return { done: 0, retry: true };
      }
      const half = Math.ceil(items.length / 2);
      const left = await this.applyRange(sub, topic, partition, items.slice(0, half));
      if (left.retry || left.done < half) return left;
      const right = await this.applyRange(sub, topic, partition, items.slice(half));
      return { done: half + right.done, retry: right.retry };
    }
    this.recovered(topic, partition, head);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    this.metrics.eventsConsumed.inc({ topic, outcome: 'handled' }, outcome.handled);
    if (outcome.duplicates > 0)
      this.metrics.eventsConsumed.inc({ topic, outcome: 'duplicate' }, outcome.duplicates);
    this.metrics.handlerSeconds.observe({ topic }, seconds);
    if (outcome.published > 0) wakeOutboxRelays();
    this.log.info(
      {
        topic,
        partition,
        fromOffset: head.offset,
        toOffset: items[items.length - 1]!.message.offset,
        handled: outcome.handled,
        duplicates: outcome.duplicates,
        published: outcome.published,
        ms: Math.round(seconds * 1000),
      },
      'chunk handled',
    );
    return { done: items.length, retry: false };
  }

  /**
   * Handles a partition's first attempt at a chunk together with the chunks other partitions bring at
   * the same moment (the batches of one fetch, or those that came while the previous transaction ran),
   * in one transaction: one inbox statement, one handler call per topic, one outbox statement, one
   * commit for all of them. One such transaction is in flight per consumer, and it takes up to
   * `chunkSize` messages. If it fails for a reason other than an outage, each chunk is tried again
   * alone, so a failure stays with the partition that caused it (and `applyRange` splits that chunk down
   * to the culprit); an outage is every chunk's to wait out.
   */
  private transactJoined(chunk: Chunk<Tx>): Promise<ChunkOutcome> {
    return new Promise<ChunkOutcome>((resolve, reject) => {
      this.joinQueue.push({ chunk, resolve, reject });
      if (this.joinRunning) return;
      this.joinRunning = true;
      // After the current turn: the other partitions of the same fetch enqueue theirs first.
      setImmediate(() => void this.runJoined());
    });
  }

  private async runJoined(): Promise<void> {
    try {
      while (this.joinQueue.length > 0) {
        let messages = 0;
        let take = 0;
        while (take < this.joinQueue.length && (take === 0 || messages < this.chunkSize))
          messages += this.joinQueue[take++]!.chunk.items.length;
        const group = this.joinQueue.splice(0, take);
        try {
          const outcomes = await this.transact(group.map((g) => g.chunk));
          group.forEach((g, i) => g.resolve(outcomes[i]!));
        } catch (err) {
          // An outage fails every chunk alike: each partition waits for it (applyRange), none is retried now.
          if (group.length === 1 || classifyFailure(err) === 'transient') {
            for (const g of group) g.reject(err);
            continue;
          }
          this.log.debug(
            { err, chunks: group.length, messages },
            'joined chunks failed together; each is tried alone',
          );
          await Promise.all(
            group.map((g) =>
              this.transact([g.chunk]).then(
                (outcomes) => g.resolve(outcomes[0]!),
                (alone: unknown) => g.reject(alone),
              ),
            ),
          );
        }
      }
    } finally {
      this.joinRunning = false;
    }
  }

  /**
   * One transaction for `chunks`: their inbox rows (one set-based statement), each topic's handler on
   * its fresh events (one call per topic, each partition's events in order), their outbox rows (one
   * statement). Tracing on: each message's database work is a `handle <topic>` span (a child of its
   * CONSUMER span) covering the shared transaction, and the events it publishes carry that span's
   * traceparent.
   */
  private async transact(chunks: readonly Chunk<Tx>[]): Promise<ChunkOutcome[]> {
    const total = chunks.reduce((n, c) => n + c.items.length, 0);
    const spans = tracingEnabled()
      ? chunks.map((c) =>
          c.items.map((i) =>
            startSpan(`handle ${c.topic}`, SpanKind.INTERNAL, this.messageSpans.get(i.message), {
              'db.system.name': 'postgresql',
              [OrderflowAttr.chunkMessages]: total,
            }),
          ),
        )
      : undefined;
    try {
      const outcomes = await this.transactOnce(chunks, spans);
      spans?.flat().forEach((span) => endSpan(span));
      return outcomes;
    } catch (err) {
      spans?.flat().forEach((span) => endSpan(span, err));
      throw err;
    }
  }

  private async transactOnce(
    chunks: readonly Chunk<Tx>[],
    spans: readonly (readonly (Span | undefined)[])[] | undefined,
  ): Promise<ChunkOutcome[]> {
    const all = chunks.flatMap((chunk, c) =>
      chunk.items.map((item, i) => ({ chunk: c, item, span: spans?.[c]?.[i] })),
    );
    const outcomes = await this.opts.transaction(async (tx) => {
      const fresh = await recordInbox(
        tx,
        this.opts.groupId,
        all.map(({ chunk, item }) => ({
          topic: chunks[chunk]!.topic,
          partition: chunks[chunk]!.partition,
          eventId: item.event.eventId,
          offset: item.message.offset,
        })),
      );
      const outcomes: ChunkOutcome[] = chunks.map(() => ({ handled: 0, duplicates: 0, published: 0 }));
      all.forEach(({ chunk, item }, i) => {
        if (spans !== undefined)
          this.messageSpans
            .get(item.message)
            ?.setAttribute(OrderflowAttr.outcome, fresh[i] ? 'handled' : 'duplicate');
        if (fresh[i]) outcomes[chunk]!.handled++;
        else {
          outcomes[chunk]!.duplicates++;
          item.ctx.log.debug('duplicate event; already handled');
        }
      });
      const outgoing: { events: readonly Outgoing[]; headers: EventHeaders }[] = [];
      // One call per handler: a topic's own, or the joint one several topics share.
      const byHandler = new Map<Subscription<Tx> | JointHandler<Tx>, typeof all>();
      all.forEach((a, i) => {
        if (!fresh[i]) return;
        const sub = chunks[a.chunk]!.sub;
        const handler = sub.joint ?? sub;
        const handled = byHandler.get(handler);
        if (handled) handled.push(a);
        else byHandler.set(handler, [a]);
      });
      for (const [handler, handled] of byHandler) {
        const results = await handler.handle(
          handled.map((a) => a.item),
          tx,
        );
        if (results.length !== handled.length)
          throw new Error(
            `the ${[...new Set(handled.map((a) => chunks[a.chunk]!.topic))].join(', ')} handler returned ${results.length} results for ${handled.length} events (one per event expected)`,
          );
        results.forEach((r, i) => {
          const { chunk, item, span } = handled[i]!;
          outgoing.push({ events: r ?? [], headers: outgoingHeaders(item, span) });
          outcomes[chunk]!.published += (r ?? []).length;
        });
      }
      if (outgoing.length > 0) await enqueueOutgoing(tx, outgoing);
      return outcomes;
    });
    // Per transaction: how many messages it took (all topics), and of each topic.
    this.metrics.consumerTransactionMessages.observe({ group: this.opts.groupId }, all.length);
    const perTopic = new Map<string, number>();
    for (const c of chunks) perTopic.set(c.topic, (perTopic.get(c.topic) ?? 0) + c.items.length);
    for (const [topic, n] of perTopic) this.metrics.consumerChunkMessages.observe({ topic }, n);
    return outcomes;
  }

  private contextOf(
    topic: string,
    partition: number,
    message: KafkaMessage,
    event: EventEnvelope,
  ): EventContext {
    const headers = headersToRecord(message.headers);
    const correlationId = headers['correlation-id'];
    const traceparent = headers.traceparent;
    let log: Logger | undefined;
    const parent = this.log;
    return {
      topic,
      partition,
      offset: message.offset,
      headers,
      correlationId,
      traceparent,
      eventId: event.eventId,
      // Built on first use: most events of a busy chunk log nothing at info.
      get log() {
        return (log ??= parent.child({
          topic,
          orderId: event.orderId,
          eventId: event.eventId,
          correlationId,
        }));
      },
      outgoingHeaders: () => eventHeaders({ correlationId, traceparent, causationId: event.eventId }),
    };
  }

  /** A message that failed alone: dead-letters it (permanent, or out of attempts) or schedules its retry. */
  private async fail(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: unknown,
  ): Promise<'dead_lettered' | 'retry'> {
    const failure = classifyFailure(err);
    const attempts = this.attemptsOf(topic, partition, message) + 1;
    if (failure === 'permanent' || (failure === 'bounded' && attempts >= this.maxAttempts)) {
      const sent = await this.sendToDlt(topic, partition, message, err, failure, attempts);
      if (!sent) {
        this.scheduleRetry(topic, partition, message, 'transient', err);
        return 'retry';
      }
      this.recovered(topic, partition, message);
      this.metrics.eventsConsumed.inc({ topic, outcome: 'dead_lettered' });
      return 'dead_lettered';
    }
    this.scheduleRetry(topic, partition, message, failure, err);
    return 'retry';
  }

  private attemptsOf(topic: string, partition: number, message: KafkaMessage): number {
    const pending = this.retries.get(retryKey(topic, partition));
    return pending?.offset === message.offset ? pending.attempts : 0;
  }

  /** The partition got past `message` (handled or dead-lettered): its retry state, if any, is over. */
  private recovered(topic: string, partition: number, message: KafkaMessage): void {
    const key = retryKey(topic, partition);
    const pending = this.retries.get(key);
    if (!pending) return;
    if (pending.offset === message.offset)
      this.log.info(
        {
          topic,
          partition,
          offset: message.offset,
          attempts: pending.attempts + 1,
          stalledMs: Date.now() - pending.since,
        },
        'partition recovered',
      );
    clearTimeout(pending.timer);
    this.retries.delete(key);
    this.metrics.stalledPartitions.set({ group: this.opts.groupId }, this.retries.size);
  }

  private scheduleRetry(
    topic: string,
    partition: number,
    message: KafkaMessage,
    failure: FailureClass,
    err: unknown,
  ): void {
    const key = retryKey(topic, partition);
    const pending = this.retries.get(key);
    const previous = pending?.offset === message.offset ? pending : undefined;
    const attempts = (previous?.attempts ?? 0) + 1;
    const delay = backoffDelay(attempts - 1, this.backoff);
    this.metrics.handlerRetries.inc({ topic, class: failure });
    const span = this.messageSpans.get(message);
    failSpan(span, err);
    span?.setAttributes({
      [OrderflowAttr.outcome]: 'retry',
      [OrderflowAttr.failureClass]: failure,
      [OrderflowAttr.attempts]: attempts,
    });
    // Shown by /ready: an error about an event may quote its data.
    const error = maskPersonalText(err instanceof Error ? err.message : String(err));
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
    clearTimeout(pending?.timer);
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.stopping) this.consumer.resume([{ topic, partitions: [partition] }]);
    }, delay);
    this.retries.set(key, state);
    this.metrics.stalledPartitions.set({ group: this.opts.groupId }, this.retries.size);
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
    const span = this.messageSpans.get(message);
    failSpan(span, err);
    span?.setAttributes({
      [OrderflowAttr.outcome]: 'dead_lettered',
      [OrderflowAttr.failureClass]: errorClass,
      [OrderflowAttr.attempts]: attempts,
    });
    // Tracing on: the DLT send is a PRODUCER span of the message's trace; the dead letter carries its
    // traceparent, so a replay continues the story from there.
    const sendSpan =
      span === undefined
        ? undefined
        : startSendSpan(deadLetterTopic(topic), span, { [MessagingAttr.kafkaKey]: message.key?.toString() });
    const sent: KafkaMessage =
      sendSpan === undefined
        ? message
        : ({
            ...message,
            headers: { ...message.headers, traceparent: traceparentOf(sendSpan) },
          } as KafkaMessage);
    try {
      await deadLetter(this.opts.producer, sent, {
        topic,
        partition,
        groupId: this.opts.groupId,
        error: err,
        errorClass,
        attempts,
      });
      endSpan(sendSpan);
      this.metrics.deadLetters.inc({ topic, class: errorClass });
      return true;
    } catch (sendErr) {
      endSpan(sendSpan, sendErr);
      this.log.warn(
        { err: sendErr, topic, partition, offset: message.offset },
        'dead-lettering failed; will retry',
      );
      return false;
    }
  }
}

interface Decoded {
  message: KafkaMessage;
  event: EventEnvelope;
  ctx: EventContext;
}

/** How far a chunk got: messages done from its start, and whether its partition now waits for a retry. */
interface Progress {
  done: number;
  retry: boolean;
}

/** A partition's run of decoded messages, to handle in one transaction (alone or joined with others). */
interface Chunk<Tx extends SqlExecutor> {
  sub: Subscription<Tx>;
  topic: string;
  partition: number;
  items: readonly Decoded[];
}

interface ChunkOutcome {
  handled: number;
  duplicates: number;
  published: number;
}

/** The headers of the events `item`'s handler publishes; tracing on, the trace continues from its `handle` span. */
function outgoingHeaders(item: Decoded, span: Span | undefined): EventHeaders {
  const headers = item.ctx.outgoingHeaders();
  if (span !== undefined) headers.traceparent = traceparentOf(span);
  return headers;
}

/** A header's first value as text, without converting the others. */
function firstHeader(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first?.toString();
}

function retryKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}
