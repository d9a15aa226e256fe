import type { Logger } from './logger';
import type { SqlExecutor } from './sql';

/** A table whose rows expire: rows with `column` older than `retainMs` are deleted. */
export interface PruneRule {
  table: string;
  column: string;
  retainMs: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/**
 * Deletes expired rows on a schedule, in slices of `sliceSize` so no long lock is held (inbox rows,
 * idempotency keys…). Several instances may prune at once; the deletes are idempotent.
 */
export class Pruner {
  private first: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly db: SqlExecutor,
    private readonly rules: readonly PruneRule[],
    logger: Logger,
    private readonly opts: { intervalMs?: number; sliceSize?: number } = {},
  ) {
    for (const r of rules)
      if (!IDENTIFIER.test(r.table) || !IDENTIFIER.test(r.column))
        throw new Error(`prune rule names must be plain identifiers: ${r.table}.${r.column}`);
    this.log = logger.child({ component: 'pruner' });
  }

  /** Prunes once soon after start, then every interval (default 10 minutes). */
  start(): void {
    const interval = this.opts.intervalMs ?? 600_000;
    const tick = (): void => {
      this.running = this.pruneOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.log.warn({ err }, 'pruning failed; trying again next time'));
    };
    this.first = setTimeout(tick, Math.min(interval, 60_000));
    this.first.unref();
    this.timer = setInterval(tick, interval);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a prune in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.first);
    clearInterval(this.timer);
    await this.running;
  }

  /** Deletes every expired row now; returns the count per table. */
  async pruneOnce(): Promise<Record<string, number>> {
    const sliceSize = this.opts.sliceSize ?? 5_000;
    const counts: Record<string, number> = {};
    for (const rule of this.rules) {
      let total = 0;
      for (;;) {
        const n = await this.db.$executeRawUnsafe(
          `DELETE FROM "${rule.table}" WHERE ctid IN (SELECT ctid FROM "${rule.table}" WHERE "${rule.column}" < now() - make_interval(secs => $1::float8) LIMIT $2)`,
          rule.retainMs / 1000,
          sliceSize,
        );
        total += n;
        if (n < sliceSize) break;
      }
      counts[rule.table] = total;
      if (total > 0) this.log.info({ table: rule.table, deleted: total }, 'pruned expired rows');
    }
    return counts;
  }
}
