// Helpers for integration tests on the real PostgreSQL, Kafka and registry: the platform's own, and
// scratch databases for every workspace's tests (tests/support). Not part of the platform's index: other
// workspaces import them as `@orderflow/platform/testing` (package.json exports).
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { SchemaRegistryClient, TopicCodec } from '@orderflow/codec';
import { PrismaPg } from '@prisma/adapter-pg';
import { adminKafkaSecurity, kafkaClientSecurity } from './kafka-security';
import { Kafka, logLevel, type IHeaders } from 'kafkajs';
import pg from 'pg';
import { PrismaClient } from './generated/prisma/client';
import { applyMigrations } from './db/migrate';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { TRACER_NAME, useTracer } from './spans';
import { postgresDatabaseUrl } from './postgres-server';

export const ROOT = resolve(__dirname, '../../..');
export const BROKERS = ['localhost:9092'];
export const REGISTRY_URL = 'http://localhost:8081/apis/ccompat/v7';

/** The event the tests publish; shaped like a saga event (eventId, occurredAt, orderId). */
export interface TestEvent {
  eventId: string;
  occurredAt: Date;
  orderId: string;
  amount: number;
  note: string | null;
}

const TEST_SCHEMA = {
  type: 'record',
  name: 'PlatformTestEvent',
  namespace: 'dev.orderflow.test',
  fields: [
    { name: 'eventId', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'occurredAt', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'orderId', type: 'string' },
    { name: 'amount', type: 'long' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

/** A real TopicCodec for a scratch topic, registering its test schema on first use. */
export function testCodec(topic: string): TopicCodec<TestEvent> {
  return new TopicCodec<TestEvent>({
    topic,
    subject: `${topic}-value`,
    schema: TEST_SCHEMA,
    key: (event) => event.orderId,
    registry: new SchemaRegistryClient({ url: REGISTRY_URL }),
    autoRegister: true,
  });
}

export function testEvent(overrides: Partial<TestEvent> = {}): TestEvent {
  return {
    eventId: randomUUID(),
    occurredAt: new Date(Math.floor(Date.now())),
    orderId: randomUUID(),
    amount: 1234,
    note: null,
    ...overrides,
  };
}

/** Creates database `name` afresh (dropping any leftover) with the migrations in `migrationsDir` applied; `drop()` removes it. */
export async function migratedDatabase(
  name: string,
  migrationsDir: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const url = postgresDatabaseUrl(name);
  await dropDatabase(name);
  await applyMigrations({ databaseUrl: url, migrationsDir });
  return { url, drop: () => dropDatabase(name) };
}

/**
 * A fresh database with the platform's tables (outbox, inbox; prisma/platform/migrations, the same DDL as
 * every service's) and the platform's Prisma client on it.
 */
export async function scratchDatabase(
  label: string,
): Promise<{ url: string; prisma: InstanceType<typeof PrismaClient>; drop: () => Promise<void> }> {
  const db = await migratedDatabase(
    `orderflow_scratch_${label}_${process.pid}`,
    resolve(ROOT, 'prisma/platform/migrations'),
  );
  const prisma = new PrismaClient({ adapter: new PrismaPg({ connectionString: db.url }) });
  return {
    url: db.url,
    prisma,
    drop: async () => {
      await prisma.$disconnect();
      await db.drop();
    },
  };
}

/** Runs one statement on the server's maintenance database (CREATE/DROP DATABASE cannot run on the target). */
export async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: postgresDatabaseUrl('postgres') });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** Drops database `name` if it exists, closing its connections. */
export function dropDatabase(name: string): Promise<void> {
  return adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

export function testKafka(): Kafka {
  return new Kafka({
    clientId: 'platform-int-test',
    brokers: BROKERS,
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
}

/** Creates uniquely named scratch topics (and their .DLT twins) so tests never touch the saga topics. */
export async function scratchTopic(kafka: Kafka, label: string, partitions = 3): Promise<string> {
  const topic = `platform_test_${label}_${randomUUID().slice(0, 8)}`;
  const a = kafka.admin();
  await a.connect();
  try {
    await a.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: partitions },
        { topic: `${topic}.DLT`, numPartitions: 1 },
      ],
    });
  } finally {
    await a.disconnect();
  }
  return topic;
}

export async function deleteTopics(kafka: Kafka, topics: string[]): Promise<void> {
  const a = kafka.admin();
  await a.connect();
  try {
    await a.deleteTopics({ topics });
  } catch {
    // Best effort: scratch topics have unique names.
  } finally {
    await a.disconnect();
  }
}

export interface ReadMessage {
  key: string | undefined;
  value: Buffer | null;
  headers: Record<string, string>;
  partition: number;
  offset: string;
}

/** Every message on `topic` (from the beginning), waiting until `count` arrived or `timeoutMs`, then `settleMs` more for extras. */
export async function readTopic(
  kafka: Kafka,
  topic: string,
  count: number,
  opts: { timeoutMs?: number; settleMs?: number } = {},
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomUUID()}` });
  const got: ReadMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let reached: () => void = () => undefined;
  const enough = new Promise<void>((r) => (reached = r));
  await consumer.run({
    eachMessage: ({ message, partition }) => {
      got.push({
        key: message.key?.toString(),
        value: message.value,
        headers: plainHeaders(message.headers),
        partition,
        offset: message.offset,
      });
      if (got.length >= count) reached();
      return Promise.resolve();
    },
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([enough, new Promise((r) => (timer = setTimeout(r, opts.timeoutMs ?? 20_000)))]);
  clearTimeout(timer);
  await new Promise((r) => setTimeout(r, opts.settleMs ?? 1000));
  await consumer.disconnect();
  return got;
}

function plainHeaders(h: IHeaders | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(h ?? {}).map(([k, v]) => [k, String(Array.isArray(v) ? v[0] : v)]),
  );
}

/** Polls `predicate` until true or the timeout. */
export async function eventually(predicate: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

/**
 * Records the platform's spans in memory for a test: installs a tracer whose spans are kept by an
 * InMemorySpanExporter (ended spans, in the order they ended); `stop()` turns spans off again.
 */
export function recordSpans(): { spans(): ReadableSpan[]; reset(): void; stop(): Promise<void> } {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'test' }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  useTracer(provider.getTracer(TRACER_NAME));
  return {
    spans: () => exporter.getFinishedSpans(),
    reset: () => exporter.reset(),
    stop: async () => {
      useTracer(undefined);
      await provider.shutdown();
    },
  };
}
