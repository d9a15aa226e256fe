// Prisma's interactive transaction vs pg directly, for the consumer's hot path: one chunk's inbox
// insert, an effect insert (a payments-shaped table) and outbox insert (set-based, the runtime's
// statements) in one transaction, on a scratch database with the platform's outbox and inbox. Reports messages/s and the Node CPU each way costs per message
// and per transaction, for chunks of 1 and 20 messages, one and four transactions at a time.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { scratchDatabase } from '@orderflow/platform/testing';

const INBOX = `INSERT INTO inbox (consumer, event_id, topic, partition, "offset") SELECT 'bench', e, 'order_created', 0, o FROM unnest($1::uuid[], $2::bigint[]) AS t(e, o) ON CONFLICT DO NOTHING RETURNING event_id::text`;
const PAYMENTS = `INSERT INTO payments (id, order_id, status, amount, currency, failure_reason, updated_at) SELECT id, order_id, 'SUCCEEDED', 100, 'EUR', NULL, now() FROM unnest($1::uuid[], $2::uuid[]) AS t(id, order_id) ON CONFLICT (order_id) DO NOTHING RETURNING id::text`;
const OUTBOX = `INSERT INTO outbox (event_id, topic, key, value, headers) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bytea[], $5::jsonb[])`;

/** One way of running a transaction of the three statements. */
type Way = (size: number) => Promise<void>;

export interface SqlPathResult {
  way: string;
  chunk: number;
  concurrency: number;
  messagesPerSec: number;
  transactionsPerSec: number;
  nodeCpuUsPerMessage: number;
  nodeCpuMsPerTransaction: number;
}

function params(size: number) {
  const ids = Array.from({ length: size }, () => randomUUID());
  return {
    inbox: [ids, ids.map((_, i) => String(i))],
    payments: [ids.map(() => randomUUID()), ids],
    outbox: [
      ids.map(() => randomUUID()),
      ids.map(() => 'payment_successful'),
      ids,
      ids.map(() => Buffer.alloc(180, 7)),
      ids.map(() => JSON.stringify({ 'correlation-id': 'c', traceparent: '00-1-2-01' })),
    ],
  };
}

async function measure(
  way: string,
  run: Way,
  chunk: number,
  concurrency: number,
  transactions: number,
): Promise<SqlPathResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < transactions) await run(chunk);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const messages = transactions * chunk;
  return {
    way,
    chunk,
    concurrency,
    messagesPerSec: Math.round(messages / seconds),
    transactionsPerSec: Math.round(transactions / seconds),
    nodeCpuUsPerMessage: Math.round((cpuMs * 1000) / messages),
    nodeCpuMsPerTransaction: Number((cpuMs / transactions).toFixed(2)),
  };
}

/** Runs every way at each chunk size and concurrency; writes bench/reports/sql-paths.md and .json. */
export async function runSqlPathsBench(opts: {
  reportDir: string;
  log: (line: string) => void;
}): Promise<SqlPathResult[]> {
  const db = await scratchDatabase('sql_paths');
  const prisma = db.prisma;
  await prisma.$executeRawUnsafe(
    `CREATE TABLE payments (id uuid PRIMARY KEY, order_id uuid UNIQUE NOT NULL, status text NOT NULL, amount bigint NOT NULL, currency char(3) NOT NULL, failure_reason text, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL)`,
  );
  const pool = new pg.Pool({ connectionString: db.url, max: 8 });
  const ways: [string, Way][] = [
    [
      'Prisma interactive transaction ($transaction + $queryRawUnsafe)',
      (size) =>
        prisma.$transaction(async (tx) => {
          const p = params(size);
          await tx.$queryRawUnsafe(INBOX, ...p.inbox);
          await tx.$queryRawUnsafe(PAYMENTS, ...p.payments);
          await tx.$executeRawUnsafe(OUTBOX, ...p.outbox);
        }),
    ],
    [
      'pg client (BEGIN, statements, COMMIT)',
      async (size) => {
        const p = params(size);
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          await client.query(INBOX, p.inbox);
          await client.query(PAYMENTS, p.payments);
          await client.query(OUTBOX, p.outbox);
          await client.query('COMMIT');
        } finally {
          client.release();
        }
      },
    ],
  ];
  const results: SqlPathResult[] = [];
  try {
    for (const [chunk, transactions] of [
      [1, 2000],
      [20, 400],
    ] as const) {
      for (const concurrency of [1, 4]) {
        for (const [name, way] of ways) {
          await measure(name, way, chunk, concurrency, 50); // warm-up
          const r = await measure(name, way, chunk, concurrency, transactions);
          results.push(r);
          opts.log(
            `${name}, ${chunk}/transaction, ${concurrency} at a time: ${r.messagesPerSec} msg/s, ${r.nodeCpuUsPerMessage} µs Node CPU per message (${r.nodeCpuMsPerTransaction} ms per transaction)`,
          );
        }
      }
    }
  } finally {
    await pool.end();
    await db.drop();
  }
  const md = [
    '# Consumer transaction: Prisma interactive transaction vs pg',
    '',
    `Generated ${new Date().toISOString()} by \`npm run bench -- sql-paths\` (Node ${process.version}). One transaction = the runtime's set-based inbox insert, a payments insert and the outbox insert for a chunk of messages, on a scratch database (the platform's outbox and inbox, and a payments-shaped table). CPU is this Node process's (user + system).`,
    '',
    '| way | messages per transaction | transactions at a time | messages/s | Node CPU µs per message | Node CPU ms per transaction |',
    '| --- | --- | --- | --- | --- | --- |',
    ...results.map(
      (r) =>
        `| ${r.way} | ${r.chunk} | ${r.concurrency} | ${r.messagesPerSec} | ${r.nodeCpuUsPerMessage} | ${r.nodeCpuMsPerTransaction} |`,
    ),
    '',
    'The consumer runs its transactions through pg (`sqlTransactions` in packages/platform/src/sql-transaction.ts): same statements, a fraction of the CPU. Prisma stays the schema, migration and read-side tool.',
    '',
  ].join('\n');
  writeFileSync(path.join(opts.reportDir, 'sql-paths.md'), md);
  writeFileSync(path.join(opts.reportDir, 'sql-paths.json'), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}
