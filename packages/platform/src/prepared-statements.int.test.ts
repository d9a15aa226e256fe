import { databasePool, MAX_PREPARED_STATEMENTS } from './prisma';
import { sqlTransactions } from './sql-transaction';
import { scratchDatabase } from './test-support';

jest.setTimeout(30_000);

type Db = Awaited<ReturnType<typeof scratchDatabase>>;

// The server's own list of what this connection has prepared.
const PREPARED = 'SELECT statement FROM pg_prepared_statements ORDER BY statement';

describe('databasePool: parameterised statements are prepared once per connection (real PostgreSQL)', () => {
  let db: Db;
  let pool: ReturnType<typeof databasePool>;

  beforeAll(async () => {
    db = await scratchDatabase('prepared');
    // One connection, so every call below shares the session whose prepared statements are listed.
    pool = databasePool(db.url, { poolSize: 1 });
    await pool.query('CREATE TABLE items (id int PRIMARY KEY, note text NOT NULL)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const prepared = async (): Promise<string[]> =>
    (await pool.query<{ statement: string }>(PREPARED)).rows.map((r) => r.statement);

  it('answers like an unnamed statement, and the server holds the text prepared once however often it runs', async () => {
    const insert = 'INSERT INTO items (id, note) SELECT * FROM unnest($1::int[], $2::text[]) RETURNING id';
    const first = await pool.query<{ id: number }>(insert, [
      [1, 2],
      ['a', 'b'],
    ]);
    const second = await pool.query<{ id: number }>(insert, [[3], ['c']]);
    expect(first.rows.map((r) => r.id)).toEqual([1, 2]);
    expect(second.rows.map((r) => r.id)).toEqual([3]);
    expect((await prepared()).filter((s) => s === insert)).toHaveLength(1);
    // Without parameters a text is not prepared (BEGIN, COMMIT and the listing itself).
    expect(await prepared()).not.toContain(PREPARED);
  });

  it('prepares the statements of a consumer transaction, and an error inside it leaves the connection usable', async () => {
    const run = sqlTransactions(pool);
    const note = 'SELECT note FROM items WHERE id = $1';
    await expect(
      run(async (tx) => {
        await tx.$queryRawUnsafe(note, 1);
        await tx.$executeRawUnsafe('INSERT INTO items (id, note) VALUES ($1, $2)', 1, 'duplicate');
      }),
    ).rejects.toThrow(/duplicate key/);
    const rows = await run(async (tx) => await tx.$queryRawUnsafe<{ note: string }[]>(note, 1));
    expect(rows).toEqual([{ note: 'a' }]);
    expect(await prepared()).toContain(note);
  });

  it('runs texts past the cap unnamed, with the same answers', async () => {
    const texts = Array.from({ length: MAX_PREPARED_STATEMENTS + 5 }, (_, i) => `SELECT $1::int + ${i} AS n`);
    for (const [i, text] of texts.entries())
      expect((await pool.query<{ n: number }>(text, [1])).rows[0]!.n).toBe(1 + i);
    const held = await prepared();
    expect(held.length).toBeLessThanOrEqual(MAX_PREPARED_STATEMENTS);
    expect(held).not.toContain(texts.at(-1));
  });

  it('with prepare: false, runs every statement unnamed', async () => {
    const plain = databasePool(db.url, { poolSize: 1, prepare: false });
    try {
      await plain.query('SELECT $1::int AS n', [1]);
      expect((await plain.query(PREPARED)).rows).toEqual([]);
    } finally {
      await plain.end();
    }
  });
});
