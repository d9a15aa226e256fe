// Finds the topics a service subscribes to by scanning its source for the platform's
// `on(<codec or descriptor>, handler)` calls and raw kafkajs `.subscribe({...})` calls.
import fs from 'node:fs';
import path from 'node:path';

/** What the scanner needs to know about one topic. */
export interface TopicNames {
  topic: string;
  /** The Avro record name, e.g. OrderCreated. */
  record: string;
}

/** One subscription found in a service's source. */
export interface FoundSubscription {
  service: string;
  /** `services/order/src/x.ts:12` */
  where: string;
  /** The topics the subscribed expression refers to; [] when it cannot tell. */
  topics: string[];
  expression: string;
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The topics an expression (the first argument of `on(`) names through generated identifiers or topic strings. */
export function topicsReferenced(expression: string, topics: readonly TopicNames[]): string[] {
  return topics
    .filter(({ topic, record }) => {
      const camel = lowerFirst(record);
      return [
        new RegExp(`\\b${camel}(Codec)?\\b`),
        new RegExp(`\\bTopics\\.${record}\\b`),
        new RegExp(`\\btopicDescriptors(\\.${topic}\\b|\\[\\s*['"\`]${escape(topic)}['"\`]\\s*\\])`),
        new RegExp(`['"\`]${escape(topic)}['"\`]`),
      ].some((re) => re.test(expression));
    })
    .map((t) => t.topic);
}

/** The text of the first argument of the call whose "(" is at `open`, up to the top-level comma or ")". */
function firstArgument(source: string, open: number): string {
  let depth = 0;
  for (let i = open + 1; i < source.length; i += 1) {
    const c = source[i]!;
    if (c === '(' || c === '[' || c === '{') depth += 1;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return source.slice(open + 1, i).trim();
      depth -= 1;
    } else if (c === ',' && depth === 0) return source.slice(open + 1, i).trim();
  }
  return source.slice(open + 1).trim();
}

/** Scans one source file's text. */
export function scanSource(
  service: string,
  file: string,
  source: string,
  topics: readonly TopicNames[],
): FoundSubscription[] {
  const found: FoundSubscription[] = [];
  const lineOf = (index: number): number => source.slice(0, index).split('\n').length;
  // A `.subscribe(` in a file that uses Redis and not kafkajs is a Redis pub/sub channel, not a topic.
  const redisOnly = /from\s+'ioredis'/.test(source) && !/from\s+'kafkajs'/.test(source);
  const calls = [
    ...source.matchAll(/(?<![\w$.])(?:on|onBatch)\s*(?:<[^>]*>)?\s*\(/g),
    ...(redisOnly ? [] : source.matchAll(/\.subscribe\s*\(/g)),
  ];
  for (const m of calls) {
    const open = m.index + m[0].length - 1;
    const expression = firstArgument(source, open);
    let referenced = topicsReferenced(expression, topics);
    if (referenced.length === 0 && /^[A-Za-z_$][\w$]*$/.test(expression)) {
      // A variable: look at what it was initialised with in the same file.
      const init = new RegExp(`(?:const|let|var)\\s+${escape(expression)}\\s*(?::[^=]+)?=\\s*([^;]+)`).exec(
        source,
      );
      if (init) referenced = topicsReferenced(init[1]!, topics);
    }
    found.push({
      service,
      where: `${file}:${lineOf(m.index)}`,
      topics: referenced,
      expression: expression.slice(0, 120),
    });
  }
  return found;
}

/**
 * Scans `services/<service>/src/**` (not generated code, not tests) under `root`, for the services named in
 * `only` (default: every directory under services/).
 */
export function scanServices(
  root: string,
  topics: readonly TopicNames[],
  only?: readonly string[],
): FoundSubscription[] {
  const servicesDir = path.join(root, 'services');
  if (!fs.existsSync(servicesDir)) return [];
  const found: FoundSubscription[] = [];
  for (const service of fs.readdirSync(servicesDir).sort()) {
    if (only !== undefined && !only.includes(service)) continue;
    const src = path.join(servicesDir, service, 'src');
    if (!fs.existsSync(src)) continue;
    const walk = (dir: string): void => {
      for (const entry of fs
        .readdirSync(dir, { withFileTypes: true })
        .sort((a, b) => a.name.localeCompare(b.name))) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (entry.name !== 'generated' && entry.name !== 'node_modules') walk(full);
        } else if (
          entry.name.endsWith('.ts') &&
          !/\.(unit|int|contract|e2e)\.test\.ts$/.test(entry.name) &&
          !entry.name.endsWith('.d.ts')
        ) {
          found.push(
            ...scanSource(service, path.relative(root, full), fs.readFileSync(full, 'utf8'), topics),
          );
        }
      }
    };
    walk(src);
  }
  return found;
}
