// The machine's own ceilings, measured in the same run as the saga: raw kafkajs produce+consume
// through one topic on the same broker, and the order's SQL (order + line + timeline + outbox + NOTIFY
// in one transaction) as plain `pg` transactions on a scratch copy of the order database.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { applyMigrations } from '@orderflow/platform';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { percentile } from './stats';

/** Raw Kafka figures: bulk throughput, and per-message latency at a fixed rate. */
export interface KafkaBaseline {
  topic: string;
  partitions: number;
  /** Messages produced in batches and consumed, first send → last receive. */
  bulkMessages: number;
  bulkMessagesPerSec: number;
  /** Messages at `rate`/s, batched like the outbox relay (what queued during a send goes in the next), enqueue → consume latency. */
  rate: number;
  rateMessages: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/** Plain pg figures for the order's write transaction. */
export interface PgBaseline {
  transactions: number;
  concurrency: number;
  txPerSec: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  /** One `SELECT 1` round trip, sequential: the machine's wake-up cost that every statement of an interactive transaction pays. */
  roundTripP50Ms: number;
  roundTripP99Ms: number;
  /** Orders per second when each transaction writes BATCH orders (same statements, one BEGIN/COMMIT per batch). */
  batchedOrdersPerSec: number;
  /** The one-order transaction with `synchronous_commit = off` (a measurement of the WAL flush's share; not a recommendation). */
  asyncCommitTxPerSec: number;
}

/** Orders per transaction in the batched pg variant. */
export const BATCH = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Produces and consumes through a throwaway topic (deleted afterwards). */
export async function kafkaBaseline(opts: {
  brokers: string[];
  bulkMessages: number;
  rate: number;
  seconds: number;
  partitions: number;
}): Promise<KafkaBaseline> {
  const kafka = new Kafka({ clientId: 'bench-raw', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const topic = `bench_raw_${process.pid}_${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: opts.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  // The same producer settings the services use (idempotent, acks=all).
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  const received = new Map<string, number>();
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        const key = message.key?.toString();
        if (key !== undefined && !received.has(key)) received.set(key, performance.now());
        return Promise.resolve();
      },
    });
    // Wait for the assignment before timing anything.
    await producer.send({ topic, acks: -1, messages: [{ key: 'warmup', value: Buffer.alloc(200) }] });
    for (let end = Date.now() + 30_000; !received.has('warmup') && Date.now() < end;) await sleep(20);

    const value = Buffer.alloc(200, 1); // about the size of an encoded order_created
    const bulkStart = performance.now();
    for (let sent = 0; sent < opts.bulkMessages;) {
      const n = Math.min(500, opts.bulkMessages - sent);
      await producer.send({
        topic,
        acks: -1,
        messages: Array.from({ length: n }, (_, i) => ({ key: `b${sent + i}`, value })),
      });
      sent += n;
    }
    const bulkKey = `b${opts.bulkMessages - 1}`;
    for (let end = Date.now() + 60_000; received.size < opts.bulkMessages + 1 && Date.now() < end;)
      await sleep(5);
    const bulkEnd = Math.max(
      ...[...received.entries()].filter(([k]) => k.startsWith('b')).map(([, t]) => t),
      received.get(bulkKey) ?? 0,
    );
    const bulkGot = [...received.keys()].filter((k) => k.startsWith('b')).length;

    // At a fixed rate, sent the way the outbox relay sends: whatever queued up while the previous
    // send was in flight goes out in the next one (one idempotent producer, one request in flight).
    const sentAt = new Map<string, number>();
    const total = opts.rate * opts.seconds;
    const queue: string[] = [];
    let producing = true;
    const sender = (async () => {
      while (producing || queue.length > 0) {
        if (queue.length === 0) {
          await sleep(1);
          continue;
        }
        const keys = queue.splice(0, queue.length);
        await producer.send({ topic, acks: -1, messages: keys.map((key) => ({ key, value })) });
      }
    })();
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / opts.rate - performance.now();
      if (wait > 1) await sleep(wait);
      const key = `r${i}`;
      sentAt.set(key, performance.now());
      queue.push(key);
    }
    producing = false;
    await sender;
    for (let end = Date.now() + 30_000; [...sentAt.keys()].some((k) => !received.has(k)) && Date.now() < end;)
      await sleep(10);
    const lat = [...sentAt.entries()].flatMap(([k, t]) => (received.has(k) ? [received.get(k)! - t] : []));
    return {
      topic,
      partitions: opts.partitions,
      bulkMessages: bulkGot,
      bulkMessagesPerSec: Math.round(bulkGot / ((bulkEnd - bulkStart) / 1000)),
      rate: opts.rate,
      rateMessages: lat.length,
      latencyP50Ms: round1(percentile(lat, 50)),
      latencyP99Ms: round1(percentile(lat, 99)),
    };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** Runs the order's write transaction `transactions` times, `concurrency` at once, on a scratch database (dropped afterwards). */
export async function pgBaseline(opts: {
  serverUrl: string;
  root: string;
  transactions: number;
  concurrency: number;
}): Promise<PgBaseline> {
  const name = `orderflow_bench_${process.pid}`;
  const adminUrl = `${opts.serverUrl}/postgres`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await applyMigrations({
    databaseUrl: `${opts.serverUrl}/${name}`,
    migrationsDir: path.join(opts.root, 'prisma', 'order', 'migrations'),
  });
  const pool = new pg.Pool({ connectionString: `${opts.serverUrl}/${name}`, max: opts.concurrency });
  try {
    // `perTx` orders in one transaction: what batching a consumer's (or the API's) work would buy.
    const one = async (perTx = 1, syncCommit = true): Promise<number> => {
      const started = performance.now();
      const c = await pool.connect();
      try {
        await c.query('BEGIN');
        // Measurement only: shows how much of a transaction is waiting for the WAL flush at commit.
        if (!syncCommit) await c.query('SET LOCAL synchronous_commit = off');
        for (let k = 0; k < perTx; k++) await writeOrder(c);
        await c.query('COMMIT');
      } catch (err) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
      return performance.now() - started;
    };
    const writeOrder = async (c: pg.PoolClient): Promise<void> => {
      const orderId = randomUUID();
      const eventId = randomUUID();
      {
        await c.query(
          `INSERT INTO orders (id, customer_id, customer_email, customer_name, status, total_amount, currency, correlation_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, 'PENDING', $5, 'EUR', $6, now(), now())`,
          [orderId, 'bench', 'bench@example.com', 'Bench', 1999, randomUUID()],
        );
        await c.query(
          `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor) VALUES ($1, 1, 'SKU-1', 1, 1999)`,
          [orderId],
        );
        await c.query(
          `INSERT INTO order_events (order_id, event_id, type, status, detail, occurred_at) VALUES ($1, $2, 'order_created', 'PENDING', $3, now())`,
          [orderId, eventId, JSON.stringify('order placed')],
        );
        await c.query(
          `INSERT INTO outbox (event_id, topic, key, payload, headers) VALUES ($1, 'order_created', $2, $3, $4)`,
          [
            eventId,
            orderId,
            JSON.stringify({
              eventId,
              orderId,
              lines: [{ sku: 'SKU-1', quantity: 1, unitPriceMinor: 1999 }],
            }),
            JSON.stringify({ 'correlation-id': randomUUID() }),
          ],
        );
        await c.query(`SELECT pg_notify('bench_outbox', '')`);
      }
    };
    for (let i = 0; i < 50; i++) await one(); // warm-up: connections, plans
    const rtt: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await pool.query('SELECT 1');
      rtt.push(performance.now() - t);
    }
    const lat: number[] = [];
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (next++ < opts.transactions) lat.push(await one());
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    let batches = 0;
    const tb = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (batches++ < opts.transactions / BATCH) await one(BATCH);
      }),
    );
    const batchedOrdersPerSec = Math.round(
      ((batches - opts.concurrency) * BATCH) / ((performance.now() - tb) / 1000),
    );
    let unsynced = 0;
    const tu = performance.now();
    await Promise.all(
      Array.from({ length: opts.concurrency }, async () => {
        while (unsynced++ < opts.transactions) await one(1, false);
      }),
    );
    const asyncCommitTxPerSec = Math.round((unsynced - opts.concurrency) / ((performance.now() - tu) / 1000));
    return {
      asyncCommitTxPerSec,
      batchedOrdersPerSec,
      transactions: lat.length,
      concurrency: opts.concurrency,
      txPerSec: Math.round(lat.length / seconds),
      latencyP50Ms: round1(percentile(lat, 50)),
      latencyP99Ms: round1(percentile(lat, 99)),
      roundTripP50Ms: round1(percentile(rtt, 50)),
      roundTripP99Ms: round1(percentile(rtt, 99)),
    };
  } finally {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
