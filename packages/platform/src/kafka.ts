import {
  Kafka,
  Partitioners,
  logLevel,
  type Admin,
  type LogEntry,
  type Message,
  type PartitionerArgs,
  type Producer,
  type ProducerBatch,
  type ProducerRecord,
  type RecordMetadata,
  type TopicMessages,
} from 'kafkajs';
import type { Registry } from 'prom-client';
import type { EventCodec, EventEnvelope } from './codec';
import { isFatalProducerError } from './failures';
import type { Logger } from './logger';
import { platformMetrics } from './metrics';
import type { EventHeaders } from './tracing';
import { kafkaClientSecurity, type KafkaSecurity } from './kafka-security';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through the service logger (warnings and up). */
export function createKafka(opts: {
  clientId: string;
  brokers: string[];
  logger: Logger;
  /** SASL and TLS (see kafka-security.ts); absent → PLAINTEXT. */
  security?: KafkaSecurity | undefined;
}): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
    ...kafkaClientSecurity(opts.security),
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, ...rest } = entry;
        log[LEVELS[level] ?? 'info'](rest, message);
      },
    retry: { initialRetryTime: 100, retries: 8 },
  });
}

/** The partition kafkajs's partitioner gave each message in its latest attempt to send it. */
const assignedPartitions = new WeakMap<Message, number>();

/**
 * kafkajs's default (Java-compatible, murmur2 of the key) partitioner, noting where it put each message,
 * so that {@link sendWhole} can tell which partitions a send had to reach.
 */
function recordingPartitioner(): (args: PartitionerArgs) => number {
  const partition = Partitioners.DefaultPartitioner();
  return (args) => {
    const chosen = partition(args);
    assignedPartitions.set(args.message, chosen);
    return chosen;
  };
}

/** The producer every service uses: idempotent (so retries never duplicate), acks from all in-sync replicas. */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  // Idempotence needs at most 5 in-flight requests per connection; kafkajs keeps order with 1.
  const producer = kafka.producer({
    createPartitioner: recordingPartitioner,
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Idempotence holds only if a send is retried until the broker answers (kafkajs warns otherwise):
    // a retry of an appended-but-unacknowledged batch carries the same sequence and is deduplicated.
    // Errors that retrying cannot fix (out-of-order sequence, unknown producer id) still surface, and
    // ManagedProducer recreates the producer for them.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 100, maxRetryTime: 5_000 },
  });
  await producer.connect();
  return producer;
}

/** Rounds of resending what a send left unacknowledged before it fails (each round is a full kafkajs send). */
const RESEND_ROUNDS = 5;

/**
 * Sends a batch and makes sure every partition it carried was acknowledged, resending what was not.
 *
 * kafkajs 2.2.4 keeps one response per broker across the retries of a send. When a send spans two
 * brokers, one acknowledges and the other fails (dead, or no longer the leader), and on retry the failed
 * partition's new leader is the broker that already answered, kafkajs sends nothing more and resolves as
 * if all were delivered: that partition's messages are silently lost (tulios/kafkajs#1798, open). A
 * controller failover on three brokers did this to an outbox batch (an order stuck PAID, its RESERVED
 * event never on the topic). So the partitions the partitioner chose (or the caller set) are compared
 * with the acknowledgements, and the missing messages are sent again, to the partition they were meant
 * for. Messages from a producer not made by {@link createProducer} (no recorded partition) and acks=0
 * sends are not checked.
 */
export async function sendWhole(
  producer: Pick<Producer, 'sendBatch'>,
  batch: ProducerBatch,
  onPartial: (unacknowledged: { topic: string; partition: number; messages: number }[]) => void,
): Promise<RecordMetadata[]> {
  const acknowledged: RecordMetadata[] = [];
  let pending = batch;
  for (let round = 0; ; round++) {
    const metadata = await producer.sendBatch(pending);
    acknowledged.push(...metadata);
    if (pending.acks === 0) return acknowledged;
    const acked = new Set(
      metadata.filter((m) => m.errorCode === 0).map((m) => `${m.topicName}\0${m.partition}`),
    );
    const missing: TopicMessages[] = [];
    const report: { topic: string; partition: number; messages: number }[] = [];
    for (const { topic, messages } of pending.topicMessages ?? []) {
      const left: Message[] = [];
      for (const message of messages) {
        const partition = message.partition ?? assignedPartitions.get(message);
        if (partition === undefined || acked.has(`${topic}\0${partition}`)) continue;
        // Pinned to the partition the key chose, so a resend cannot land anywhere else.
        left.push({ ...message, partition });
        const entry = report.find((r) => r.topic === topic && r.partition === partition);
        if (entry) entry.messages++;
        else report.push({ topic, partition, messages: 1 });
      }
      if (left.length > 0) missing.push({ topic, messages: left });
    }
    if (missing.length === 0) return acknowledged;
    if (round >= RESEND_ROUNDS)
      throw new Error(
        `Kafka did not acknowledge ${report.map((r) => `${r.topic}[${r.partition}] (${r.messages} messages)`).join(', ')} after ${RESEND_ROUNDS} resends; the send failed`,
      );
    onPartial(report);
    pending = { ...pending, topicMessages: missing };
  }
}

/** What the relay and dead-lettering need of a producer. */
export type EventProducer = Pick<Producer, 'send' | 'sendBatch'>;

/**
 * The service's idempotent producer, recreated after a fatal producer error (out-of-order sequence,
 * unknown producer id, invalid epoch — e.g. after a produce the broker appended but never acknowledged,
 * or after the broker's data was replaced). The failing call still rejects; the caller's next attempt
 * goes through a fresh producer id, and consumers' inboxes absorb any duplicate it sends.
 */
export class ManagedProducer implements EventProducer {
  private current: Producer | undefined;
  private recreating: Promise<void> | undefined;
  private readonly log: Logger;
  private readonly recreations;
  private readonly partialAcks;

  constructor(
    private readonly kafka: Kafka,
    logger: Logger,
    metrics: Registry,
    private readonly factory: (kafka: Kafka) => Promise<Producer> = createProducer,
  ) {
    this.log = logger.child({ component: 'producer' });
    this.recreations = platformMetrics(metrics).producerRecreations;
    this.partialAcks = platformMetrics(metrics).producerResends;
  }

  /** Connects the first producer. */
  async connect(): Promise<void> {
    this.current = await this.factory(this.kafka);
  }

  /** Sends one topic's messages; every partition they go to is acknowledged (see {@link sendWhole}). */
  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    const { topic, messages, ...options } = record;
    return this.sendBatch({ ...options, topicMessages: [{ topic, messages }] });
  }

  /** Sends the batch; every partition it goes to is acknowledged (see {@link sendWhole}). */
  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.guard((p) =>
      sendWhole(p, batch, (unacknowledged) => {
        this.partialAcks.inc();
        this.log.warn(
          { unacknowledged },
          'kafkajs resolved a send without acknowledging every partition (a leader moved during its retry); resending those messages',
        );
      }),
    );
  }

  async disconnect(): Promise<void> {
    await this.recreating?.catch(() => undefined);
    await this.current?.disconnect();
    this.current = undefined;
  }

  private async guard(call: (p: Producer) => Promise<RecordMetadata[]>): Promise<RecordMetadata[]> {
    await this.recreating;
    if (this.current === undefined) await this.recreate(undefined);
    const producer = this.current;
    if (producer === undefined) throw new Error('the producer is not connected');
    try {
      return await call(producer);
    } catch (err) {
      if (isFatalProducerError(err)) {
        this.log.error({ err }, 'fatal producer error; recreating the idempotent producer');
        await this.recreate(producer).catch((e: unknown) =>
          this.log.error({ err: e }, 'recreating the producer failed; the next send tries again'),
        );
      }
      throw err;
    }
  }

  private recreate(failed: Producer | undefined): Promise<void> {
    // Concurrent failures of the same producer recreate it once.
    if (this.current !== failed) return this.recreating ?? Promise.resolve();
    this.recreating ??= (async () => {
      try {
        await failed?.disconnect().catch(() => undefined);
        this.current = undefined;
        this.current = await this.factory(this.kafka);
        this.recreations.inc();
      } finally {
        this.recreating = undefined;
      }
    })();
    return this.recreating;
  }
}

/** Encodes and sends one event keyed by its codec's key (acks=all). Prefer the outbox for state changes. */
export async function publishEvent<T extends EventEnvelope>(
  producer: Producer,
  codec: EventCodec<T>,
  event: T,
  headers: EventHeaders,
): Promise<void> {
  await producer.send({
    topic: codec.topic,
    acks: -1,
    messages: [{ key: codec.key(event), value: await codec.encode(event), headers: { ...headers } }],
  });
}

/** Creates topics that do not exist yet (idempotent), e.g. a topic's `.DLT` twin. */
export async function ensureTopics(
  admin: Admin,
  topics: { topic: string; numPartitions?: number }[],
): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return;
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((t) => ({ topic: t.topic, numPartitions: t.numPartitions ?? 3 })),
  });
}
