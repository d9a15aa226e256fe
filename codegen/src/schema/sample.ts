// `check --sample`, the pure part: what one sampled event becomes when the working tree's schema reads it
// (decoded / failed / changed), how a topic's verdicts group, and how the report reads. No Kafka, no registry.
import type { Type } from 'avsc';
import { parseAvroSchema, parseFrame } from '@orderflow/codec';
import type { ValidationIssue } from '@orderflow/codec';
import { canReaderRead, parseAvroSchema as parseSchemaModel } from '../compat';
import type { AvroSchema } from '../compat';
import { escapeData, escapeProperty } from './github';

/** One message read from Kafka. */
export interface SampledMessage {
  readonly partition: number;
  /** Decimal text: Kafka offsets are 64-bit. */
  readonly offset: string;
  readonly value: Buffer | null;
}

/** The working tree's schema of a topic, as the sample reads with it. */
export interface ReaderSide {
  readonly topic: string;
  readonly type: Type;
  readonly schema: AvroSchema;
  /** The generated validator of the working tree's schema (issues by field path; [] when valid). */
  readonly validate: (value: unknown) => ValidationIssue[];
}

/** A writer schema named by a message's wire header, resolved against the reader once. */
export interface WriterSide {
  readonly id: number;
  /** The subject version registering it, when the registry says. */
  readonly version: number | undefined;
  readonly type?: Type;
  readonly resolver?: ReturnType<Type['createResolver']>;
  /** Why no event of this writer can be read (schema resolution failed, unknown id): names the field. */
  readonly problem?: string;
}

/** How a reader reads a writer's event differently from how it was written. */
export type ChangeKind = 'defaulted' | 'dropped' | 'enum-default' | 'invalid';

export interface EventChange {
  readonly kind: ChangeKind;
  /** Field path from the event root, e.g. `customer.tier`. */
  readonly path: string;
  /** What changes, without the event's own values (events with the same change group together). */
  readonly detail: string;
}

export type EventVerdict =
  | { readonly verdict: 'decoded' }
  | { readonly verdict: 'skipped'; readonly reason: string }
  | { readonly verdict: 'failed'; readonly schemaId: number | undefined; readonly error: string }
  | { readonly verdict: 'changed'; readonly schemaId: number; readonly changes: EventChange[] };

/** Resolve `writerText` (registered as `id`, subject version `version`) against the reader. */
export function writerSide(
  reader: ReaderSide,
  id: number,
  version: number | undefined,
  writerText: string,
): WriterSide {
  let type: Type;
  try {
    type = parseAvroSchema(writerText);
  } catch (err) {
    return {
      id,
      version,
      problem: `the registry's schema id ${id} does not parse: ${(err as Error).message}`,
    };
  }
  // The compatibility engine names the field; avsc is what the consumers decode with.
  const issues = canReaderRead(reader.schema, parseSchemaModel(writerText), 'backward');
  const named = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  try {
    return { id, version, type, resolver: reader.type.createResolver(type) };
  } catch (err) {
    return { id, version, type, problem: named || (err as Error).message };
  }
}

/**
 * The verdict on one message: `failed` when the reader cannot decode it, `changed` when it decodes but
 * reads differently from how it was written (a reader default fills a field, a writer field is dropped,
 * an enum symbol falls back, the generated validator refuses a value), `decoded` otherwise.
 */
export function judgeEvent(
  reader: ReaderSide,
  writers: ReadonlyMap<number, WriterSide>,
  message: SampledMessage,
): EventVerdict {
  if (message.value === null) return { verdict: 'skipped', reason: 'tombstone (no value)' };
  let schemaId: number;
  try {
    schemaId = parseFrame(message.value, reader.topic).schemaId;
  } catch (err) {
    return { verdict: 'failed', schemaId: undefined, error: (err as Error).message };
  }
  const writer = writers.get(schemaId);
  if (writer === undefined)
    return { verdict: 'failed', schemaId, error: `schema id ${schemaId} was not looked up` };
  if (writer.problem !== undefined || writer.type === undefined)
    return { verdict: 'failed', schemaId, error: writer.problem ?? 'no writer schema' };
  const bytes = message.value;
  let read: unknown;
  let written: unknown;
  try {
    const r = reader.type.decode(bytes, 5, writer.resolver);
    if (r.offset !== bytes.length)
      throw new Error(
        `the Avro body does not end where the record does (${r.offset} of ${bytes.length} bytes)`,
      );
    read = r.value;
    written = writer.type.decode(bytes, 5).value;
  } catch (err) {
    return { verdict: 'failed', schemaId, error: (err as Error).message };
  }
  const changes: EventChange[] = [];
  compareRead(reader.type, writer.type, read, written, '', changes);
  for (const issue of reader.validate(read))
    changes.push({
      kind: 'invalid',
      path: issue.path,
      detail: `fails the generated validator: expected ${issue.expected}`,
    });
  return changes.length === 0 ? { verdict: 'decoded' } : { verdict: 'changed', schemaId, changes };
}

type AnyType = Type & {
  readonly fields?: ReadonlyArray<{ name: string; type: Type; aliases: string[] }>;
  readonly types?: readonly Type[];
  readonly itemsType?: Type;
  readonly valuesType?: Type;
};

const join = (path: string, name: string): string => (path === '' ? name : `${path}.${name}`);

// Walk the reader's type over what it read and what the writer wrote, noting what the resolution changed.
function compareRead(
  reader: Type,
  writer: Type,
  read: unknown,
  written: unknown,
  path: string,
  out: EventChange[],
): void {
  const r = reader as AnyType;
  const w = writer as AnyType;
  if (r.types !== undefined || w.types !== undefined) {
    if (read === null || read === undefined) return;
    const rb = r.types?.find((t) => t.isValid(read)) ?? reader;
    const wb = w.types?.find((t) => t.isValid(written)) ?? writer;
    compareRead(rb, wb, read, written, path, out);
    return;
  }
  if (r.typeName === 'enum' && read !== written) {
    out.push({
      kind: 'enum-default',
      path: path || '(value)',
      detail: `a symbol the reader does not know is read as its default ${JSON.stringify(read)}`,
    });
    return;
  }
  if (r.fields !== undefined && w.fields !== undefined) {
    const rv = read as Record<string, unknown>;
    const wv = written as Record<string, unknown>;
    const matched = new Set<string>();
    for (const f of r.fields) {
      const wf = w.fields.find((x) => x.name === f.name) ?? w.fields.find((x) => f.aliases.includes(x.name));
      if (wf === undefined) {
        out.push({
          kind: 'defaulted',
          path: join(path, f.name),
          detail: `the writer has no ${f.name}: filled from the reader's default ${JSON.stringify(rv[f.name])}`,
        });
        continue;
      }
      matched.add(wf.name);
      compareRead(f.type, wf.type, rv[f.name], wv[wf.name], join(path, f.name), out);
    }
    for (const wf of w.fields)
      if (!matched.has(wf.name))
        out.push({
          kind: 'dropped',
          path: join(path, wf.name),
          detail: `the writer's ${wf.name} is not read (the reader has no such field)`,
        });
    return;
  }
  if (
    r.itemsType !== undefined &&
    w.itemsType !== undefined &&
    Array.isArray(read) &&
    Array.isArray(written)
  ) {
    read.forEach((item, i) =>
      compareRead(r.itemsType!, w.itemsType!, item, written[i], `${path}[${i}]`, out),
    );
    return;
  }
  if (r.valuesType !== undefined && w.valuesType !== undefined) {
    const rv = read as Record<string, unknown>;
    const wv = written as Record<string, unknown>;
    for (const key of Object.keys(rv))
      compareRead(r.valuesType, w.valuesType, rv[key], wv[key], `${path}{${key}}`, out);
  }
}

/** Offsets of one partition, as ranges. */
export interface PartitionRange {
  readonly partition: number;
  readonly from: string;
  readonly to: string;
}

/** Events sharing a verdict, a writer and a reason. */
export interface VerdictGroup {
  readonly schemaId: number | undefined;
  readonly version: number | undefined;
  /** The resolution error (failed) or the changes, one per line (changed). */
  readonly reasons: string[];
  /** Paths the reasons name, for annotations. */
  readonly paths: string[];
  readonly offsets: PartitionRange[];
  readonly count: number;
}

/** One changed topic's sample. */
export interface TopicSample {
  readonly topic: string;
  readonly schema: string;
  /** The range read per partition (the newest `n` of the topic). */
  readonly ranges: PartitionRange[];
  readonly sampled: number;
  readonly decoded: number;
  readonly skipped: number;
  readonly failed: VerdictGroup[];
  readonly changed: VerdictGroup[];
  /** Things worth knowing (validators unavailable, an empty topic). */
  readonly notes: string[];
}

/** The `--sample` part of a check report. */
export interface SampleReport {
  /** Why nothing was sampled (no broker reachable), or undefined when it ran. */
  readonly off: string | undefined;
  readonly n: number;
  readonly brokers: string;
  readonly topics: TopicSample[];
}

/** Consecutive offsets of each partition folded into ranges, partitions ascending. */
export function offsetRanges(events: ReadonlyArray<{ partition: number; offset: string }>): PartitionRange[] {
  const sorted = [...events].sort((a, b) => a.partition - b.partition || compareOffsets(a.offset, b.offset));
  const ranges: Array<{ partition: number; from: string; to: string }> = [];
  for (const e of sorted) {
    const last = ranges.at(-1);
    if (last !== undefined && last.partition === e.partition && BigInt(last.to) + 1n === BigInt(e.offset))
      last.to = e.offset;
    else ranges.push({ partition: e.partition, from: e.offset, to: e.offset });
  }
  return ranges;
}

function compareOffsets(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/** `partition 0 offsets 3-7, partition 2 offset 9`. */
export function rangesText(ranges: readonly PartitionRange[]): string {
  return ranges
    .map((r) =>
      r.from === r.to
        ? `partition ${r.partition} offset ${r.from}`
        : `partition ${r.partition} offsets ${r.from}-${r.to}`,
    )
    .join(', ');
}

/** Judge every message of a topic and group the verdicts by writer and reason. */
export function sampleTopic(
  reader: ReaderSide,
  schema: string,
  writers: ReadonlyMap<number, WriterSide>,
  messages: readonly SampledMessage[],
  notes: string[] = [],
): TopicSample {
  const groups = new Map<
    string,
    {
      verdict: 'failed' | 'changed';
      schemaId: number | undefined;
      reasons: string[];
      paths: string[];
      events: SampledMessage[];
    }
  >();
  let decoded = 0;
  let skipped = 0;
  for (const m of messages) {
    const v = judgeEvent(reader, writers, m);
    if (v.verdict === 'decoded') decoded += 1;
    else if (v.verdict === 'skipped') skipped += 1;
    else {
      const reasons =
        v.verdict === 'failed'
          ? [v.error]
          : [...new Set(v.changes.map((c) => `${c.path}: ${c.kind}: ${c.detail}`))];
      const paths = v.verdict === 'failed' ? [] : [...new Set(v.changes.map((c) => c.path))];
      const key = JSON.stringify([v.verdict, v.schemaId, reasons]);
      const g = groups.get(key) ?? { verdict: v.verdict, schemaId: v.schemaId, reasons, paths, events: [] };
      g.events.push(m);
      groups.set(key, g);
    }
  }
  const finish = (verdict: 'failed' | 'changed'): VerdictGroup[] =>
    [...groups.values()]
      .filter((g) => g.verdict === verdict)
      .map((g) => ({
        schemaId: g.schemaId,
        version: g.schemaId === undefined ? undefined : writers.get(g.schemaId)?.version,
        reasons: g.reasons,
        paths: g.verdict === 'failed' ? failedPaths(g.reasons) : g.paths,
        offsets: offsetRanges(g.events),
        count: g.events.length,
      }));
  return {
    topic: reader.topic,
    schema,
    ranges: offsetRanges(messages),
    sampled: messages.length,
    decoded,
    skipped,
    failed: finish('failed'),
    changed: finish('changed'),
    notes,
  };
}

// A resolution error reads `OrderCreated.tier: …; OrderCreated.x: …`: the paths before each colon.
function failedPaths(reasons: readonly string[]): string[] {
  return reasons.flatMap((r) =>
    r
      .split('; ')
      .map((part) => /^([A-Za-z_][\w.[\]{}]*): /.exec(part)?.[1] ?? '')
      .filter((p) => p !== ''),
  );
}

/** True when some sampled event would fail to decode (the check then exits 1). */
export function sampleFails(report: SampleReport | undefined): boolean {
  return report !== undefined && report.topics.some((t) => t.failed.length > 0);
}

const writerLabel = (g: VerdictGroup): string =>
  g.schemaId === undefined
    ? 'no schema id'
    : `writer schema id ${g.schemaId}${g.version === undefined ? '' : `, version ${g.version}`}`;

/** The sample's lines in `check`'s text report. */
export function sampleText(report: SampleReport): string[] {
  if (report.off !== undefined) return [`sample: off: ${report.off}`];
  const lines: string[] = [];
  if (report.topics.length === 0)
    lines.push(`sample: no changed topic to sample (brokers ${report.brokers})`);
  for (const t of report.topics) {
    lines.push(
      `sample ${t.topic}: ${t.sampled} events (the newest ${report.n}${t.ranges.length ? `: ${rangesText(t.ranges)}` : ''})`,
      `       ${t.decoded} decode cleanly with the new reader; ${t.failed.reduce((s, g) => s + g.count, 0)} fail; ${t.changed.reduce((s, g) => s + g.count, 0)} change meaning${t.skipped ? `; ${t.skipped} skipped (tombstones)` : ''}`,
    );
    for (const g of t.failed) {
      lines.push(`  FAIL ${g.count} cannot be decoded: ${rangesText(g.offsets)} (${writerLabel(g)})`);
      for (const r of g.reasons) lines.push(`         ${r}`);
    }
    for (const g of t.changed) {
      lines.push(
        `  CHANGED ${g.count} decode but read differently: ${rangesText(g.offsets)} (${writerLabel(g)})`,
      );
      for (const r of g.reasons) lines.push(`         ${r}`);
    }
    for (const n of t.notes) lines.push(`       note: ${n}`);
  }
  const failed = report.topics.reduce((s, t) => s + t.failed.reduce((x, g) => x + g.count, 0), 0);
  const sampled = report.topics.reduce((s, t) => s + t.sampled, 0);
  if (report.topics.length > 0)
    lines.push(
      failed === 0
        ? `sample: all ${sampled} sampled events decode with the new readers.`
        : `sample: ${failed} of ${sampled} sampled events would fail to decode.`,
    );
  return lines;
}

/** The sample's GitHub annotations: an error per failing group, a warning per changing one, on the field's line. */
export function sampleAnnotations(
  report: SampleReport,
  lineOf: (schema: string, path: string) => number | undefined,
): string[] {
  if (report.off !== undefined)
    return [`::notice title=schema check --sample::${escapeData(`sample: off: ${report.off}`)}`];
  const out: string[] = [];
  for (const t of report.topics) {
    const annotate = (kind: 'error' | 'warning', g: VerdictGroup, what: string): void => {
      const line = g.paths.map((p) => lineOf(t.schema, p)).find((l) => l !== undefined);
      const props = [
        `file=${escapeProperty(t.schema)}`,
        ...(line ? [`line=${line}`] : []),
        `title=${escapeProperty(`${t.topic}: ${g.count} sampled events ${what}`)}`,
      ];
      out.push(
        `::${kind} ${props.join(',')}::${escapeData(`${rangesText(g.offsets)} (${writerLabel(g)}): ${g.reasons.join('; ')}`)}`,
      );
    };
    for (const g of t.failed) annotate('error', g, 'cannot be decoded');
    for (const g of t.changed) annotate('warning', g, 'read differently');
  }
  return out;
}
