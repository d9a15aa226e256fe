// Admission by the saga's backlog. The pool queue's admission (`admit`) sees only the POST path's own
// database; when the saga behind it is the bottleneck (the machine's CPU, a slow consumer), POSTs are
// still answered quickly and the orders they create pile up unfinished: past its capacity the platform
// then accepted more than it could finish, and every saga slowed down (the bench at 150/s on a machine
// that finishes about 60/s: 63/s accepted, 21/s completed, the view 15 s behind). So POST /orders is also
// refused (503 + Retry-After, nothing written) while the orders still in flight (PENDING or PAID) reach
// ORDER_MAX_OPEN_SAGAS. The count is the database's (every instance's orders), refreshed every
// `refreshMs`, plus the orders this instance placed since; the saga deadline bounds how long an order
// can stay open, so a stopped downstream service holds POSTs back for at most that long.
import type pg from 'pg';
import { ApiError, type Logger } from '@orderflow/platform';

const COUNT_OPEN = `SELECT count(*)::int AS n FROM "orders" WHERE status IN ('PENDING', 'PAID')`;

/** The orders in flight through the saga, and the limit POST /orders is admitted under. */
export class OpenSagas {
  private counted = 0;
  private placedSince = 0;
  private timer: NodeJS.Timeout | undefined;
  private counting: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly pool: Pick<pg.Pool, 'query'>,
    private readonly opts: { max: number; refreshMs?: number; logger: Logger },
  ) {}

  /** Counts once, then every `refreshMs` (default 500). */
  async start(): Promise<void> {
    if (this.opts.max === 0) return;
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 500);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.counting;
  }

  /** Orders in flight as last counted, plus those placed here since. */
  get open(): number {
    return this.counted + this.placedSince;
  }

  /** Throws 503 UNAVAILABLE (the error handler adds Retry-After) while the open sagas are at the limit. */
  admit(): void {
    const { max } = this.opts;
    if (max > 0 && this.open >= max)
      throw new ApiError(
        'UNAVAILABLE',
        `the service is busy: ${this.open} orders are still in the saga (ORDER_MAX_OPEN_SAGAS=${max}); retry shortly`,
      );
  }

  /** Call when this instance created an order (an Idempotency-Key replay creates none). */
  placed(): void {
    this.placedSince++;
  }

  /** Counts again (what the timer does). */
  refresh(): Promise<void> {
    this.counting ??= this.count().finally(() => (this.counting = undefined));
    return this.counting;
  }

  private async count(): Promise<void> {
    // Placed before the count started: the count sees them (or they are counted twice for a moment).
    const before = this.placedSince;
    try {
      const { rows } = await this.pool.query<{ n: number }>(COUNT_OPEN);
      this.counted = rows[0]?.n ?? 0;
      this.placedSince -= before;
      if (this.failing) this.opts.logger.info('open sagas counted again');
      this.failing = false;
    } catch (err) {
      // The last count stands (POSTs fail on their own if the database is gone).
      if (!this.failing)
        this.opts.logger.warn({ err }, 'cannot count the open sagas; keeping the last count');
      this.failing = true;
    }
  }
}
