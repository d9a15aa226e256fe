// The machine's own ceilings, measured in the same run as the saga, with CPU per message: the
// outbox insert the runtime really runs (one row per statement and 20 rows per `unnest` statement,
// each with and without `pg_notify`) on a scratch database, and kafkajs produce+consume through a
// throwaway topic with concurrent sends. Client CPU is this process's; server CPU is read from /proc
// (every PostgreSQL process, or the Kafka broker's).
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { applyMigrations, adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { CpuMeter, type Classifier } from './cpu';
import { round2 } from './stats';

/** One measured variant: how many messages (rows), how fast, and CPU per message. */
export interface BaselineFigure {
  name: string;
  concurrency: number;
  perRequest: number;
  messages: number;
  seconds: number;
  messagesPerSec: number;
  requestsPerSec: number;
  /** CPU ms per message: this process (client), and the server (PostgreSQL or Kafka). */
  clientCpuMsPerMessage: number;
  serverCpuMsPerMessage: number;
}

/** Rows per statement of the batched outbox variants. */
export const OUTBOX_BATCH = 20;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const isPostgres: Classifier = (_pid, cmd) =>
  cmd.startsWith('postgres') || cmd.includes('/postgresql/') ? 'server' : undefined;
const isKafka: Classifier = (_pid, cmd) => (cmd.includes('-Dorderflow.stack=kafka') ? 'server' : undefined);

/** Runs `worker` on `concurrency` loops for `seconds`, metering this process and the server. */
async function measure(
  name: string,
  classify: Classifier,
  opts: { concurrency: number; perRequest: number; seconds: number },
  worker: () => Promise<void>,
  settle: () => Promise<number> = () => Promise.resolve(0),
): Promise<BaselineFigure> {
  const meter = new CpuMeter(() => classify);
  const w = meter.begin();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + opts.seconds * 1000;
  let requests = 0;
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (performance.now() < end) {
        await worker();
        requests++;
      }
    }),
  );
  await settle();
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const cpu = meter.end(w);
  const messages = requests * opts.perRequest;
  return {
    name,
    concurrency: opts.concurrency,
    perRequest: opts.perRequest,
    messages,
    seconds: round2(seconds),
    messagesPerSec: Math.round(messages / seconds),
    requestsPerSec: Math.round(requests / seconds),
    clientCpuMsPerMessage: round2((client.user + client.system) / 1000 / Math.max(1, messages)),
    serverCpuMsPerMessage: round2(((cpu.components.server ?? 0) * 1000) / Math.max(1, messages)),
  };
}

/** The outbox insert as the runtime writes it, with and without NOTIFY, one-by-one and batched, on a scratch database. */
export async function pgBaselines(opts: {
  serverUrl: string;
  root: string;
  concurrency: number;
  seconds: number;
  log: (line: string) => void;
}): Promise<BaselineFigure[]> {
  const name = `orderflow_bench_${process.pid}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: `${opts.serverUrl}/postgres` });
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
  // pool.end() resolves once its clients are told to close, not once they have: the DROP … WITH (FORCE)
  // below can still terminate one, whose error the pool re-emits (unheard, it killed the bench).
  pool.on('error', () => undefined);
  const value = randomBytes(200); // about the size of an encoded order_created with its 5-byte frame
  const headers = JSON.stringify({
    'correlation-id': randomUUID(),
    traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`,
  });
  // The statements of packages/platform/src/outbox.ts (set-based) and of the runtime before it (one row + NOTIFY).
  const one = `INSERT INTO "outbox" ("event_id", "topic", "key", "value", "headers") VALUES ($1, 'order_created', $2, $3, $4)`;
  const oneNotify = `WITH ins AS (${one} RETURNING 1) SELECT pg_notify('bench_outbox', '') FROM ins`;
  const many = `INSERT INTO "outbox" ("event_id", "topic", "key", "value", "headers")
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])`;
  const manyNotify = `WITH ins AS (${many} RETURNING 1) SELECT pg_notify('bench_outbox', '') FROM (SELECT count(*) FROM ins) x`;
  const batchParams = (): unknown[] => {
    const ids = Array.from({ length: OUTBOX_BATCH }, () => randomUUID());
    return [ids, ids.map(() => 'order_created'), ids, ids.map(() => value), ids.map(() => headers)];
  };
  try {
    for (let i = 0; i < 50; i++) await pool.query(one, [randomUUID(), 'warm', value, headers]); // connections, plans
    const variants: [string, string, number, () => unknown[]][] = [
      ['outbox INSERT, 1 row per transaction', one, 1, () => [randomUUID(), randomUUID(), value, headers]],
      [
        'outbox INSERT + pg_notify, 1 row per transaction',
        oneNotify,
        1,
        () => [randomUUID(), randomUUID(), value, headers],
      ],
      [`outbox INSERT … unnest, ${OUTBOX_BATCH} rows per transaction`, many, OUTBOX_BATCH, batchParams],
      [
        `outbox INSERT … unnest + pg_notify, ${OUTBOX_BATCH} rows per transaction`,
        manyNotify,
        OUTBOX_BATCH,
        batchParams,
      ],
    ];
    const out: BaselineFigure[] = [];
    for (const [label, sql, perRequest, params] of variants) {
      opts.log(`  pg: ${label}, ${opts.concurrency} clients, ${opts.seconds} s …`);
      const fig = await measure(
        label,
        isPostgres,
        { concurrency: opts.concurrency, perRequest, seconds: opts.seconds },
        async () => {
          await pool.query(sql, params());
        },
      );
      opts.log(
        `    ${fig.requestsPerSec} tx/s, ${fig.messagesPerSec} rows/s; CPU per row: client ${fig.clientCpuMsPerMessage} ms, PostgreSQL ${fig.serverCpuMsPerMessage} ms`,
      );
      out.push(fig);
    }
    return out;
  } finally {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

/** kafkajs produce+consume through a throwaway topic (deleted afterwards), with concurrent sends. */
export async function kafkaBaselines(opts: {
  brokers: string[];
  partitions: number;
  seconds: number;
  log: (line: string) => void;
}): Promise<BaselineFigure[]> {
  const kafka = new Kafka({
    clientId: 'bench-raw',
    brokers: opts.brokers,
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
  const topic = `bench_raw_${process.pid}_${Date.now()}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: opts.partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  // The services' producer settings (packages/platform/src/kafka.ts): idempotent, one request in flight, acks=all.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
  });
  const consumer = kafka.consumer({ groupId: `bench-raw-${randomUUID()}` });
  let received = 0;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: ({ batch }) => {
        received += batch.messages.length;
        return Promise.resolve();
      },
    });
    await producer.send({ topic, acks: -1, messages: [{ key: 'warmup', value: Buffer.alloc(200) }] });
    for (const end = Date.now() + 30_000; received < 1 && Date.now() < end;) await sleep(20);
    const value = randomBytes(200);
    const out: BaselineFigure[] = [];
    for (const [concurrency, perRequest] of [
      [16, 1],
      [4, 50],
    ] as const) {
      const label = `kafkajs send of ${perRequest} message${perRequest > 1 ? 's' : ''}, ${concurrency} sends at once, consumed`;
      opts.log(`  kafka: ${label}, ${opts.seconds} s …`);
      let sent = 0;
      const before = received;
      const fig = await measure(
        label,
        isKafka,
        { concurrency, perRequest, seconds: opts.seconds },
        async () => {
          await producer.send({
            topic,
            acks: -1,
            messages: Array.from({ length: perRequest }, (_, i) => ({ key: `k${sent + i}`, value })),
          });
          sent += perRequest;
        },
        async () => {
          for (const end = Date.now() + 30_000; received - before < sent && Date.now() < end;)
            await sleep(10);
          return received - before;
        },
      );
      opts.log(
        `    ${fig.messagesPerSec} msg/s produced and consumed; CPU per message: client ${fig.clientCpuMsPerMessage} ms, broker ${fig.serverCpuMsPerMessage} ms`,
      );
      out.push(fig);
    }
    return out;
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
