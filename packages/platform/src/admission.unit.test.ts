// Load shedding by the pool queue's delay (prisma.ts admit()): a burst that drains quickly passes, a
// queue whose oldest caller has waited too long refuses new callers at once.
import { createServer, type Socket } from 'node:net';
import { admit, ConnectionWaits, databasePool, PoolQueueFullError } from './prisma';

describe('ConnectionWaits', () => {
  it('reports the age of the oldest caller still waiting, whatever order callers leave in', () => {
    let now = 1_000;
    const waits = new ConnectionWaits(() => now);
    expect(waits.oldestWaitMs()).toBe(0);
    const a = waits.enter();
    now += 10;
    const b = waits.enter();
    now += 10;
    const c = waits.enter();
    now += 5;
    expect(waits.oldestWaitMs()).toBe(25);
    // b gives up first (a connection timeout): a is still the oldest.
    waits.leave(b);
    expect(waits.oldestWaitMs()).toBe(25);
    waits.leave(a);
    expect(waits.oldestWaitMs()).toBe(5);
    waits.leave(c);
    expect(waits.oldestWaitMs()).toBe(0);
    // Tickets stay unique after the queue empties.
    const d = waits.enter();
    expect([a, b, c]).not.toContain(d);
    now += 7;
    expect(waits.oldestWaitMs()).toBe(7);
  });
});

describe('admit() on a pool whose server never answers', () => {
  const sockets = new Set<Socket>();
  const silent = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
  });
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    url = `postgresql://postgres@127.0.0.1:${(silent.address() as { port: number }).port}/x`;
  });
  afterAll(() => {
    for (const s of sockets) s.destroy();
    if (silent.listening) silent.close();
  });

  it('admits while the queue is young, sheds once its oldest caller waited maxWaitMs, and admits again once it drains', async () => {
    const pool = databasePool(url, { poolSize: 1, connectionTimeoutMs: 60_000 });
    const calls = [1, 2, 3].map(() => pool.query('SELECT 1').catch((e: unknown) => e));
    expect(pool.waitingCount).toBe(2);
    // A burst: the queue is long enough for the length limit but nobody has waited long yet.
    expect(() => admit(pool, { maxWaiting: 10, maxWaitMs: 150 })).not.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    let shed: unknown;
    try {
      admit(pool, { maxWaiting: 10, maxWaitMs: 150 });
    } catch (err) {
      shed = err;
    }
    expect(shed).toBeInstanceOf(PoolQueueFullError);
    expect((shed as PoolQueueFullError).oldestWaitMs).toBeGreaterThanOrEqual(150);
    expect((shed as PoolQueueFullError).message).toMatch(/oldest of 2 waiting requests has waited \d+ ms/);
    // The length limit still applies on its own.
    expect(() => admit(pool, 2)).toThrow('2 requests already wait for a database connection');

    // The server goes away: every caller gets its error, the queue is empty, new callers are admitted.
    const closed = new Promise((r) => silent.close(r));
    for (const s of sockets) s.destroy();
    await closed;
    const outcomes = await Promise.all(calls);
    // Each caller got an error (pg's errors come from another realm than the test's `Error`).
    for (const o of outcomes)
      expect(String((o as { message?: unknown }).message)).toMatch(/connect|terminated|ECONN/i);
    expect(pool.waitingCount).toBe(0);
    expect(() => admit(pool, { maxWaiting: 10, maxWaitMs: 150 })).not.toThrow();
    await pool.end();
  });
});
