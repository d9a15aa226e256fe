// Who is waiting for which order to change, for GET /orders/{id}?wait=N: a customer can ask once and get
// the answer as soon as the saga is over, instead of polling.
//
// A change wakes the waiters of this process at once (the order cache calls `changed` after every
// invalidation, which follows every committed change to a view). Other instances learn of it through the
// invalidation's own Redis pipeline: the cache announces the ids on a pub/sub channel in the same round
// trip, and each instance's subscriber wakes its waiters (ignoring its own announcements). If Redis is
// down, a waiter on another instance than the one that tracked the change still looks again every
// `recheckMs`: slower, never wrong.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ApiOrder } from '@orderflow/contracts';
import type { Logger } from '@orderflow/platform';

/** The Redis channel the order cache announces invalidated order ids on. */
export const ORDER_CHANGES_CHANNEL = 'orderflow:order:changed';

/**
 * One registered wait: `changed` resolves true on a change of the order, false at the timeout or when
 * cancelled. When the change came with the order's view as it committed (the saga tracker of this
 * process loads it for the orders it completes that someone here waits for), `view` holds it.
 */
export interface OrderWatch {
  changed: Promise<boolean>;
  readonly view: ApiOrder | undefined;
  cancel(): void;
}

export interface OrderChangesOptions {
  /** At most this many waits at once in this process; beyond it `watch` declines and the read answers at once. */
  maxWaiters: number;
  /** A wait wakes at least this often to look again (a change announced while Redis was unreachable). */
  recheckMs: number;
  logger: Logger;
  /** At most this many orders remembered as just placed ({@link OrderChanges.placed}); default 20,000. */
  maxPlaced?: number;
  /** A placed order is remembered this long (ms); default 60 s. */
  placedTtlMs?: number;
}

/** A settle function of a wait: true on a change (with the committed view when one was pushed), false else. */
type Settle = (changed: boolean, view?: ApiOrder) => void;

export class OrderChanges {
  /** This process's name in announcements, so it can skip its own. */
  readonly origin = randomUUID();
  private readonly waiters = new Map<string, Set<Settle>>();
  /** Orders this process placed lately, by id: their owner and when (insertion order = age). */
  private readonly recent = new Map<string, { owner: string; at: number }>();
  private waiting = 0;
  private stopped = false;
  private subscriber: Redis | undefined;

  constructor(private readonly opts: OrderChangesOptions) {}

  /** Waits currently registered. */
  get size(): number {
    return this.waiting;
  }

  /**
   * Registers a wait for order `id` BEFORE the caller reads it (a change between the read and the
   * registration would otherwise go unnoticed). Undefined when this process is full or stopping.
   */
  watch(id: string, timeoutMs: number): OrderWatch | undefined {
    if (this.stopped || this.waiting >= this.opts.maxWaiters) return undefined;
    let settle: Settle = () => undefined;
    let pushed: ApiOrder | undefined;
    const changed = new Promise<boolean>((resolve) => {
      let done = false;
      const timer = setTimeout(() => settle(false), Math.max(0, Math.min(timeoutMs, this.opts.recheckMs)));
      settle = (value, view) => {
        if (done) return;
        done = true;
        pushed = view;
        clearTimeout(timer);
        const set = this.waiters.get(id);
        if (set?.delete(settle) === true) {
          this.waiting--;
          if (set.size === 0) this.waiters.delete(id);
        }
        resolve(value);
      };
    });
    let set = this.waiters.get(id);
    if (set === undefined) this.waiters.set(id, (set = new Set()));
    set.add(settle);
    this.waiting++;
    return {
      changed,
      get view() {
        return pushed;
      },
      cancel: () => settle(false),
    };
  }

  /** Those of `ids` that a read of this process waits for. */
  waitedFor(ids: Iterable<string>): string[] {
    const found: string[] = [];
    for (const id of ids) if (this.waiters.has(id)) found.push(id);
    return found;
  }

  /**
   * Wakes the waiters of these orders (call after the change committed and the cache entry was dropped).
   * `views` holds the committed view of some of them: their waiters answer it without reading again.
   * A changed order is no longer {@link placed} as far as this process knows.
   */
  changed(ids: Iterable<string>, views?: ReadonlyMap<string, ApiOrder>): void {
    for (const id of ids) {
      this.recent.delete(id);
      const set = this.waiters.get(id);
      if (set === undefined) continue;
      const view = views?.get(id);
      for (const settle of [...set]) settle(true, view);
    }
  }

  /**
   * Remembers that this process just placed order `id` for `owner`, still PENDING: the first held read
   * of it ({@link takePlaced}) need not read it to know it is not completed. Forgotten at any change
   * of the order this process learns of, after `placedTtlMs`, or when the read takes it.
   */
  placed(id: string, owner: string): void {
    if (this.stopped) return;
    const max = this.opts.maxPlaced ?? 20_000;
    this.recent.delete(id);
    this.recent.set(id, { owner, at: Date.now() });
    while (this.recent.size > max) this.recent.delete(this.recent.keys().next().value!);
  }

  /**
   * The owner of order `id` if this process placed it lately and has learnt of no change since (the
   * saga tracker announces every completion, here and through Redis); it is forgotten as it is taken,
   * so only a read's first look can skip the database. Undefined when not remembered.
   */
  takePlaced(id: string): string | undefined {
    const entry = this.recent.get(id);
    if (entry === undefined) return undefined;
    this.recent.delete(id);
    return Date.now() - entry.at <= (this.opts.placedTtlMs ?? 60_000) ? entry.owner : undefined;
  }

  /** Listens for other instances' announcements on `channel` (through its own connection: a subscribed one can do nothing else). */
  listen(redis: Redis, channel = ORDER_CHANGES_CHANNEL): void {
    // Subscribing waits for the connection however long Redis is away; ioredis resubscribes on reconnect.
    const subscriber = redis.duplicate({
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      commandTimeout: undefined,
    });
    subscriber.on('error', (err: Error) =>
      this.opts.logger.debug({ err }, 'order-change subscriber: redis connection error'),
    );
    subscriber.on('message', (_channel: string, message: string) => {
      const bar = message.indexOf('|');
      if (bar === -1 || message.slice(0, bar) === this.origin) return;
      this.changed(message.slice(bar + 1).split(','));
    });
    subscriber.subscribe(channel).catch((err: unknown) => {
      if (!this.stopped) this.opts.logger.warn({ err, channel }, 'could not subscribe to order changes');
    });
    this.subscriber = subscriber;
  }

  /** Releases every wait (each read answers with the order as it is) and stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.recent.clear();
    for (const set of [...this.waiters.values()]) for (const settle of [...set]) settle(false);
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber !== undefined) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
