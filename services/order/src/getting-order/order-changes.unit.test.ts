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
});
