// Dead letters: list the `<topic>.DLT` topics, show their messages, replay them to the original topic.
// What was replayed is tracked in the consumer group `orderflow-dlt-replay` (one committed offset per DLT
// partition, plus the offsets replayed beyond it in the commit's metadata), so replaying twice resends
// nothing. A replayed event keeps its eventId, so a consumer that did handle it once (its inbox) ignores it.
import { SchemaRegistryClient, formatIssues, type TopicDescriptor } from '@orderflow/codec';
import { topicDescriptors } from '@orderflow/contracts';
import {
  adminKafkaSecurity,
  kafkaClientSecurity,
  registryAuthFromEnv,
  type KafkaSecurity,
  type RegistryAuth,
} from '@orderflow/platform';
import { Kafka, logLevel, type Admin, type IHeaders, type Producer, type ProducerRecord } from 'kafkajs';
import { StackError } from './errors';

/** kafkajs error types after which an idempotent producer's id is unusable (a new producer succeeds). */
const FATAL_PRODUCER_ERRORS = new Set([
  'OUT_OF_ORDER_SEQUENCE_NUMBER',
  'UNKNOWN_PRODUCER_ID',
  'INVALID_PRODUCER_EPOCH',
]);

/** The consumer group whose committed DLT offsets record what was replayed. */
export const REPLAY_GROUP = 'orderflow-dlt-replay';
/** The header naming the DLT message a replayed event came from: `<dlt>/<partition>/<offset>`. */
export const REPLAYED_FROM_HEADER = 'dlt-replayed-from';
/** DLT headers, shown first by `show` (the consumer's dead-lettering writes them). */
export const DLT_HEADERS = [
  'dlt-original-topic',
  'dlt-original-partition',
  'dlt-original-offset',
  'dlt-error-code',
  'dlt-error-message',
  'correlation-id',
  'causation-id',
  'traceparent',
] as const;

/** Where the tool connects: the services' variables and defaults (packages/platform/src/config.ts). */
export interface DltSettings {
  readonly kafkaBrokers: string[];
  /** KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_*, KAFKA_SSL_*; on the local stack its admin. */
  readonly kafkaSecurity?: KafkaSecurity;
  readonly schemaRegistryUrl: string;
  readonly schemaRegistryAuth?: RegistryAuth | undefined;
}

/** KAFKA_BROKERS (default localhost:9092) and SCHEMA_REGISTRY_URL (default Apicurio's ccompat API on 8081). */
export function dltSettings(env: NodeJS.ProcessEnv = process.env): DltSettings {
  const raw = env['KAFKA_BROKERS']?.trim() || 'localhost:9092';
  const kafkaBrokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (kafkaBrokers.length === 0)
    throw new StackError('BAD_CONFIG', `KAFKA_BROKERS=${JSON.stringify(raw)} names no broker`);
  const schemaRegistryUrl = env['SCHEMA_REGISTRY_URL']?.trim() || 'http://localhost:8081/apis/ccompat/v7';
  if (!/^https?:\/\//.test(schemaRegistryUrl))
    throw new StackError(
      'BAD_CONFIG',
      `SCHEMA_REGISTRY_URL must be an http(s) URL, got ${JSON.stringify(schemaRegistryUrl)}`,
    );
  try {
    return {
      kafkaBrokers,
      kafkaSecurity: adminKafkaSecurity(env),
      schemaRegistryUrl,
      schemaRegistryAuth: registryAuthFromEnv(env),
    };
  } catch (err) {
    throw new StackError('BAD_CONFIG', (err as Error).message);
  }
}

type AnyDescriptor = TopicDescriptor<unknown, unknown>;

/** A topic of the table and its DLT, from `order_created` or `order_created.DLT`. */
export function resolveTopic(arg: string): { topic: string; dlt: string; descriptor: AnyDescriptor } {
  const topic = arg.endsWith('.DLT') ? arg.slice(0, -'.DLT'.length) : arg;
  const descriptors = topicDescriptors as unknown as Record<string, AnyDescriptor>;
  const descriptor = Object.prototype.hasOwnProperty.call(descriptors, topic)
    ? descriptors[topic]
    : undefined;
  if (descriptor === undefined)
    throw new StackError(
      'BAD_USAGE',
      `unknown topic "${arg}"; choose one of ${Object.keys(descriptors).join(', ')} (or their .DLT)`,
    );
  return { topic, dlt: descriptor.deadLetterTopic, descriptor };
}

/** `--offset 5` (any partition holding offset 5) or `--offset 1:5` (partition 1, offset 5). */
export interface OffsetRef {
  readonly partition?: number;
  readonly offset: bigint;
}

/** Parses `n` or `p:n`. */
export function parseOffsetRef(text: string): OffsetRef {
  const m = /^(?:(\d+):)?(\d+)$/.exec(text.trim());
  if (m === null)
    throw new StackError(
      'BAD_USAGE',
      `--offset takes <offset> or <partition>:<offset>, e.g. 5 or 1:5; got "${text}"`,
    );
  const offset = BigInt(m[2] ?? '0');
  return m[1] === undefined ? { offset } : { partition: Number(m[1]), offset };
}

/** What was replayed from one DLT partition: every offset below `next`, plus `beyond`. */
export interface ReplayState {
  next: bigint;
  beyond: Set<bigint>;
}

/** Renders the offsets replayed beyond the committed one as commit metadata, e.g. `replayed:7,9-12`. */
export function encodeReplayed(beyond: ReadonlySet<bigint>): string {
  const sorted = [...beyond].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    const start = sorted[i] as bigint;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1n) end = sorted[++i] as bigint;
    parts.push(start === end ? String(start) : `${start}-${end}`);
    i++;
  }
  return `replayed:${parts.join(',')}`;
}

/** Parses {@link encodeReplayed}'s output; anything else is no extra offsets. */
export function decodeReplayed(metadata: string | null | undefined): Set<bigint> {
  const out = new Set<bigint>();
  const m = /^replayed:([\d,-]*)$/.exec(metadata ?? '');
  if (m === null) return out;
  for (const part of (m[1] ?? '').split(',').filter((p) => p !== '')) {
    const [a, b] = part.split('-');
    const start = BigInt(a ?? '0');
    const end = b === undefined ? start : BigInt(b);
    for (let o = start; o <= end && o - start < 100_000n; o++) out.add(o);
  }
  return out;
}

/** Marks `offset` replayed and moves `next` over every replayed offset that now follows it. */
export function markReplayed(state: ReplayState, offset: bigint): void {
  if (offset < state.next) return;
  state.beyond.add(offset);
  while (state.beyond.has(state.next)) {
    state.beyond.delete(state.next);
    state.next++;
  }
}

/** True when the message at `offset` was replayed before. */
export function wasReplayed(state: ReplayState, offset: bigint): boolean {
  return offset < state.next || state.beyond.has(offset);
}

/** One message of a DLT. */
export interface DltMessage {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: IHeaders;
}

/** A DLT message's headers as text (first value of repeated headers). */
export function headerText(headers: IHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** The headers a replayed event carries: the original ones (correlation-id, traceparent, causation-id…), no dlt-*, plus where it came from. */
export function replayHeaders(message: DltMessage): IHeaders {
  const out: IHeaders = {};
  for (const [k, v] of Object.entries(message.headers))
    if (!k.startsWith('dlt-') && v !== undefined) out[k] = v;
  out[REPLAYED_FROM_HEADER] = `${message.topic}/${message.partition}/${message.offset}`;
  return out;
}

/** A half-open offset range of one partition to read. */
interface Range {
  readonly topic: string;
  readonly partition: number;
  readonly from: bigint;
  readonly to: bigint;
}

/** Partition watermarks of a topic. */
interface Watermarks {
  readonly partition: number;
  readonly low: bigint;
  readonly high: bigint;
}

/** Outcome of one replayed or refused message. */
export interface ReplayOutcome {
  readonly partition: number;
  readonly offset: bigint;
  readonly result: 'replayed' | 'refused' | 'already replayed';
  readonly reason?: string;
}

/** One DLT in {@link DeadLetters.summaries}. */
export interface DltSummary {
  readonly dlt: string;
  /** The original topic. */
  readonly topic: string;
  readonly messages: number;
  /** Messages not replayed yet. */
  readonly pending: number;
  /** When the newest message was dead-lettered (ISO), null when the DLT is empty. */
  readonly latest: string | null;
  /** dlt-error-code → count over the last 20 messages of each partition. */
  readonly errorCodes: Readonly<Record<string, number>>;
}

/** A DLT message's value as {@link DeadLetters.inspect} found it (plain JSON: longs as numbers, bytes as hex). */
export type InspectedValue =
  | { readonly kind: 'null' }
  | { readonly kind: 'decoded'; readonly value: unknown }
  | { readonly kind: 'invalid'; readonly value: unknown; readonly issues: string }
  | { readonly kind: 'undecodable'; readonly reason: string; readonly preview: string };

/** One DLT message, decoded, in {@link DeadLetters.inspect}. */
export interface InspectedMessage {
  readonly partition: number;
  /** The offset as decimal text (Kafka offsets are 64-bit). */
  readonly offset: string;
  readonly timestamp: string;
  readonly replayed: boolean;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly bytes: number;
  /** The Confluent frame's schema id (bytes 1-4), null when the value is shorter than a frame header. */
  readonly schemaId: number | null;
  readonly value: InspectedValue;
}

/** What {@link DeadLetters.inspect} returns. */
export interface InspectedDlt {
  readonly topic: string;
  readonly dlt: string;
  readonly total: number;
  readonly messages: readonly InspectedMessage[];
}

/** The dead-letter tool: list, show and replay over one Kafka cluster and registry. */
export class DeadLetters {
  private readonly kafka: Kafka;
  private readonly registry: SchemaRegistryClient;

  constructor(
    private readonly settings: DltSettings,
    private readonly out: (line: string) => void = (l) => console.log(l),
    private readonly err: (line: string) => void = (l) => console.error(l),
  ) {
    this.kafka = new Kafka({
      clientId: 'orderflow-dlt',
      brokers: settings.kafkaBrokers,
      ...kafkaClientSecurity(settings.kafkaSecurity),
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
    this.registry = new SchemaRegistryClient({
      url: settings.schemaRegistryUrl,
      ...(settings.schemaRegistryAuth === undefined ? {} : { auth: settings.schemaRegistryAuth }),
    });
  }

  private async withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return await fn(admin);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private static async watermarks(admin: Admin, topic: string): Promise<Watermarks[]> {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets
      .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
      .sort((a, b) => a.partition - b.partition);
  }

  private static async replayStates(admin: Admin, dlt: string): Promise<Map<number, ReplayState>> {
    const [entry] = await admin.fetchOffsets({ groupId: REPLAY_GROUP, topics: [dlt] });
    const states = new Map<number, ReplayState>();
    for (const p of entry?.partitions ?? []) {
      const committed = BigInt(p.offset);
      states.set(p.partition, {
        next: committed < 0n ? 0n : committed,
        beyond: committed < 0n ? new Set() : decodeReplayed(p.metadata),
      });
    }
    return states;
  }

  /** Every DLT on the cluster with its message count, how many await replay, the newest and its latest error codes. */
  async summaries(): Promise<DltSummary[]> {
    return this.withAdmin(async (admin) => {
      const all = await admin.listTopics();
      const dlts = all.filter((t) => t.endsWith('.DLT')).sort();
      const rows: { dlt: string; count: bigint; pending: bigint }[] = [];
      const ranges: Range[] = [];
      for (const dlt of dlts) {
        const marks = await DeadLetters.watermarks(admin, dlt);
        const states = await DeadLetters.replayStates(admin, dlt);
        let count = 0n;
        let pending = 0n;
        for (const m of marks) {
          count += m.high - m.low;
          const s = states.get(m.partition) ?? { next: 0n, beyond: new Set<bigint>() };
          const start = s.next > m.low ? s.next : m.low;
          if (m.high > start)
            pending += m.high - start - BigInt([...s.beyond].filter((o) => o >= start && o < m.high).length);
          // The latest errors: the last 20 messages of each partition.
          const from = m.high - 20n > m.low ? m.high - 20n : m.low;
          if (m.high > from) ranges.push({ topic: dlt, partition: m.partition, from, to: m.high });
        }
        rows.push({ dlt, count, pending });
      }
      const recent = await this.read(ranges);
      return rows.map((r) => {
        const latest = recent
          .filter((m) => m.topic === r.dlt)
          .sort((a, b) => Number(b.timestamp) - Number(a.timestamp));
        const errorCodes: Record<string, number> = {};
        for (const m of latest) {
          const code = headerText(m.headers)['dlt-error-code'] ?? '(no dlt-error-code)';
          errorCodes[code] =
            (Object.prototype.hasOwnProperty.call(errorCodes, code) ? errorCodes[code]! : 0) + 1;
        }
        const newest = latest[0];
        return {
          dlt: r.dlt,
          topic: r.dlt.slice(0, -'.DLT'.length),
          messages: Number(r.count),
          pending: Number(r.pending),
          latest: newest === undefined ? null : new Date(Number(newest.timestamp)).toISOString(),
          errorCodes,
        };
      });
    });
  }

  /** `list`: every DLT with its message count, how many await replay, and the latest error codes. */
  async list(): Promise<number> {
    const rows = await this.summaries();
    if (rows.length === 0) {
      this.out('no dead-letter topics (<topic>.DLT) on this cluster; run `npm run stack -- up`');
      return 0;
    }
    this.out(
      renderColumns(
        [
          'dead-letter topic',
          'messages',
          'not replayed',
          'latest',
          'latest error codes (last 20 per partition)',
        ],
        rows.map((r) => {
          const codes = Object.entries(r.errorCodes);
          return [
            r.dlt,
            String(r.messages),
            String(r.pending),
            r.latest ?? '-',
            codes.length === 0 ? '-' : codes.map(([c, n]) => `${c} ×${n}`).join(', '),
          ];
        }),
      ),
    );
    return 0;
  }

  /** Reads the given ranges with a throwaway consumer group (nothing committed); newest offsets last. */
  private async read(ranges: readonly Range[]): Promise<DltMessage[]> {
    const wanted = ranges.filter((r) => r.to > r.from);
    if (wanted.length === 0) return [];
    const topics = [...new Set(wanted.map((r) => r.topic))];
    const groupId = `orderflow-dlt-reader-${process.pid}-${Date.now()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
    const key = (topic: string, partition: number): string => `${topic}/${partition}`;
    const remaining = new Map(wanted.map((r) => [key(r.topic, r.partition), r]));
    const out: DltMessage[] = [];
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    await consumer.connect();
    try {
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const r = remaining.get(key(batch.topic, batch.partition));
          if (r === undefined) return;
          for (const m of batch.messages) {
            const offset = BigInt(m.offset);
            if (offset >= r.from && offset < r.to)
              out.push({
                topic: batch.topic,
                partition: batch.partition,
                offset,
                timestamp: m.timestamp,
                key: m.key,
                value: m.value,
                headers: m.headers ?? {},
              });
          }
          // Done with this partition at the end of the range, or at the end of the log (control records).
          if (BigInt(batch.lastOffset()) + 1n >= r.to || batch.offsetLag() === '0') {
            remaining.delete(key(batch.topic, batch.partition));
            consumer.pause([{ topic: batch.topic, partitions: [batch.partition] }]);
            if (remaining.size === 0) finish();
          }
          await Promise.resolve();
        },
      });
      for (const r of wanted)
        consumer.seek({ topic: r.topic, partition: r.partition, offset: String(r.from) });
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(new StackError('NOT_READY', `reading ${topics.join(', ')} did not finish within 60 s`)),
          60_000,
        );
      });
      try {
        await Promise.race([done, timeout]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect().catch(() => undefined);
      await this.withAdmin((admin) => admin.deleteGroups([groupId])).catch(() => undefined);
    }
    return out.sort(
      (a, b) => a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0),
    );
  }

  /** The ranges an offset reference selects (the partition holding it, or the named one). */
  private static select(marks: readonly Watermarks[], dlt: string, ref: OffsetRef): Range {
    const holding = marks.filter(
      (m) =>
        (ref.partition === undefined || m.partition === ref.partition) &&
        ref.offset >= m.low &&
        ref.offset < m.high,
    );
    if (holding.length === 0)
      throw new StackError(
        'NOT_FOUND',
        `${dlt} has no message at ${ref.partition === undefined ? '' : `partition ${ref.partition} `}offset ${ref.offset} (${marks
          .map((m) => `partition ${m.partition}: ${m.low}-${m.high - 1n}`)
          .join(', ')})`,
      );
    if (holding.length > 1)
      throw new StackError(
        'BAD_USAGE',
        `offset ${ref.offset} exists in partitions ${holding.map((m) => m.partition).join(', ')} of ${dlt}; say which: ${holding
          .map((m) => `--offset ${m.partition}:${ref.offset}`)
          .join(' or ')}`,
      );
    const m = holding[0] as Watermarks;
    return { topic: dlt, partition: m.partition, from: ref.offset, to: ref.offset + 1n };
  }

  /** Messages of a DLT with their headers and values decoded through the registry (the newest `limit`, default 20, or one offset). */
  async inspect(arg: string, opts: { offset?: OffsetRef; limit?: number }): Promise<InspectedDlt> {
    const { topic, dlt, descriptor } = resolveTopic(arg);
    const { marks, states } = await this.withAdmin(async (admin) => ({
      marks: await DeadLetters.watermarks(admin, dlt),
      states: await DeadLetters.replayStates(admin, dlt),
    }));
    const limit = BigInt(opts.limit ?? 20);
    const ranges =
      opts.offset !== undefined
        ? [DeadLetters.select(marks, dlt, opts.offset)]
        : marks.map((m) => ({
            topic: dlt,
            partition: m.partition,
            from: m.high - limit > m.low ? m.high - limit : m.low,
            to: m.high,
          }));
    let messages = await this.read(ranges);
    if (opts.offset === undefined)
      messages = messages.sort((a, b) => Number(a.timestamp) - Number(b.timestamp)).slice(-Number(limit));
    const total = marks.reduce((n, m) => n + (m.high - m.low), 0n);
    const codec = descriptor.codec(this.registry);
    const inspected: InspectedMessage[] = [];
    for (const m of messages) {
      const state = states.get(m.partition) ?? { next: 0n, beyond: new Set<bigint>() };
      const headers = headerText(m.headers);
      const base = {
        partition: m.partition,
        offset: String(m.offset),
        timestamp: new Date(Number(m.timestamp)).toISOString(),
        replayed: wasReplayed(state, m.offset),
        key: m.key === null ? null : m.key.toString('utf8'),
        headers,
        bytes: m.value?.length ?? 0,
        schemaId: m.value !== null && m.value.length >= 5 ? m.value.readUInt32BE(1) : null,
      };
      if (m.value === null) {
        inspected.push({ ...base, value: { kind: 'null' } });
        continue;
      }
      try {
        const value: unknown = JSON.parse(JSON.stringify(await codec.decode(m.value), jsonSafe));
        const issues = descriptor.validate(value);
        inspected.push({
          ...base,
          value:
            issues.length > 0
              ? { kind: 'invalid', value, issues: formatIssues(issues) }
              : { kind: 'decoded', value },
        });
      } catch (err) {
        inspected.push({
          ...base,
          value: { kind: 'undecodable', reason: describeError(err), preview: preview(m.value) },
        });
      }
    }
    return { topic, dlt, total: Number(total), messages: inspected };
  }

  /** `show <topic> [--offset n|p:n] [--limit n]`: messages with their headers and decoded values (newest `limit` by default). */
  async show(arg: string, opts: { offset?: OffsetRef; limit?: number }): Promise<number> {
    const { topic, dlt, total, messages } = await this.inspect(arg, opts);
    this.out(
      `${dlt}: ${total} message(s)${opts.offset === undefined ? `, showing the newest ${messages.length}` : ''}`,
    );
    for (const m of messages) {
      this.out('');
      this.out(
        `── partition ${m.partition} offset ${m.offset} (--offset ${m.partition}:${m.offset})  ${m.timestamp}  ${m.replayed ? 'replayed' : 'not replayed'}`,
      );
      this.out(`  key: ${m.key ?? '(null)'}`);
      const names = [
        ...DLT_HEADERS.filter((h) => h in m.headers),
        ...Object.keys(m.headers)
          .filter((h) => !(DLT_HEADERS as readonly string[]).includes(h))
          .sort(),
      ];
      for (const h of names) this.out(`  ${h}: ${m.headers[h]}`);
      const v = m.value;
      if (v.kind === 'null') this.out('  value: (null)');
      else if (v.kind === 'undecodable')
        this.out(`  value: not decodable (${v.reason}); ${m.bytes} bytes: ${v.preview}`);
      else {
        this.out(
          `  value (${m.bytes} bytes, schema id ${m.schemaId ?? '?'}, decoded with the ${topic} reader schema${v.kind === 'invalid' ? `; INVALID: ${v.issues}` : ''}):`,
        );
        for (const line of JSON.stringify(v.value, null, 2).split('\n')) this.out(`    ${line}`);
      }
    }
    return 0;
  }

  /**
   * Re-validates each selected message (one offset, or `all` not yet replayed) against the current reader
   * schema and produces it to the original topic (same key, value and headers, plus dlt-replayed-from).
   * Messages that do not decode or validate are refused, not replayed. Records what was sent in REPLAY_GROUP.
   */
  async replayMessages(
    arg: string,
    opts: { offset?: OffsetRef; all?: boolean },
  ): Promise<{ topic: string; dlt: string; outcomes: ReplayOutcome[] }> {
    const { topic, dlt, descriptor } = resolveTopic(arg);
    if ((opts.offset === undefined) === (opts.all !== true))
      throw new StackError('BAD_USAGE', 'replay needs exactly one of --offset <n|p:n> or --all');
    const { marks, states } = await this.withAdmin(async (admin) => ({
      marks: await DeadLetters.watermarks(admin, dlt),
      states: await DeadLetters.replayStates(admin, dlt),
    }));
    const stateOf = (partition: number): ReplayState => {
      let s = states.get(partition);
      if (s === undefined) {
        s = { next: 0n, beyond: new Set() };
        states.set(partition, s);
      }
      return s;
    };
    const outcomes: ReplayOutcome[] = [];
    let ranges: Range[];
    if (opts.offset !== undefined) {
      const range = DeadLetters.select(marks, dlt, opts.offset);
      if (wasReplayed(stateOf(range.partition), range.from)) {
        outcomes.push({ partition: range.partition, offset: range.from, result: 'already replayed' });
        ranges = [];
      } else ranges = [range];
    } else {
      ranges = [];
      for (const m of marks) {
        const s = stateOf(m.partition);
        const from = s.next > m.low ? s.next : m.low;
        if (m.high > from) ranges.push({ topic: dlt, partition: m.partition, from, to: m.high });
      }
    }
    const messages = (await this.read(ranges)).filter((m) => {
      if (!wasReplayed(stateOf(m.partition), m.offset)) return true;
      outcomes.push({ partition: m.partition, offset: m.offset, result: 'already replayed' });
      return false;
    });

    const codec = descriptor.codec(this.registry);
    const connect = async (): Promise<Producer> => {
      const p = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
      });
      await p.connect();
      return p;
    };
    let producer = await connect();
    // A fatal producer error (seen in CI: OUT_OF_ORDER_SEQUENCE_NUMBER on a new producer's first send
    // after the broker had restarted) is the producer id's state, not the message's: send it again
    // through a new producer. Were the first attempt appended after all, the consumers' inboxes drop
    // the copy (same eventId).
    const send = async (record: ProducerRecord): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          await producer.send(record);
          return;
        } catch (err) {
          const type = (err as { type?: unknown }).type;
          if (attempt >= 3 || typeof type !== 'string' || !FATAL_PRODUCER_ERRORS.has(type)) throw err;
          await producer.disconnect().catch(() => undefined);
          producer = await connect();
        }
      }
    };
    const touched = new Set<number>();
    try {
      for (const m of messages) {
        const reason = await refusal(m, codec, descriptor);
        if (reason !== undefined) {
          outcomes.push({ partition: m.partition, offset: m.offset, result: 'refused', reason });
          continue;
        }
        await send({
          topic,
          acks: -1,
          messages: [{ key: m.key, value: m.value, headers: replayHeaders(m) }],
        });
        markReplayed(stateOf(m.partition), m.offset);
        touched.add(m.partition);
        outcomes.push({ partition: m.partition, offset: m.offset, result: 'replayed' });
      }
    } finally {
      // Record what was sent even when a later message failed: a rerun must not resend it.
      if (touched.size > 0)
        await this.commit(
          dlt,
          [...touched].map((p) => [p, stateOf(p)] as const),
        );
      await producer.disconnect().catch(() => undefined);
    }

    return { topic, dlt, outcomes };
  }

  /**
   * `replay <topic> --offset n|p:n` or `--all`: see {@link replayMessages}; prints each outcome. Returns 1
   * when any message was refused.
   */
  async replay(arg: string, opts: { offset?: OffsetRef; all?: boolean }): Promise<number> {
    const { topic, dlt, outcomes } = await this.replayMessages(arg, opts);
    for (const o of outcomes) {
      const where = `${dlt} partition ${o.partition} offset ${o.offset}`;
      if (o.result === 'replayed') this.out(`✓ ${where}: replayed to ${topic}`);
      else if (o.result === 'already replayed')
        this.out(`• ${where}: already replayed (consumer group ${REPLAY_GROUP}); not sent again`);
      else this.err(`✗ ${where}: not replayed: ${o.reason ?? 'refused'}`);
    }
    const count = (r: ReplayOutcome['result']): number => outcomes.filter((o) => o.result === r).length;
    this.out(
      `${count('replayed')} replayed to ${topic}, ${count('already replayed')} already replayed, ${count('refused')} refused`,
    );
    if (count('refused') > 0) {
      this.err(
        `${count('refused')} message(s) of ${dlt} still do not decode or validate against the current ${topic} schema; they stay in the DLT (see \`npm run dlt -- show ${topic} --offset <p:n>\`).`,
      );
      return 1;
    }
    return 0;
  }

  /** Commits the replay state of some partitions as group REPLAY_GROUP (joins the group briefly to attach metadata). */
  private async commit(dlt: string, entries: readonly (readonly [number, ReplayState])[]): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: REPLAY_GROUP, allowAutoTopicCreation: false });
    await consumer.connect();
    try {
      let joined: () => void = () => undefined;
      const join = new Promise<void>((resolve) => (joined = resolve));
      consumer.on(consumer.events.GROUP_JOIN, () => joined());
      await consumer.subscribe({ topics: [dlt] });
      await consumer.run({ autoCommit: false, eachBatch: () => Promise.resolve() });
      consumer.pause([{ topic: dlt }]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        join,
        new Promise<void>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new StackError(
                  'NOT_READY',
                  `could not join consumer group ${REPLAY_GROUP} within 60 s to record the replay`,
                ),
              ),
            60_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      await consumer.commitOffsets(
        entries.map(([partition, s]) => ({
          topic: dlt,
          partition,
          offset: String(s.next),
          metadata: s.beyond.size === 0 ? null : encodeReplayed(s.beyond),
        })),
      );
    } finally {
      await consumer.disconnect().catch(() => undefined);
    }
  }
}

/** Why a DLT message cannot be replayed (undefined: it decodes and validates against the current reader schema). */
async function refusal(
  m: DltMessage,
  codec: ReturnType<AnyDescriptor['codec']>,
  descriptor: AnyDescriptor,
): Promise<string | undefined> {
  if (m.value === null) return 'the message has no value';
  let value: unknown;
  try {
    value = await codec.decode(m.value);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    // A registry outage is not the message's fault: stop, so a rerun tries again.
    if (code === 'UNAVAILABLE') throw err;
    return `does not decode with the current ${descriptor.topic} reader schema: ${describeError(err)}`;
  }
  const issues = descriptor.validate(value);
  if (issues.length > 0)
    return `invalid against the current ${descriptor.topic} schema: ${formatIssues(issues)}`;
  return undefined;
}

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

function preview(bytes: Buffer): string {
  const head = bytes.subarray(0, 32);
  const printable = /^[\x20-\x7e]*$/.test(head.toString('latin1')) ? ` "${head.toString('latin1')}"` : '';
  return `0x${head.toString('hex')}${bytes.length > 32 ? '…' : ''}${printable}`;
}

function jsonSafe(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value !== null && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer')
    return `0x${Buffer.from((value as { data: number[] }).data).toString('hex')}`;
  return value;
}

function renderColumns(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    widths
      .map((w, i) => (cells[i] ?? '').padEnd(w))
      .join(' | ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}
