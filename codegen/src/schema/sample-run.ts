// `check --sample <n>`, the I/O part: read the newest n events of each changed topic from Kafka (a throwaway
// consumer group that commits nothing), fetch each writer schema by the id in its wire header, and judge the
// events with the working tree's schema (sample.ts). Off, in one line, when no broker answers.
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaMessage } from 'kafkajs';
import {
  invalidPaths,
  parseAvroSchema,
  parseFrame,
  RegistryError,
  registryAuthOption,
  SchemaRegistryClient,
} from '@orderflow/codec';
import type { CheckReport } from './check-command';
import { KAFKA_BROKERS, KAFKA_ENV } from './config';
import { SchemaCliError } from './errors';
import { loadResolvedSchemaFile, loadShared } from './inputs';
import { sampleTopic, writerSide } from './sample';
import type { ReaderSide, SampledMessage, SampleReport, TopicSample, WriterSide } from './sample';
import { workingTreeValidators } from './working-validators';

/** How long one topic's read may take before the check gives up on it (exit 2). */
const READ_TIMEOUT_MS = 60_000;
/** How often a long read reports progress (on stderr). */
const PROGRESS_EVERY_MS = 2_000;
// kafkajs names these when the broker cannot be reached at all: the sample is then off, not an error.
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSNonRetriableError',
]);

export interface SampleOptions {
  readonly n: number;
  readonly registryUrl: string;
  readonly brokers?: readonly string[];
  /** Progress of long reads (stderr: keeps `--format json` parseable). */
  readonly progress: (line: string) => void;
}

/** Sample every topic `report` found changed; off (not an error) when no broker is reachable. */
export async function runSample(
  root: string,
  report: CheckReport,
  options: SampleOptions,
): Promise<SampleReport> {
  const brokers = [...(options.brokers ?? KAFKA_BROKERS)];
  const shown = brokers.join(',');
  // Loaded only with --sample: the platform package pulls in the services' dependencies (about a second).
  const { adminKafkaSecurity, kafkaClientSecurity } = await import('@orderflow/platform');
  let security;
  try {
    security = adminKafkaSecurity(KAFKA_ENV);
  } catch (err) {
    throw new SchemaCliError('UNUSABLE_INPUT', `check --sample: Kafka security: ${(err as Error).message}`);
  }
  const kafka = new Kafka({
    clientId: 'orderflow-schema-check',
    brokers,
    ...kafkaClientSecurity(security),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 3_000,
    retry: { retries: 1, initialRetryTime: 200 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    if (UNREACHABLE.has((err as Error).name))
      return {
        off: `no Kafka broker reachable at ${shown} (${(err as Error).message}); nothing sampled`,
        n: options.n,
        brokers: shown,
        topics: [],
      };
    throw new SchemaCliError(
      'UNUSABLE_INPUT',
      `check --sample: Kafka at ${shown}: ${(err as Error).message}`,
    );
  }
  const registry = new SchemaRegistryClient({ url: options.registryUrl, ...registryAuthOption() });
  const changed = report.topics.filter((t) => t.changes.length > 0);
  const shared = loadShared(root);
  const { validators, problem }: ReturnType<typeof workingTreeValidators> =
    changed.length > 0 ? workingTreeValidators(root) : { validators: new Map() };
  const topics: TopicSample[] = [];
  try {
    for (const t of changed) {
      const notes: string[] = problem === undefined ? [] : [`${problem}; values checked with avsc alone`];
      const { text, schema } = loadResolvedSchemaFile(path.join(root, t.schema), t.schema, shared);
      const type = parseAvroSchema(text);
      const reader: ReaderSide = {
        topic: t.topic,
        type,
        schema,
        validate:
          validators.get(t.topic) ??
          ((v: unknown) =>
            type.isValid(v)
              ? []
              : [{ path: '', expected: t.topic, got: '', message: invalidPaths(type, v) }]),
      };
      const messages = await readNewest(kafka, admin, t.topic, options.n, options.progress, notes);
      const writers = await writersOf(registry, reader, t.subject, messages);
      topics.push(sampleTopic(reader, t.schema, writers, messages, notes));
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  return { off: undefined, n: options.n, brokers: shown, topics };
}

// Each schema id the messages name, fetched once and resolved against the reader.
async function writersOf(
  registry: SchemaRegistryClient,
  reader: ReaderSide,
  subject: string,
  messages: readonly SampledMessage[],
): Promise<Map<number, WriterSide>> {
  const ids = new Set<number>();
  for (const m of messages) {
    try {
      ids.add(parseFrame(m.value, reader.topic).schemaId);
    } catch {
      // A framing problem is the event's own verdict (sample.ts judges it).
    }
  }
  const writers = new Map<number, WriterSide>();
  for (const id of ids) {
    try {
      const registered = await registry.getRegisteredById(id);
      const text = await registry.resolvedSchemaById(id);
      const version = (await registry.lookup(subject, registered.schema, registered.references))?.version;
      writers.set(id, writerSide(reader, id, version, text));
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND')
        writers.set(id, {
          id,
          version: undefined,
          problem: `the registry at ${registry.url} does not know schema id ${id}`,
        });
      else if (err instanceof RegistryError)
        throw new SchemaCliError('REGISTRY', `check --sample: registry ${registry.url}: ${err.message}`, 2);
      else throw err;
    }
  }
  return writers;
}

interface Range {
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

/** The newest `n` messages of `topic` (by timestamp across partitions), read without committing anything. */
async function readNewest(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  n: number,
  progress: (line: string) => void,
  notes: string[],
): Promise<SampledMessage[]> {
  const existing = await admin.listTopics();
  if (!existing.includes(topic)) {
    notes.push(`topic ${topic} does not exist on the broker: nothing to sample`);
    return [];
  }
  const ranges: Range[] = (await admin.fetchTopicOffsets(topic))
    .map((o) => {
      const low = BigInt(o.low);
      const high = BigInt(o.high);
      const from = high - BigInt(n) > low ? high - BigInt(n) : low;
      return { partition: o.partition, from, to: high };
    })
    .filter((r) => r.to > r.from);
  if (ranges.length === 0) {
    notes.push(`topic ${topic} has no events: nothing to sample`);
    return [];
  }
  const expected = ranges.reduce((s, r) => s + Number(r.to - r.from), 0);
  const read: Array<SampledMessage & { timestamp: bigint }> = [];
  const remaining = new Map(ranges.map((r) => [r.partition, r]));
  const groupId = `orderflow-schema-sample-${process.pid}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const started = Date.now();
  const ticker = setInterval(
    () =>
      progress(
        `sample ${topic}: read ${read.length} of ${expected} messages (${Math.round((Date.now() - started) / 1000)} s)`,
      ),
    PROGRESS_EVERY_MS,
  );
  let timer: NodeJS.Timeout | undefined;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const r = remaining.get(batch.partition);
        if (r === undefined) return;
        for (const m of batch.messages) keep(read, batch.partition, m, r);
        if (BigInt(batch.lastOffset()) + 1n >= r.to || batch.offsetLag() === '0') {
          remaining.delete(batch.partition);
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          if (remaining.size === 0) finish();
        }
        await Promise.resolve();
      },
    });
    for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: String(r.from) });
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SchemaCliError(
              'UNUSABLE_INPUT',
              `check --sample: reading ${topic} did not finish within ${READ_TIMEOUT_MS / 1000} s`,
            ),
          ),
        READ_TIMEOUT_MS,
      );
    });
    await Promise.race([done, timeout]);
  } finally {
    clearTimeout(timer);
    clearInterval(ticker);
    await consumer.disconnect().catch(() => undefined);
    // The group never committed; delete it so throwaway groups do not pile up on the broker.
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  // The newest n of the topic: by timestamp, then partition and offset for a stable order.
  return read
    .sort((a, b) =>
      a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : a.partition - b.partition,
    )
    .slice(0, n)
    .map(({ partition, offset, value }) => ({ partition, offset, value }));
}

function keep(
  out: Array<SampledMessage & { timestamp: bigint }>,
  partition: number,
  m: KafkaMessage,
  r: Range,
): void {
  const offset = BigInt(m.offset);
  if (offset >= r.from && offset < r.to)
    out.push({ partition, offset: m.offset, value: m.value, timestamp: BigInt(m.timestamp) });
}
