import { Kafka, logLevel, type Admin, type Producer, type LogEntry } from 'kafkajs';
import type { EventCodec, EventEnvelope } from './codec';
import type { Logger } from './logger';
import type { EventHeaders } from './tracing';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose own logs go through the service logger (warnings and up). */
export function createKafka(opts: { clientId: string; brokers: string[]; logger: Logger }): Kafka {
  const log = opts.logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: opts.clientId,
    brokers: opts.brokers,
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
  });
  await producer.connect();
  return producer;
}

/** Encodes and sends one event keyed by its orderId (acks=all). Prefer the outbox for state changes. */
export async function publishEvent<T extends EventEnvelope>(
  producer: Producer,
  codec: EventCodec<T>,
  event: T,
  headers: EventHeaders,
): Promise<void> {
  await producer.send({
    topic: codec.topic,
    acks: -1,
    messages: [{ key: event.orderId, value: await codec.encode(event), headers: { ...headers } }],
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
