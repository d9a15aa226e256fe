// The topics the stack creates: every topic of schemas/topics.json plus its dead-letter topic `<topic>.DLT`.
import { readFileSync } from 'node:fs';
import { StackError } from './errors';

/** A topic to create, its partition count and the topic configs it is created with (none for a DLT). */
export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  /** e.g. `cleanup.policy: compact` for a table-like topic; absent when the table gives none. */
  readonly config?: Readonly<Record<string, string>>;
}

/** The suffix of a dead-letter topic (shared convention: T's DLT is `T.DLT`). */
export const DLT_SUFFIX = '.DLT';

/** Validates the topic table's JSON value and returns the topics with their DLTs (same partition count). */
export function topicsFromTable(value: unknown, file: string): TopicSpec[] {
  const fail = (where: string, what: string): never => {
    throw new StackError('BAD_CONFIG', `${file}: ${where} ${what}`);
  };
  if (typeof value !== 'object' || value === null) return fail('the table', 'must be an object');
  const table = value as Record<string, unknown>;
  const defaults = (table['defaults'] ?? {}) as Record<string, unknown>;
  const defaultPartitions = defaults['partitions'] ?? 1;
  const topics = table['topics'];
  if (!Array.isArray(topics)) return fail('"topics"', 'must be an array');
  const specs: TopicSpec[] = [];
  const seen = new Set<string>();
  topics.forEach((entry: unknown, i) => {
    const where = `topics[${i}]`;
    if (typeof entry !== 'object' || entry === null) return fail(where, 'must be an object');
    const e = entry as Record<string, unknown>;
    const topic = e['topic'];
    if (typeof topic !== 'string' || !/^[A-Za-z0-9._-]{1,200}$/.test(topic))
      return fail(
        `${where}.topic`,
        `must be a Kafka topic name (letters, digits, . _ -), got ${JSON.stringify(topic)}`,
      );
    const partitions = e['partitions'] ?? defaultPartitions;
    if (typeof partitions !== 'number' || !Number.isInteger(partitions) || partitions < 1)
      return fail(`${where}.partitions`, `must be a positive integer, got ${JSON.stringify(partitions)}`);
    if (seen.has(topic)) return fail(`${where}.topic`, `"${topic}" appears twice`);
    seen.add(topic);
    const config = e['config'];
    if (config === undefined) specs.push({ topic, partitions });
    else specs.push({ topic, partitions, config: topicConfig(config, `${where}.config`, fail) });
    return undefined;
  });
  // A DLT keeps every dead letter (never compacted): each is a message to inspect and replay.
  return [...specs, ...specs.map((s) => ({ topic: `${s.topic}${DLT_SUFFIX}`, partitions: s.partitions }))];
}

// Kafka topic configs: string values under dotted lower-case names (the broker refuses unknown ones).
function topicConfig(
  value: unknown,
  where: string,
  fail: (where: string, what: string) => never,
): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail(where, 'must be an object of Kafka topic configs');
  const config: Record<string, string> = {};
  for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
    if (!/^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/.test(name) || typeof v !== 'string')
      return fail(
        `${where}.${name}`,
        `must be a Kafka topic config with a string value, got ${JSON.stringify(v)}`,
      );
    config[name] = v;
  }
  return config;
}

/** Reads the topic table file and returns the topics to create. */
export function readTopicTable(file: string): TopicSpec[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new StackError('BAD_CONFIG', `cannot read the topic table ${file}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StackError('BAD_CONFIG', `${file} is not valid JSON: ${(err as Error).message}`);
  }
  return topicsFromTable(value, file);
}
