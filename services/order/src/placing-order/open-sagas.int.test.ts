// POST /orders admitted by the saga's backlog, on a real (scratch, migrated) order database behind the
// real HTTP kit: while ORDER_MAX_OPEN_SAGAS orders are PENDING or PAID, a POST is answered 503
// problem+json with Retry-After and writes nothing; once orders finish (or expire), POSTs are accepted
// again. The count is the database's, so orders another instance placed count too.
import { createLogger, databasePool } from '@orderflow/platform';
import { scratchDatabase } from '../../../../tests/support/scratch-database';
import { tokenFor } from '../../../../tests/support/auth';
import { recordPrice, servePlacingOrders } from '../../test/harness';
import { createDbOn, type OrderDb } from '../db';
import { OpenSagas } from './open-sagas';

const logger = createLogger({ service: 'order-test', level: 'silent' });
let db: { url: string; drop: () => Promise<void> };
let prisma: OrderDb;
let reads: ReturnType<typeof databasePool>;
let writes: ReturnType<typeof databasePool>;
let openSagas: OpenSagas;
let base: string;
let close: () => Promise<void>;

beforeAll(async () => {
  db = await scratchDatabase('order', 'open_sagas_test');
  reads = databasePool(db.url, { poolSize: 2 });
  prisma = createDbOn(reads);
  writes = databasePool(db.url, { poolSize: 2 });
  await recordPrice(prisma, 'SKU-1', 100);
  // Counted only when the test says so (refreshMs longer than the test), to see both sides of a count.
  openSagas = new OpenSagas(reads, { max: 3, refreshMs: 600_000, logger });
  await openSagas.start();
  ({ base, close } = await servePlacingOrders('open-sagas', { prisma, writes, openSagas }));
});

afterAll(async () => {
  await close();
  await openSagas.stop();
  await prisma.$disconnect();
  await writes.end();
  await db.drop();
});

const post = async (n: number): Promise<Response> =>
  fetch(`${base}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor(`open-${n}`)}` },
    body: JSON.stringify({
      customer: { id: `open-${n}`, email: 'ada@example.com' },
      lines: [{ sku: 'SKU-1', quantity: 1 }],
      currency: 'EUR',
    }),
  });

const orders = async (): Promise<number> =>
  (await reads.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows[0]!.n;

test('at the open-saga limit POSTs get 503 + Retry-After and write nothing; finished orders make room', async () => {
  const accepted = await Promise.all([post(1), post(2), post(3)]);
  expect(accepted.map((r) => r.status)).toEqual([201, 201, 201]);
  const ids = await Promise.all(accepted.map(async (r) => ((await r.json()) as { id: string }).id));

  // Three open before any count: this instance's own orders are enough to refuse the fourth.
  const refused = await post(4);
  expect(refused.status).toBe(503);
  expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  const problem = (await refused.json()) as { code: string; detail: string; instance: string };
  expect(problem).toMatchObject({ code: 'UNAVAILABLE', instance: '/orders' });
  expect(problem.detail).toMatch(/3 orders are still in the saga \(ORDER_MAX_OPEN_SAGAS=3\)/);
  expect(await orders()).toBe(3);

  // The database's count agrees after a refresh: still refused.
  await openSagas.refresh();
  expect(openSagas.open).toBe(3);
  expect((await post(5)).status).toBe(503);

  // Two sagas end (one confirmed, one failed payment); PAID still counts as open.
  await reads.query(`UPDATE orders SET status = 'CONFIRMED' WHERE id = $1::uuid`, [ids[0]]);
  await reads.query(`UPDATE orders SET status = 'PAYMENT_FAILED' WHERE id = $1::uuid`, [ids[1]]);
  await reads.query(`UPDATE orders SET status = 'PAID' WHERE id = $1::uuid`, [ids[2]]);
  await openSagas.refresh();
  expect(openSagas.open).toBe(1);
  const again = await Promise.all([post(6), post(7)]);
  expect(again.map((r) => r.status)).toEqual([201, 201]);
  expect((await post(8)).status).toBe(503);
  expect(await orders()).toBe(5);
});

test('orders placed by another instance count once the database is counted again', async () => {
  await reads.query(`UPDATE orders SET status = 'CONFIRMED'`);
  await openSagas.refresh();
  expect(openSagas.open).toBe(0);
  // Another instance's orders, straight into the table.
  await reads.query(
    `INSERT INTO orders (id, customer_id, owner_id, customer_email, status, total_amount, currency, updated_at)
     SELECT gen_random_uuid(), 'other', 'other', 'o@example.com', 'PENDING', 100, 'EUR', now() FROM generate_series(1, 3)`,
  );
  expect((await post(9)).status).toBe(201);
  await openSagas.refresh();
  expect(openSagas.open).toBe(4);
  expect((await post(10)).status).toBe(503);
});
