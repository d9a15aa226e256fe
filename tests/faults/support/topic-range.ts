// Reading exact ranges of a topic and a service's counters, so a case can say beforehand what the
// platform must have done (which messages a consumer met during a fault) instead of echoing it.
import { randomUUID } from 'node:crypto';
import { probeKafka } from '../../support/topic-probe';
import { operatorHeaders } from '../../support/auth';

/** Offsets per partition. */
export type PartitionOffsets = Map<number, bigint>;

/** The group's committed offset on each partition of `topic` (the topic's low watermark where none). */
export async function committedOffsets(groupId: string, topic: string): Promise<PartitionOffsets> {
  const admin = probeKafka().admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    const out: PartitionOffsets = new Map();
    for (const end of ends) {
      const c = committed?.partitions.find((p) => p.partition === end.partition);
      out.set(end.partition, BigInt(c === undefined || c.offset === '-1' ? end.low : c.offset));
    }
    return out;
  } finally {
    await admin.disconnect();
  }
}

/** The end (high watermark) of each partition of `topic`. */
export async function endOffsets(topic: string): Promise<PartitionOffsets> {
  const admin = probeKafka().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((e) => [e.partition, BigInt(e.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** The keys of the messages of `topic` in [from, to) on every partition, in partition and offset order. */
export async function keysBetween(
  topic: string,
  from: PartitionOffsets,
  to: PartitionOffsets,
): Promise<string[]> {
  const want = [...to].filter(([p, end]) => end > (from.get(p) ?? end));
  if (want.length === 0) return [];
  const consumer = probeKafka().consumer({ groupId: `range-${randomUUID()}` });
  const found = new Map<number, { offset: bigint; key: string }[]>();
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`reading ${topic} ${JSON.stringify([...from].map(String))} took over 30 s`)),
        30_000,
      );
      const done = (): boolean => want.every(([p, end]) => (found.get(p)?.at(-1)?.offset ?? -1n) >= end - 1n);
      consumer
        .run({
          eachMessage: ({ partition, message }) => {
            const offset = BigInt(message.offset);
            const end = to.get(partition) ?? 0n;
            if (offset >= (from.get(partition) ?? end) && offset < end) {
              const list = found.get(partition) ?? [];
              list.push({ offset, key: message.key?.toString() ?? '' });
              found.set(partition, list);
            }
            if (done()) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        })
        .catch(reject);
      for (const [p] of want) consumer.seek({ topic, partition: p, offset: String(from.get(p) ?? 0n) });
    });
  } finally {
    await consumer.disconnect();
  }
  return [...found.keys()].sort((a, b) => a - b).flatMap((p) => (found.get(p) ?? []).map((m) => m.key));
}

/** Sum of a Prometheus counter on `port`'s /metrics over the series whose labels include `labels`. */
export async function counter(port: number, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (
    await fetch(`http://127.0.0.1:${port}/metrics`, { headers: await operatorHeaders() })
  ).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^(\w+)(?:\{(.*)\})? ([\d.e+-]+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}
