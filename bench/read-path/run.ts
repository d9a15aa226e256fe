// GET /orders/{id}'s read on a cache miss, two ways, on a scratch order database (the service's own
// migrations) holding orders as the saga leaves them (two lines, four timeline events): Prisma's
// findUnique with the view's include (three queries) vs one SQL statement on pg (loadOrderViewSql).
// Reports reads/s and this Node process's CPU per read, one and eight reads at a time.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { createDb } from '@orderflow/order-service/db';
import { loadOrderView, loadOrderViewSql } from '@orderflow/order-service/order-view';
import { scratchDatabase } from '../../tests/support/scratch-database';

export interface ReadPathResult {
  way: string;
  concurrency: number;
  readsPerSec: number;
  nodeCpuUsPerRead: number;
}

const ORDERS = 500;

async function seed(pool: pg.Pool): Promise<string[]> {
  const ids = Array.from({ length: ORDERS }, () => randomUUID());
  await pool.query(
    `INSERT INTO orders (id, customer_id, owner_id, customer_email, customer_name, status, total_amount, currency, notified_at, updated_at)
     SELECT id, 'c-' || n, 'c-' || n, 'c@example.com', 'Ada', 'CONFIRMED', 4200, 'EUR', now(), now()
       FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)`,
    [ids],
  );
  await pool.query(
    `INSERT INTO order_lines (order_id, line_no, sku, quantity, unit_price_minor)
     SELECT id, l, 'SKU-' || l, l, 1400 FROM unnest($1::uuid[]) AS t(id), generate_series(1, 2) AS l`,
    [ids],
  );
  await pool.query(
    `INSERT INTO order_events (order_id, event_id, type, status, detail, occurred_at)
     SELECT id, gen_random_uuid(), e.type, e.status::order_status, to_jsonb(e.type || ' detail'), now()
       FROM unnest($1::uuid[]) AS t(id),
            (VALUES ('order_created', 'PENDING'), ('payment_successful', 'PAID'),
                    ('inventory_updated', 'CONFIRMED'), ('notification_sent', 'CONFIRMED')) AS e(type, status)`,
    [ids],
  );
  return ids;
}

async function measure(
  way: string,
  read: (id: string) => Promise<unknown>,
  ids: string[],
  concurrency: number,
  reads: number,
): Promise<ReadPathResult> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < reads) {
        const id = ids[next++ % ids.length]!;
        if ((await read(id)) === undefined) throw new Error(`${way}: order ${id} not found`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    way,
    concurrency,
    readsPerSec: Math.round(reads / seconds),
    nodeCpuUsPerRead: Math.round((cpu.user + cpu.system) / reads),
  };
}

export async function runReadPathBench(opts: {
  reportDir: string;
  reads: number;
  log: (line: string) => void;
}): Promise<ReadPathResult[]> {
  const db = await scratchDatabase('order', 'read_path_bench');
  const prisma = createDb(db.url, 8);
  const pool = new pg.Pool({ connectionString: db.url, max: 8 });
  const results: ReadPathResult[] = [];
  try {
    const ids = await seed(pool);
    const ways: [string, (id: string) => Promise<unknown>][] = [
      ['Prisma findUnique + include (lines, events)', (id) => loadOrderView(prisma, id)],
      ['one SQL statement on pg (json_agg subqueries)', (id) => loadOrderViewSql(pool, id)],
    ];
    for (const concurrency of [1, 8]) {
      for (const [name, read] of ways) {
        await measure(name, read, ids, concurrency, 300); // warm-up
        const r = await measure(name, read, ids, concurrency, opts.reads);
        results.push(r);
        opts.log(
          `${name}, ${concurrency} at a time: ${r.readsPerSec} reads/s, ${r.nodeCpuUsPerRead} µs Node CPU per read`,
        );
      }
    }
  } finally {
    await prisma.$disconnect();
    await pool.end();
    await db.drop();
  }
  const md = [
    '# GET /orders/{id} on a cache miss: Prisma vs one SQL statement',
    '',
    `Generated ${new Date().toISOString()} by \`npm run bench -- read-path\` (Node ${process.version}). ${ORDERS} orders as the saga leaves them (two lines, four timeline events) on a scratch order database; ${opts.reads} reads per row. CPU is this Node process's (user + system); both ways build the same view (services/order/src/getting-order/order-view.int.test.ts).`,
    '',
    '| way | reads at a time | reads/s | Node CPU µs per read |',
    '| --- | --- | --- | --- |',
    ...results.map((r) => `| ${r.way} | ${r.concurrency} | ${r.readsPerSec} | ${r.nodeCpuUsPerRead} |`),
    '',
    'GET /orders/{id} reads through the SQL statement (services/order/src/order-view.ts, `loadOrderViewSql`); listing and the Idempotency-Key replay stay on Prisma.',
    '',
  ].join('\n');
  writeFileSync(path.join(opts.reportDir, 'read-path.md'), md);
  writeFileSync(path.join(opts.reportDir, 'read-path.json'), `${JSON.stringify(results, null, 2)}\n`);
  return results;
}
