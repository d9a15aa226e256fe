import {
  Kafka,
  logLevel,
  type Admin,
  type LogEntry,
  type Producer,
  type ProducerBatch,
  type ProducerRecord,
  type RecordMetadata,
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

/** The producer every service uses: idempotent (so retries never duplicate), acks from all in-sync replicas. */
export async function createProducer(kafka: Kafka): Promise<Producer> {
  // Idempotence needs at most 5 in-flight requests per connection; kafkajs keeps order with 1.
  const producer = kafka.producer({
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

  constructor(
    private readonly kafka: Kafka,
    logger: Logger,
    metrics: Registry,
    private readonly factory: (kafka: Kafka) => Promise<Producer> = createProducer,
  ) {
    this.log = logger.child({ component: 'producer' });
    this.recreations = platformMetrics(metrics).producerRecreations;
  }

  /** Connects the first producer. */
  async connect(): Promise<void> {
    this.current = await this.factory(this.kafka);
  }

  send(record: ProducerRecord): Promise<RecordMetadata[]> {
    return this.guard((p) => p.send(record));
  }

  sendBatch(batch: ProducerBatch): Promise<RecordMetadata[]> {
    return this.guard((p) => p.sendBatch(batch));
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
