import type { ApiOrder } from '@orderflow/contracts';
import { createLogger } from '@orderflow/platform';
import { OrderChanges } from './order-changes';

const logger = createLogger({ service: 'order-changes-test', level: 'silent' });
const changes = (maxWaiters = 10, recheckMs = 60_000) => new OrderChanges({ maxWaiters, recheckMs, logger });

describe('OrderChanges', () => {
  it("wakes every wait of a changed order and none of another's", async () => {
    const c = changes();
    const first = c.watch('o-1', 10_000)!;
    const second = c.watch('o-1', 10_000)!;
    const other = c.watch('o-2', 50)!;
    c.changed(['o-1', 'o-3']);
    await expect(first.changed).resolves.toBe(true);
    await expect(second.changed).resolves.toBe(true);
    await expect(other.changed).resolves.toBe(false);
    expect(c.size).toBe(0);
  });

  it('ends a wait at its timeout, or at the recheck when that comes first', async () => {
    const t = Date.now();
    await expect(changes(10, 60_000).watch('o', 30)!.changed).resolves.toBe(false);
    await expect(changes(10, 30).watch('o', 60_000)!.changed).resolves.toBe(false);
    expect(Date.now() - t).toBeLessThan(1_000);
  });

  it('declines past its most waits, and again room once one is cancelled', () => {
    const c = changes(2);
    const one = c.watch('a', 10_000)!;
    c.watch('b', 10_000);
    expect(c.watch('c', 10_000)).toBeUndefined();
    one.cancel();
    expect(c.size).toBe(1);
    expect(c.watch('c', 10_000)).toBeDefined();
    void c.stop();
  });

  it('releases every wait when stopped, and holds none after', async () => {
    const c = changes();
    const held = c.watch('o', 10_000)!;
    await c.stop();
    await expect(held.changed).resolves.toBe(false);
    expect(c.watch('o', 10_000)).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('hands a pushed view to the waits of its order only, and tells which orders are waited for', async () => {
    const c = changes();
    const first = c.watch('o-1', 10_000)!;
    const second = c.watch('o-2', 10_000)!;
    expect(c.waitedFor(['o-1', 'o-2', 'o-3'])).toEqual(['o-1', 'o-2']);
    const view = { id: 'o-1', completed: true } as unknown as ApiOrder;
    c.changed(['o-1', 'o-2'], new Map([['o-1', view]]));
    await expect(first.changed).resolves.toBe(true);
    expect(first.view).toBe(view);
    await expect(second.changed).resolves.toBe(true);
    expect(second.view).toBeUndefined();
    expect(c.waitedFor(['o-1', 'o-2'])).toEqual([]);
  });

  it('remembers a placed order for one look, until a change of it, for its age limit and up to its size', () => {
    const c = new OrderChanges({
      maxWaiters: 10,
      recheckMs: 60_000,
      logger,
      maxPlaced: 2,
      placedTtlMs: 60_000,
    });
    c.placed('a', 'alice');
    expect(c.takePlaced('a')).toBe('alice');
    expect(c.takePlaced('a')).toBeUndefined();
    c.placed('b', 'bob');
    c.changed(['b']);
    expect(c.takePlaced('b')).toBeUndefined();
    c.placed('x', 'x');
    c.placed('y', 'y');
    c.placed('z', 'z');
    expect(c.takePlaced('x')).toBeUndefined();
    expect(c.takePlaced('y')).toBe('y');
    expect(c.takePlaced('z')).toBe('z');
    const old = new OrderChanges({ maxWaiters: 10, recheckMs: 60_000, logger, placedTtlMs: 0 });
    old.placed('o', 'owner');
    const until = Date.now() + 5;
    while (Date.now() < until);
    expect(old.takePlaced('o')).toBeUndefined();
  });
});
