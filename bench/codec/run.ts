// The codec benchmark: per topic, the generated codec's encode+decode against JSON.stringify/parse
// and @kafkajs/confluent-schema-registry's encode/decode, all against the real schema registry.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { SchemaRegistryClient, logicalTypes } from '@orderflow/codec';
import type { TopicCodec } from '@orderflow/codec';
import { topicDescriptors } from '@orderflow/contracts';

/** Options of the codec benchmark. */
export interface CodecBenchOptions {
  registryUrl: string;
  /** Messages per measured round (≥ 10,000 for the report's claims). */
  messages: number;
  /** Measured rounds per method; the median round is reported. */
  rounds: number;
  /** Where codec.md and codec.json go. */
  reportDir: string;
  log: (line: string) => void;
}

interface MethodResult {
  /** encode+decode pairs per second of this process's CPU time (median round). */
  opsPerSec: number;
  /** Median round CPU time in ms for `messages` pairs. */
  medianMs: number;
  /** The same round measured on the wall clock (noisier on a shared machine). */
  wallOpsPerSec: number;
}

/** One topic's figures. */
export interface TopicResult {
  topic: string;
  schemaId: number;
  generated: MethodResult;
  json: MethodResult;
  /** The library decoding into the consumer's reader schema (`readerSchema` option): what a consumer needs. */
  library: MethodResult;
  /** The library decoding with the writer schema only (no resolution to the reader's schema). */
  libraryWriterOnly: MethodResult;
  /** generated ops/s ÷ library (reader schema) ops/s (target ≥ 2). */
  speedupVsLibrary: number;
  /** generated ops/s ÷ library (writer schema only) ops/s. */
  speedupVsLibraryWriterOnly: number;
  /** Registry HTTP requests made by the generated codec during the measured rounds (target 0). */
  registryCallsAfterWarmup: number;
  /** Registry HTTP requests made during warm-up (schema id lookup, writer schema fetch). */
  registryCallsWarmup: number;
  avroBytes: number;
  jsonBytes: number;
  /** avro ÷ json bytes (target ≤ 0.5). */
  sizeRatio: number;
}

/** The whole report. */
export interface CodecBenchReport {
  generatedAt: string;
  registryUrl: string;
  node: string;
  cpus: number;
  loadAverage: number[];
  messages: number;
  rounds: number;
  topics: TopicResult[];
}

const FIXTURES = path.resolve(__dirname, '..', '..', 'tests', 'contract', 'fixtures');

/** `messages` distinct events for a topic: the golden fixture with fresh ids and times (also used by bench/registry-client). */
export function sampleEvents(
  codec: TopicCodec<unknown, unknown>,
  topic: string,
  messages: number,
): Record<string, unknown>[] {
  const file = path.join(FIXTURES, `${topic}.json`);
  const base = fs.existsSync(file)
    ? (codec.schema.fromString(
        JSON.stringify((JSON.parse(fs.readFileSync(file, 'utf8')) as { value: unknown }).value),
      ) as Record<string, unknown>)
    : (codec.schema.random() as unknown as Record<string, unknown>);
  return Array.from({ length: messages }, (_, i) => ({
    ...base,
    eventId: randomUUID(),
    // Saga events only: catalog_price_set belongs to no order.
    ...('orderId' in base ? { orderId: randomUUID() } : {}),
    occurredAt: new Date(1_764_000_000_000 + i),
  }));
}

interface Timing {
  cpuMs: number;
  wallMs: number;
}

// CPU time of this process: other engineers' processes share the machine, and wall time mostly
// measures them.
async function time(run: () => Promise<void>): Promise<Timing> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await run();
  const used = process.cpuUsage(cpu);
  return { cpuMs: (used.user + used.system) / 1000, wallMs: Number(process.hrtime.bigint() - started) / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Runs the benchmark, writes the reports and returns them. */
export async function runCodecBench(opts: CodecBenchOptions): Promise<CodecBenchReport> {
  const { messages, rounds, log } = opts;
  let requests = 0;
  const registry = new SchemaRegistryClient({ url: opts.registryUrl, onRequest: () => (requests += 1) });
  // Same logical types as the generated codec, so both produce and accept Dates and checked uuids.
  const library = new SchemaRegistry({ host: opts.registryUrl }, { [SchemaType.AVRO]: { logicalTypes } });
  const results: TopicResult[] = [];

  for (const descriptor of Object.values(topicDescriptors)) {
    const topic = descriptor.topic;
    requests = 0;
    let codec = descriptor.codec(registry) as TopicCodec<unknown, unknown>;
    if ((await registry.lookup(descriptor.subject, codec.schemaText)) === undefined) {
      log(
        `  ${topic}: schema not registered under ${descriptor.subject}; registering it (as \`npm run schema -- register\` would)`,
      );
      codec = descriptor.codec(registry, { autoRegister: true });
    }
    const events = sampleEvents(codec, topic, messages);
    const schemaId = await codec.schemaId();
    const readerOptions = { [SchemaType.AVRO]: { readerSchema: descriptor.schema } } as Parameters<
      SchemaRegistry['decode']
    >[1];

    // Warm-up: resolve ids and writer schemas, let V8 optimise all three paths.
    const warm = Math.min(2_000, messages);
    for (let i = 0; i < warm; i += 1) {
      await codec.decode(await codec.encode(events[i]));
      JSON.parse(JSON.stringify(events[i]));
      await library.decode(await library.encode(schemaId, events[i]), readerOptions);
      await library.decode(await library.encode(schemaId, events[i]));
    }
    const registryCallsWarmup = requests;

    const generatedMs: Timing[] = [];
    const jsonMs: Timing[] = [];
    const libraryMs: Timing[] = [];
    const libraryWriterMs: Timing[] = [];
    let avroBytes = 0;
    let jsonBytes = 0;
    for (let r = 0; r < rounds; r += 1) {
      generatedMs.push(
        await time(async () => {
          for (const e of events) await codec.decode(await codec.encode(e));
        }),
      );
      jsonMs.push(
        await time(async () => {
          for (const e of events) JSON.parse(JSON.stringify(e));
          await Promise.resolve();
        }),
      );
      libraryMs.push(
        await time(async () => {
          for (const e of events) await library.decode(await library.encode(schemaId, e), readerOptions);
        }),
      );
      libraryWriterMs.push(
        await time(async () => {
          for (const e of events) await library.decode(await library.encode(schemaId, e));
        }),
      );
    }
    const registryCallsAfterWarmup = requests - registryCallsWarmup;
    for (const e of events) {
      avroBytes += (await codec.encode(e)).length;
      jsonBytes += Buffer.byteLength(JSON.stringify(e));
    }
    const result = (t: Timing[]): MethodResult => {
      const cpu = median(t.map((x) => x.cpuMs));
      return {
        medianMs: Math.round(cpu * 10) / 10,
        opsPerSec: Math.round((messages / cpu) * 1000),
        wallOpsPerSec: Math.round((messages / median(t.map((x) => x.wallMs))) * 1000),
      };
    };
    const generated = result(generatedMs);
    const lib = result(libraryMs);
    const libWriter = result(libraryWriterMs);
    const row: TopicResult = {
      topic,
      schemaId,
      generated,
      json: result(jsonMs),
      library: lib,
      libraryWriterOnly: libWriter,
      speedupVsLibrary: Math.round((generated.opsPerSec / lib.opsPerSec) * 100) / 100,
      speedupVsLibraryWriterOnly: Math.round((generated.opsPerSec / libWriter.opsPerSec) * 100) / 100,
      registryCallsAfterWarmup,
      registryCallsWarmup,
      avroBytes: Math.round(avroBytes / messages),
      jsonBytes: Math.round(jsonBytes / messages),
      sizeRatio: Math.round((avroBytes / jsonBytes) * 100) / 100,
    };
    results.push(row);
    log(
      `  ${topic.padEnd(20)} generated ${String(row.generated.opsPerSec).padStart(7)}/s  json ${String(row.json.opsPerSec).padStart(7)}/s  ` +
        `library ${String(row.library.opsPerSec).padStart(7)}/s (writer-only ${row.libraryWriterOnly.opsPerSec}/s)  ` +
        `×${row.speedupVsLibrary} (×${row.speedupVsLibraryWriterOnly})  registry calls after warm-up: ${row.registryCallsAfterWarmup}  bytes ${row.avroBytes} vs ${row.jsonBytes} json (${row.sizeRatio}×)`,
    );
  }

  const os = await import('node:os');
  const report: CodecBenchReport = {
    generatedAt: new Date().toISOString(),
    registryUrl: opts.registryUrl,
    node: process.version,
    cpus: os.cpus().length,
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
    messages,
    rounds,
    topics: results,
  };
  fs.mkdirSync(opts.reportDir, { recursive: true });
  fs.writeFileSync(path.join(opts.reportDir, 'codec.json'), `${JSON.stringify(report, null, 2)}\n`);
  fs.writeFileSync(path.join(opts.reportDir, 'codec.md'), renderMarkdown(report));
  return report;
}

/** The report as a markdown page. */
export function renderMarkdown(r: CodecBenchReport): string {
  const pass = (ok: boolean): string => (ok ? '✅' : '❌');
  const n = (x: number): string => x.toLocaleString('en-US');
  const rows = r.topics.map(
    (t) =>
      `| ${t.topic} | ${n(t.generated.opsPerSec)} | ${n(t.json.opsPerSec)} | ${n(t.library.opsPerSec)} | ${n(t.libraryWriterOnly.opsPerSec)} | ` +
      `${t.speedupVsLibrary}× ${pass(t.speedupVsLibrary >= 2)} | ${t.speedupVsLibraryWriterOnly}× ${pass(t.speedupVsLibraryWriterOnly >= 2)} | ` +
      `${t.registryCallsAfterWarmup} ${pass(t.registryCallsAfterWarmup === 0)} | ${t.avroBytes} / ${t.jsonBytes} = ${t.sizeRatio}× ${pass(t.sizeRatio <= 0.5)} |`,
  );
  return `# Codec benchmark

\`npm run bench -- codec\` — ${r.generatedAt}, Node ${r.node}, ${r.cpus} CPUs (load average ${r.loadAverage.join(' / ')} at the end),
registry ${r.registryUrl}. Each figure is the median of ${r.rounds} rounds of ${n(r.messages)} distinct events per
topic after a warm-up, in encode+decode pairs per second of this process's CPU time (the machine is shared;
wall-clock figures are in codec.json).

| topic | generated codec | JSON.stringify/parse | library, reader schema | library, writer schema only | generated ÷ library reader (target ≥ 2×) | generated ÷ library writer-only | registry HTTP calls after warm-up (target 0) | bytes Avro frame / JSON (target ≤ 0.5×) |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- **generated codec**: \`<topic>Codec(registry)\` from @orderflow/contracts — schema id resolved once,
  each writer schema fetched once by id and resolved to the generated reader schema (resolver cached).
- **library, reader schema**: @kafkajs/confluent-schema-registry 3.9 \`encode(id, event)\` +
  \`decode(bytes, { AVRO: { readerSchema } })\` — the library's way to give a consumer its own reader
  schema (what DESIGN requires); it re-parses the reader schema and builds a resolver per message.
- **library, writer schema only**: \`decode(bytes)\` with no reader schema: no resolution to the
  consumer's schema (a consumer would see the writer's shape), the library's fastest path.
- Both get the same events and the same logical types (Date for timestamp-millis, checked uuids).
- JSON is the floor for "no schema at all": no validation, no registry, and a Date does not survive the
  round trip. Its bytes are \`JSON.stringify(event)\`.
- Registry calls: every HTTP request the codec's registry client made during the measured rounds.
`;
}
