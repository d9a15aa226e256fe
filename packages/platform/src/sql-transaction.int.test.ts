import { databasePool } from './prisma';
import { sqlTransactions } from './sql-transaction';
import { lockKeys } from './locks';
import { scratchDatabase } from './test-support';

jest.setTimeout(30_000);

type Db = Awaited<ReturnType<typeof scratchDatabase>>;

describe('sqlTransactions (real PostgreSQL)', () => {
  let db: Db;
  let pool: ReturnType<typeof databasePool>;

  beforeAll(async () => {
    db = await scratchDatabase('sqltx');
    pool = databasePool(db.url, { poolSize: 3 });
    await pool.query('CREATE TABLE effects (id int PRIMARY KEY, note text NOT NULL)');
  });
  afterAll(async () => {
    await pool.end();
    await db.drop();
  });

  const count = async (): Promise<number> =>
    Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM effects')).rows[0]?.n);

  it('commits every statement together and runs the after-commit hooks only after the commit', async () => {
    const run = sqlTransactions(pool);
    const seenByHook: number[] = [];
    const result = await run(async (tx) => {
      expect(
        await tx.$executeRawUnsafe('INSERT INTO effects VALUES ($1, $2), ($3, $4)', 1, 'a', 2, 'b'),
      ).toBe(2);
      const rows = await tx.$queryRawUnsafe<{ id: number }[]>('SELECT id FROM effects ORDER BY id');
      // The hook reads through another connection: it must see the committed rows.
      tx.afterCommit(async () => void seenByHook.push(await count()));
      return rows.map((r) => r.id);
    });
    expect(result).toEqual([1, 2]);
    expect(seenByHook).toEqual([2]);
  });

  it('rolls everything back when the function throws, runs no hook, and gives the connection back usable', async () => {
    const run = sqlTransactions(pool);
    const before = await count();
    let hookRan = false;
    await expect(
      run(async (tx) => {
        await tx.$executeRawUnsafe('INSERT INTO effects VALUES ($1, $2)', 10, 'rolled back');
        tx.afterCommit(() => void (hookRan = true));
        throw new Error('the handler failed');
      }),
    ).rejects.toThrow('the handler failed');
    expect(await count()).toBe(before);
    expect(hookRan).toBe(false);
    // Every pooled connection still works (none was left inside an aborted transaction).
    for (let i = 0; i < 5; i++) await run(async (tx) => void (await tx.$queryRawUnsafe('SELECT 1')));
  });

  it('a statement error fails the transaction with its SQLSTATE (what the failure classifier reads)', async () => {
    const run = sqlTransactions(pool);
    await expect(
      run(async (tx) => tx.$executeRawUnsafe('INSERT INTO effects VALUES ($1, $2), ($1, $2)', 20, 'twice')),
    ).rejects.toMatchObject({ code: '23505' });
    expect((await pool.query('SELECT 1 FROM effects WHERE id = 20')).rowCount).toBe(0);
  });

  it('lockKeys serialises two transactions on a shared key until the first commits', async () => {
    const run = sqlTransactions(pool);
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = run(async (tx) => {
      await lockKeys(tx, ['b', 'a']);
      order.push('first locked');
      await held;
      order.push('first commits');
    });
    await new Promise((r) => setTimeout(r, 100));
    const second = run(async (tx) => {
      await lockKeys(tx, ['a', 'c']);
      order.push('second locked');
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(order).toEqual(['first locked']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first locked', 'first commits', 'second locked']);
  });
});
