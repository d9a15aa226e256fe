import type { Consumer, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventCodec, EventEnvelope } from './codec';
import { classifyError, errorCode, PermanentEventError } from './errors';
import { recordInbox } from './inbox';
import type { Logger } from './logger';
import { platformMetrics } from './metrics';
import { backoffDelay, DEFAULT_BACKOFF, sleep, type BackoffOptions } from './retry';
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

/** A handler applies its effect with `tx`: the inbox row and any outbox rows commit with it, or none do. */
export type EventHandler<T, Tx> = (event: T, tx: Tx, ctx: EventContext) => Promise<void>;

/** One topic's codec and handler (build with `on(codec, handler)`). */
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

/** Field-level problems of a decoded event (the generated `validateX` functions return these). */
export interface ValidationIssue {
  path: string;
  message: string;
}

/** Subscribes `handler` to the codec's topic; `validate` (e.g. the generated validator) runs before it. */
export function on<T extends EventEnvelope, Tx>(
  codec: EventCodec<T>,
  handler: EventHandler<T, Tx>,
  opts: { validate?: (event: T) => readonly ValidationIssue[] } = {},
): Subscription<Tx> {
  return {
    topic: codec.topic,
    async handle(bytes, _ctx, run) {
      const event = await codec.decode(bytes);
      const issues = opts.validate?.(event) ?? [];
      if (issues.length > 0) {
        throw new PermanentEventError(
          'INVALID_EVENT',
          `invalid ${codec.topic} event: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        );
      }
      if (typeof event.eventId !== 'string' || typeof event.orderId !== 'string') {
        throw new PermanentEventError('INVALID_EVENT', `${codec.topic} event has no eventId/orderId`);
      }
      return run(event, (tx, eventCtx) => handler(event, tx, eventCtx));
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
  producer: Producer;
  logger: Logger;
  metrics: Registry;
  backoff?: BackoffOptions;
  /** Partitions handled at once (order within a partition is kept). Default 3. */
  concurrency?: number;
  fromBeginning?: boolean;
}

/**
 * Consumes the subscribed topics: decode → handler in one transaction with the inbox row → commit the
 * offset once that transaction committed (autoCommit off; commits batched per partition). Permanent
 * failures go to `<topic>.DLT`; retriable ones retry with backoff in place (the partition waits, its
 * offset uncommitted), never dead-lettered.
 */
export class ConsumerRunner<Tx extends SqlExecutor> {
  private readonly consumer: Consumer;
  private readonly byTopic: Map<string, Subscription<Tx>>;
  private readonly log: Logger;
  private readonly metrics;
  private readonly stopSignal = new AbortController();
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: ConsumerRunnerOptions<Tx>) {
    this.consumer = opts.kafka.consumer({ groupId: opts.groupId, allowAutoTopicCreation: false });
    this.byTopic = new Map(opts.subscriptions.map((s) => [s.topic, s]));
    this.log = opts.logger.child({ component: 'consumer', groupId: opts.groupId });
    this.metrics = platformMetrics(opts.metrics);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  /** Connects, subscribes and starts handling messages in the background. */
  async start(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({
      topics: [...this.byTopic.keys()],
      fromBeginning: this.opts.fromBeginning ?? true,
    });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.opts.concurrency ?? 3,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Finishes the messages in flight (a retry loop gives up; its message stays uncommitted) and disconnects. */
  async stop(): Promise<void> {
    this.stopSignal.abort();
    await this.consumer.disconnect();
  }

  /** The underlying kafkajs consumer (for readiness checks and tests). */
  get kafkaConsumer(): Consumer {
    return this.consumer;
  }

  // Messages of a partition are handled one after another; the offset after the last handled one is
  // committed at the end of the batch and at least every COMMIT_EVERY_MS within it. Everything up to a
  // committed offset is durable; a crash redelivers the uncommitted tail, which the inbox drops.
  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { topic, partition } = payload.batch;
    const heartbeat = (): Promise<void> => payload.heartbeat();
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
    try {
      for (const message of payload.batch.messages) {
        if (!payload.isRunning() || payload.isStale()) break;
        await this.handleMessage(topic, partition, message, heartbeat);
        payload.resolveOffset(message.offset);
        uncommitted = message.offset;
        if (Date.now() - lastCommit >= COMMIT_EVERY_MS) {
          await commit();
          await heartbeat();
        }
      }
    } finally {
      // Also when stopping mid-batch: what was handled stays handled.
      await commit();
    }
  }

  private async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
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
    let outcome: 'handled' | 'duplicate' | 'dead_lettered' | undefined;
    for (let attempt = 0; outcome === undefined; attempt++) {
      try {
        outcome = await this.process(base, message);
      } catch (err) {
        if (classifyError(err) === 'permanent') {
          await this.deadLetter(topic, partition, message, err, heartbeat);
          outcome = 'dead_lettered';
          break;
        }
        if (this.stopSignal.signal.aborted) throw err;
        const delay = backoffDelay(attempt, this.backoff);
        this.metrics.handlerRetries.inc({ topic });
        this.log.warn(
          { err, topic, partition, offset: message.offset, attempt, retryInMs: delay },
          'retriable failure; retrying',
        );
        await sleep(delay, this.stopSignal.signal);
        // Long retry loops must not cost the group membership.
        await heartbeat().catch(() => undefined);
        if (this.stopSignal.signal.aborted) throw err;
      }
    }
    this.metrics.eventsConsumed.inc({ topic, outcome });
    this.metrics.handlerSeconds.observe({ topic }, Number(process.hrtime.bigint() - started) / 1e9);
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

  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    err: unknown,
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    const reason = err instanceof Error ? err.message : String(err);
    this.log.error(
      { err, topic, partition, offset: message.offset },
      'event can never be processed; dead-lettering',
    );
    for (let attempt = 0; ; attempt++) {
      try {
        await this.opts.producer.send({
          topic: `${topic}.DLT`,
          acks: -1,
          messages: [
            {
              key: message.key,
              value: message.value,
              headers: {
                ...message.headers,
                'dlt-original-topic': topic,
                'dlt-original-partition': String(partition),
                'dlt-original-offset': message.offset,
                'dlt-error-code': errorCode(err),
                'dlt-error-message': reason.slice(0, 1000),
              },
            },
          ],
        });
        return;
      } catch (sendErr) {
        // The DLT itself unreachable is an outage: keep the message uncommitted and retry.
        if (this.stopSignal.signal.aborted) throw sendErr;
        const delay = backoffDelay(attempt, this.backoff);
        this.log.warn({ err: sendErr, retryInMs: delay }, 'dead-lettering failed; retrying');
        await sleep(delay, this.stopSignal.signal);
        await heartbeat().catch(() => undefined);
      }
    }
  }
}
