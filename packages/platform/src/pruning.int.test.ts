import { createLogger } from './logger';
import { Pruner } from './pruning';
import { eventually, scratchDatabase } from './test-support';

type Db = Awaited<ReturnType<typeof scratchDatabase>>;
let db: Db;

beforeAll(async () => {
  db = await scratchDatabase('pruning');
});
afterAll(() => db.drop());

test('expired inbox rows are deleted in slices; rows inside the retention window stay', async () => {
  // 12 rows handled 9 days ago, 3 handled an hour ago.
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO inbox (consumer, event_id, topic, partition, "offset", processed_at)
     SELECT 'payment', gen_random_uuid(), 't', 0, g, now() - interval '9 days' FROM generate_series(1, 12) g
     UNION ALL
     SELECT 'payment', gen_random_uuid(), 't', 0, g, now() - interval '1 hour' FROM generate_series(13, 15) g`,
  );
  const pruner = new Pruner(
    db.prisma,
    [{ table: 'inbox', column: 'processed_at', retainMs: 8 * 86_400_000 }],
    createLogger({ service: 'test', level: 'silent' }),
    { sliceSize: 5 },
  );
  expect(await pruner.pruneOnce()).toEqual({ inbox: 12 });
  const left = await db.prisma.$queryRawUnsafe<{ offset: bigint }[]>(
    `SELECT "offset" FROM inbox ORDER BY "offset"`,
  );
  expect(left.map((r) => Number(r.offset))).toEqual([13, 14, 15]);
  expect(await pruner.pruneOnce()).toEqual({ inbox: 0 });
});

test('a rule naming anything but a plain identifier is refused', () => {
  expect(
    () =>
      new Pruner(
        db.prisma,
        [{ table: 'inbox; DROP TABLE outbox', column: 'processed_at', retainMs: 1 }],
        createLogger({ service: 'test', level: 'silent' }),
      ),
  ).toThrow(/plain identifiers/);
});

test("where autovacuum is off, the relay's poll stops visiting published outbox rows once the pruner vacuums", async () => {
  const pruner = new Pruner(db.prisma, [], createLogger({ service: 'test', level: 'silent' }));
  // The server's own setting, as the pruner reads it (off on this project's CI machines).
  const shown = await db.prisma.$queryRawUnsafe<{ autovacuum: string }[]>('SHOW autovacuum');
  expect(await pruner.autovacuumOff()).toBe(shown[0]?.autovacuum === 'off');
  // Autovacuum must not race the test: this table is left to the pruner.
  await db.prisma.$executeRawUnsafe(`ALTER TABLE outbox SET (autovacuum_enabled = false)`);
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO outbox (event_id, topic, key, value, headers)
     SELECT gen_random_uuid(), 't', 'k', '\\x00'::bytea, '{}' FROM generate_series(1, 5000)`,
  );
  await db.prisma.$executeRawUnsafe(`UPDATE outbox SET published_at = now()`);
  // What the relay's poll reads: every dead row's index entry and heap page until they are vacuumed.
  const pagesRead = async (): Promise<number> => {
    const plan = await db.prisma.$queryRawUnsafe<{ 'QUERY PLAN': string }[]>(
      `EXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)
       SELECT id FROM outbox WHERE published_at IS NULL ORDER BY outbox.id LIMIT 500`,
    );
    const top = /Buffers: shared hit=(\d+)(?: read=(\d+))?/.exec(plan.map((r) => r['QUERY PLAN']).join('\n'));
    return Number(top?.[1] ?? 0) + Number(top?.[2] ?? 0);
  };
  expect(await pagesRead()).toBeGreaterThan(30);
  // The statistics see the dead rows shortly after the commit.
  await eventually(async () => ((await pruner.vacuumOnce()).outbox ?? 0) >= 5000, 10_000);
  expect(await pagesRead()).toBeLessThan(5);
  expect(await db.prisma.outboxEvent.count({ where: { publishedAt: null } })).toBe(0);
});

test('where autovacuum is off, a table that only grows is vacuumed and analyzed too: the planner learns its size', async () => {
  const pruner = new Pruner(db.prisma, [], createLogger({ service: 'test', level: 'silent' }));
  await db.prisma.$executeRawUnsafe(
    `CREATE TABLE grows (id uuid PRIMARY KEY, note text NOT NULL) WITH (autovacuum_enabled = false)`,
  );
  await db.prisma.$executeRawUnsafe(
    `INSERT INTO grows SELECT gen_random_uuid(), 'n' FROM generate_series(1, 20000)`,
  );
  const stats = async () =>
    (
      await db.prisma.$queryRawUnsafe<{ rows: number; visible: number }[]>(
        `SELECT reltuples::float8 AS rows, relallvisible::int AS visible FROM pg_class WHERE relname = 'grows'`,
      )
    )[0]!;
  // Never analyzed, nothing marked all-visible (an index-only scan still reads the heap).
  expect(await stats()).toEqual({ rows: -1, visible: 0 });
  // No dead row at all; the statistics see the inserts shortly after the commit.
  await eventually(async () => 'grows' in (await pruner.vacuumOnce()), 10_000);
  const after = await stats();
  expect(after.rows).toBe(20000);
  expect(after.visible).toBeGreaterThan(0);
});
