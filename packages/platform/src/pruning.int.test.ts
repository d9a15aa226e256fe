import { createLogger } from './logger';
import { Pruner } from './pruning';
import { scratchDatabase } from './test-support';

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
