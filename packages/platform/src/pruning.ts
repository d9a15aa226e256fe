import type { Logger } from './logger';
import type { SqlExecutor } from './sql';

/** A table whose rows expire: rows with `column` older than `retainMs` are deleted. */
export interface PruneRule {
  table: string;
  column: string;
  retainMs: number;
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

// Tables with more dead rows than this (and than a tenth of their live rows), or with more rows changed
// since they were last analyzed (and than a tenth of their live rows: tables that only grow, like
// payments or the inbox, have no dead rows), are vacuumed and analyzed when the server's autovacuum is off.
const DEAD_ROWS_MIN = 1_000;
const DEAD_TABLES = `
SELECT relname AS table, n_dead_tup::int AS dead
  FROM pg_stat_user_tables
 WHERE schemaname = current_schema()
   AND (n_dead_tup > greatest($1::int, n_live_tup / 10) OR n_mod_since_analyze > greatest($1::int, n_live_tup / 10))
 ORDER BY n_dead_tup + n_mod_since_analyze DESC`;

/**
 * Deletes expired rows on a schedule, in slices of `sliceSize` so no long lock is held (inbox rows,
 * idempotency keys…). Several instances may prune at once; the deletes are idempotent.
 *
 * And where the PostgreSQL server runs with `autovacuum = off` (this project's CI machines do), it does
 * autovacuum's job for the service's own tables: nothing else removes dead rows there, so the outbox's
 * index of unpublished rows keeps an entry for every row ever published and each relay poll visits them
 * all (20 ms a poll over 32,000 published rows on the development machine, a third of the database's
 * statement time in the saga bench), while every status change bloats the tables it updates. Every
 * `vacuumIntervalMs` (10 s) it vacuums and analyzes the tables whose dead rows, or rows changed since the
 * last analyze, exceed 1,000 and a tenth of their live rows (SKIP_LOCKED: an instance already vacuuming
 * one is not waited for). The second kind matters as much: a table that only grows (payments) was never
 * analyzed, the planner kept believing it empty, and read all of it on every chunk (a hashed EXISTS over a
 * sequential scan: 12 ms a call at 33,000 payments, where an index lookup per order takes 0.02 ms).
 */
export class Pruner {
  private first: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private vacuumTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private vacuuming: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(
    private readonly db: SqlExecutor,
    private readonly rules: readonly PruneRule[],
    logger: Logger,
    private readonly opts: { intervalMs?: number; sliceSize?: number; vacuumIntervalMs?: number } = {},
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
    void this.startVacuuming();
  }

  private async startVacuuming(): Promise<void> {
    try {
      if (!(await this.autovacuumOff())) return;
    } catch (err) {
      this.log.warn({ err }, 'cannot read the server setting autovacuum; not vacuuming');
      return;
    }
    const every = this.opts.vacuumIntervalMs ?? 10_000;
    this.log.info(
      { everyMs: every },
      'autovacuum is off on this PostgreSQL server: this service vacuums its own tables with many dead rows',
    );
    this.vacuumTimer = setInterval(() => {
      this.vacuuming ??= this.vacuumOnce()
        .then(() => undefined)
        .catch((err: unknown) => this.log.warn({ err }, 'vacuuming failed; trying again next time'))
        .finally(() => (this.vacuuming = undefined));
    }, every);
    this.vacuumTimer.unref();
  }

  /** Whether the server runs without autovacuum (so the service vacuums its tables itself). */
  async autovacuumOff(): Promise<boolean> {
    const rows = await this.db.$queryRawUnsafe<{ on: boolean }[]>(
      `SELECT current_setting('autovacuum') = 'on' AS on`,
    );
    return rows[0]?.on === false;
  }

  /** Vacuums and analyzes the tables with many dead or newly changed rows now; returns them with their dead-row counts. */
  async vacuumOnce(): Promise<Record<string, number>> {
    const tables = await this.db.$queryRawUnsafe<{ table: string; dead: number }[]>(
      DEAD_TABLES,
      DEAD_ROWS_MIN,
    );
    const done: Record<string, number> = {};
    for (const { table, dead } of tables) {
      if (!IDENTIFIER.test(table)) continue;
      const started = performance.now();
      await this.db.$executeRawUnsafe(`VACUUM (ANALYZE, SKIP_LOCKED) "${table}"`);
      done[table] = dead;
      this.log.debug({ table, dead, ms: Math.round(performance.now() - started) }, 'vacuumed');
    }
    return done;
  }

  /** Stops the schedule and waits for a prune or vacuum in progress. */
  async stop(): Promise<void> {
    clearTimeout(this.first);
    clearInterval(this.timer);
    clearInterval(this.vacuumTimer);
    await this.running;
    await this.vacuuming;
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
