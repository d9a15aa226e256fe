import fs from 'node:fs';
import path from 'node:path';
import { CodegenError } from './errors';
import type { CodegenProblem } from './errors';

import { COMPATIBILITY_LEVELS, type CompatibilityLevel } from '../compat/levels';

/** Compatibility levels a topic may declare: the registry's, as the gate defines them. */
export { COMPATIBILITY_LEVELS };
export type Compatibility = CompatibilityLevel;

/** One validated row of schemas/topics.json with defaults applied. */
export interface TopicRow {
  topic: string;
  /** Relative to schemas/, e.g. `avro/order_created.avsc`. */
  schema: string;
  subject: string;
  compatibility: Compatibility;
  producer: string;
  consumers: string[];
  partitions: number;
  /**
   * The fields whose values, joined by ":", make the Kafka message key (default `["orderId"]`: per-order
   * ordering). Every field must be a string of the topic's record.
   */
  key: string[];
  /** Kafka topic configs the topic is created with (e.g. `cleanup.policy: compact`); its DLT gets none. */
  config: Record<string, string>;
}

/** The validated topic table. */
export interface TopicTable {
  services: string[];
  topics: TopicRow[];
}

/** The message key of a row that declares none: the orderId (every saga event carries one). */
export const DEFAULT_KEY: readonly string[] = ['orderId'];

/** The table's path relative to the repository root. */
export const TOPIC_TABLE_FILE = 'schemas/topics.json';

/** Reads and validates schemas/topics.json; throws CodegenError TOPIC_TABLE listing every problem. */
export function loadTopicTable(root: string): TopicTable {
  const absolute = path.join(root, TOPIC_TABLE_FILE);
  let text: string;
  try {
    text = fs.readFileSync(absolute, 'utf8');
  } catch (err) {
    throw new CodegenError('TOPIC_TABLE', [
      { file: TOPIC_TABLE_FILE, path: '', reason: `cannot read the file: ${(err as Error).message}` },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new CodegenError('TOPIC_TABLE', [
      { file: TOPIC_TABLE_FILE, path: '', reason: `not valid JSON: ${(err as Error).message}` },
    ]);
  }
  return validateTopicTable(json, (schema) => fs.existsSync(path.join(root, 'schemas', schema)));
}

/** Validates a parsed topic table; `schemaExists` answers for paths relative to schemas/. */
export function validateTopicTable(json: unknown, schemaExists: (schema: string) => boolean): TopicTable {
  const problems: CodegenProblem[] = [];
  const problem = (where: string, reason: string): void => {
    problems.push({ file: TOPIC_TABLE_FILE, path: where, reason });
  };
  if (!isObject(json)) {
    throw new CodegenError('TOPIC_TABLE', [
      { file: TOPIC_TABLE_FILE, path: '', reason: 'must be a JSON object with "services" and "topics"' },
    ]);
  }
  for (const key of Object.keys(json)) {
    if (!['$schema', 'defaults', 'services', 'topics'].includes(key))
      problem(key, 'unknown key (expected $schema, defaults, services, topics)');
  }
  const defaults = json.defaults ?? {};
  let defaultCompatibility: Compatibility = 'FULL_TRANSITIVE';
  let defaultPartitions = 1;
  if (!isObject(defaults)) problem('defaults', 'must be an object');
  else {
    if (defaults.compatibility !== undefined) {
      if (isCompatibility(defaults.compatibility)) defaultCompatibility = defaults.compatibility;
      else
        problem(
          'defaults.compatibility',
          `${JSON.stringify(defaults.compatibility)} is not one of ${COMPATIBILITY_LEVELS.join(', ')}`,
        );
    }
    if (defaults.partitions !== undefined) {
      if (isPartitions(defaults.partitions)) defaultPartitions = defaults.partitions;
      else
        problem(
          'defaults.partitions',
          `must be an integer from 1 to 1000, got ${JSON.stringify(defaults.partitions)}`,
        );
    }
  }
  const services: string[] = [];
  if (!Array.isArray(json.services) || json.services.length === 0)
    problem('services', 'must be a non-empty array of service names');
  else {
    json.services.forEach((s: unknown, i) => {
      if (typeof s !== 'string' || !/^[a-z][a-z0-9-]*$/.test(s))
        problem(`services[${i}]`, `must be a lower-case service name, got ${JSON.stringify(s)}`);
      else if (services.includes(s)) problem(`services[${i}]`, `"${s}" is listed twice`);
      else services.push(s);
    });
  }
  const known = (s: string): string => `"${s}" is not a known service (${services.join(', ')})`;
  const topics: TopicRow[] = [];
  const topicAt = new Map<string, number>();
  const subjectAt = new Map<string, number>();
  const schemaAt = new Map<string, number>();
  if (!Array.isArray(json.topics) || json.topics.length === 0) problem('topics', 'must be a non-empty array');
  else {
    json.topics.forEach((row: unknown, i) => {
      const at = `topics[${i}]`;
      if (!isObject(row)) {
        problem(at, 'must be an object');
        return;
      }
      for (const key of Object.keys(row)) {
        if (
          ![
            'topic',
            'schema',
            'subject',
            'compatibility',
            'producer',
            'consumers',
            'partitions',
            'key',
            'config',
          ].includes(key)
        )
          problem(`${at}.${key}`, 'unknown key');
      }
      const { topic, schema, subject, producer, consumers } = row;
      const before = problems.length;
      if (typeof topic !== 'string' || !/^[a-z][a-z0-9_]*$/.test(topic)) {
        problem(`${at}.topic`, `must be a snake_case topic name, got ${JSON.stringify(topic)}`);
      } else if (topicAt.has(topic)) {
        problem(`${at}.topic`, `duplicate topic "${topic}" (also topics[${topicAt.get(topic)}])`);
      } else topicAt.set(topic, i);
      if (typeof schema !== 'string' || !/^avro\/[a-z0-9_]+\.avsc$/.test(schema)) {
        problem(
          `${at}.schema`,
          `must be a path like avro/<name>.avsc relative to schemas/, got ${JSON.stringify(schema)}`,
        );
      } else if (!schemaExists(schema)) {
        problem(`${at}.schema`, `schemas/${schema} does not exist`);
      } else if (schemaAt.has(schema)) {
        problem(
          `${at}.schema`,
          `schemas/${schema} is already the schema of topics[${schemaAt.get(schema)}]; one schema file per topic`,
        );
      } else schemaAt.set(schema, i);
      if (typeof subject !== 'string' || subject === '') {
        problem(`${at}.subject`, 'must be a non-empty string');
      } else if (typeof topic === 'string' && subject !== `${topic}-value`) {
        problem(`${at}.subject`, `must be "${topic}-value" (TopicNameStrategy), got "${subject}"`);
      } else if (subjectAt.has(subject)) {
        problem(`${at}.subject`, `duplicate subject "${subject}" (also topics[${subjectAt.get(subject)}])`);
      } else subjectAt.set(subject, i);
      const compatibility = row.compatibility ?? defaultCompatibility;
      if (!isCompatibility(compatibility))
        problem(
          `${at}.compatibility`,
          `${JSON.stringify(compatibility)} is not one of ${COMPATIBILITY_LEVELS.join(', ')}`,
        );
      const partitions = row.partitions ?? defaultPartitions;
      if (!isPartitions(partitions))
        problem(`${at}.partitions`, `must be an integer from 1 to 1000, got ${JSON.stringify(partitions)}`);
      if (typeof producer !== 'string') problem(`${at}.producer`, 'must be a service name');
      else if (!services.includes(producer)) problem(`${at}.producer`, known(producer));
      const consumerList: string[] = [];
      if (!Array.isArray(consumers) || consumers.length === 0)
        problem(`${at}.consumers`, 'must list at least one consuming service');
      else {
        consumers.forEach((c: unknown, j) => {
          if (typeof c !== 'string') problem(`${at}.consumers[${j}]`, 'must be a service name');
          else if (!services.includes(c)) problem(`${at}.consumers[${j}]`, known(c));
          else if (consumerList.includes(c)) problem(`${at}.consumers[${j}]`, `"${c}" is listed twice`);
          else consumerList.push(c);
        });
      }
      const key = keyOf(row.key, `${at}.key`, problem);
      const config = configOf(row.config, `${at}.config`, problem);
      if (problems.length === before) {
        topics.push({
          topic: topic as string,
          schema: schema as string,
          subject: subject as string,
          compatibility: compatibility as Compatibility,
          producer: producer as string,
          consumers: consumerList,
          partitions: partitions as number,
          key,
          config,
        });
      }
    });
  }
  if (problems.length > 0) throw new CodegenError('TOPIC_TABLE', problems);
  return { services, topics };
}

// A message key's fields: distinct record field names (their values are joined by ":").
function keyOf(value: unknown, at: string, problem: (where: string, reason: string) => void): string[] {
  if (value === undefined) return [...DEFAULT_KEY];
  if (!Array.isArray(value) || value.length === 0) {
    problem(at, 'must be a non-empty array of field names');
    return [];
  }
  const fields: string[] = [];
  value.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(f))
      problem(`${at}[${i}]`, `must be an Avro field name, got ${JSON.stringify(f)}`);
    else if (fields.includes(f)) problem(`${at}[${i}]`, `"${f}" is listed twice`);
    else fields.push(f);
  });
  return fields;
}

// Kafka topic configs: dotted lower-case names (e.g. cleanup.policy) with string values.
function configOf(
  value: unknown,
  at: string,
  problem: (where: string, reason: string) => void,
): Record<string, string> {
  if (value === undefined) return {};
  if (!isObject(value)) {
    problem(at, 'must be an object of Kafka topic configs (name → string value)');
    return {};
  }
  const config: Record<string, string> = {};
  for (const [name, v] of Object.entries(value)) {
    if (!/^[a-z][a-z0-9]*(\.[a-z0-9]+)*$/.test(name))
      problem(`${at}.${name}`, 'is not a Kafka topic config name (e.g. cleanup.policy)');
    else if (typeof v !== 'string') problem(`${at}.${name}`, `must be a string, got ${JSON.stringify(v)}`);
    else config[name] = v;
  }
  return config;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isCompatibility(v: unknown): v is Compatibility {
  return typeof v === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(v);
}

function isPartitions(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 1000;
}
