import type { Message } from 'kafkajs';
import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { EventCodec } from './codec';
import type { EventProducer } from './kafka';
import type { Logger } from './logger';
import { asyncGauge, platformMetrics } from './metrics';
import { onOutboxWake } from './outbox';
import { databasePool } from './prisma';
import { backoffDelay, sleep, type BackoffOptions } from './retry';
import {
  endSpan,
  MessagingAttr,
  OrderflowAttr,
  startSendSpan,
  traceparentOf,
  tracingEnabled,
  type Span,
} from './spans';

/** What the relay needs of a topic codec: only rows written before the outbox stored bytes are encoded by it. */
export type OutboxCodec = Pick<EventCodec<never>, 'topic' | 'schema' | 'encode'>;

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  value: Buffer | null;
  payload: unknown;
  headers: Record<string, string>;
}

/** The session advisory lock whose holder is the one relay of a database (any value works; it is this one). */
const RELAY_LOCK = 'orderflow:outbox-relay';

/** Default {@link OutboxRelayOptions.lingerMs}: measured in bench/reports/profile.md, "Stop 15". */
export const DEFAULT_OUTBOX_LINGER_MS = 20;

/** Options of an outbox relay; one per service process (of several instances, one relays at a time). */
export interface OutboxRelayOptions {
  databaseUrl: string;
  /** The service's ManagedProducer (recreated after fatal producer errors), or any kafkajs producer. */
  producer: EventProducer;
  /** A codec per topic this service publishes: encodes rows left by a version that stored JSON. */
  codecs: readonly OutboxCodec[];
  logger: Logger;
  metrics: Registry;
  /** Rows taken per send at most (everything queued, up to this). */
  batchSize?: number;
  /** Published rows are kept this long (what was sent, for audits and tests), then pruned once a minute; default one hour. */
  retainPublishedMs?: number;
  /**
   * Safety poll: rows no wake announced (a sibling instance's, a crashed process's) are found within
   * this; and a standby relay tries for the lead this often.
   */
  pollIntervalMs?: number;
  /**
   * After a send that took everything queued, the next one starts no sooner than this many ms after
   * it: the rows committed meanwhile go in one send (a send costs a read, a produce and a mark whether
   * it carries 2 rows or 20). Default {@link DEFAULT_OUTBOX_LINGER_MS}; 0 sends again as soon as woken.
   */
  lingerMs?: number;
  backoff?: BackoffOptions;
}

/**
 * Publishes committed outbox rows in id order and marks them published, one batch per send, holding
 * no row lock across the send. Of several instances on one database, the one holding a session advisory
 * lock relays and the others stand by, so rows are sent once and in order; when the leader's session
 * ends (crash, lost connection) another takes over at its next poll.
 *
 * Writers wake it in-process after they commit ({@link wakeOutboxRelays}); a short poll picks up the
 * rest. At-least-once: a crash between send and mark republishes the batch, and consumers drop it by
 * eventId (inbox).
 */
export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly codecs: Map<string, OutboxCodec>;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly lingerMs: number;
  private readonly log: Logger;
  private readonly produced;
  private readonly failures;
  private readonly batchRows;
  private failingSinceMs: number | undefined;
  private lastError: string | undefined;
  private leader: pg.PoolClient | undefined;
  /** Ends the idle wait in progress, if any (a plain callback: an AbortController builds a DOMException at every abort, and the relay is woken after every commit that enqueues). */
  private endIdle: (() => void) | undefined;
  private woken = false;
  private readonly stopped = new AbortController();
  private unsubscribe: (() => void) | undefined;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.log = opts.logger.child({ component: 'outbox-relay' });
    // A hung database must fail the relay's calls (and show in /ready), not hang them forever.
    this.pool = databasePool(opts.databaseUrl, {
      // The lead's session, the batches, and a metrics scrape.
      poolSize: 3,
      logger: this.log,
      connectionTimeoutMs: 5_000,
      queryTimeoutMs: 15_000,
    });
    this.codecs = new Map(opts.codecs.map((c) => [c.topic, c]));
    this.batchSize = opts.batchSize ?? 1000;
    this.pollIntervalMs = opts.pollIntervalMs ?? 250;
    this.lingerMs = opts.lingerMs ?? DEFAULT_OUTBOX_LINGER_MS;
    const metrics = platformMetrics(opts.metrics);
    this.produced = metrics.eventsProduced;
    this.failures = metrics.relayFailures;
    this.batchRows = metrics.relayBatchRows;
    asyncGauge(
      opts.metrics,
      'orderflow_outbox_lag_seconds',
      'Age of the oldest unpublished outbox row (0 when none)',
      () => this.oldestUnpublishedAgeSeconds(),
    );
    asyncGauge(opts.metrics, 'orderflow_outbox_pending', 'Unpublished outbox rows', async () => {
      const r = await this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM "outbox" WHERE published_at IS NULL`,
      );
      return r.rows[0]?.n ?? 0;
    });
  }

  /** Starts publishing in the background (as leader, or standing by until the lead is free). */
  start(): Promise<void> {
    this.unsubscribe = onOutboxWake(() => this.wakeUp());
    this.loop = this.run();
    return Promise.resolve();
  }

  /** Since when publishing has been failing (ms since the epoch), and why; undefined while it works. */
  health(): { failingSinceMs: number | undefined; lastError: string | undefined } {
    return { failingSinceMs: this.failingSinceMs, lastError: this.lastError };
  }

  /** Whether this relay holds the lead (the others stand by). */
  get isLeader(): boolean {
    return this.leader !== undefined;
  }

  /** Age in seconds of the oldest unpublished outbox row (0 when none). */
  async oldestUnpublishedAgeSeconds(): Promise<number> {
    const r = await this.pool.query<{ lag: number | null }>(
      `SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS lag FROM "outbox" WHERE published_at IS NULL`,
    );
    return r.rows[0]?.lag ?? 0;
  }

  /** Stops after the batch in flight is sent and marked, and gives up the lead. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.stopped.abort();
    this.wakeUp();
    await this.loop;
    this.stepDown();
    await this.pool.end();
  }

  /** Publishes up to one batch if this relay leads; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    if (!(await this.lead())) return 0;
    // Every commit woken for before this read is in it: only a later one calls for another.
    this.woken = false;
    // In commit order by the row's id: a bare `ORDER BY id` would sort by the output column id::text
    // ("100000" before "99996": a key's later events first) and could not walk the index.
    const { rows } = await this.pool.query<OutboxRow>(
      `SELECT id::text, topic, key, value, CASE WHEN value IS NULL THEN payload END AS payload, headers
       FROM "outbox" WHERE published_at IS NULL ORDER BY "outbox".id LIMIT $1`,
      [this.batchSize],
    );
    if (rows.length === 0) return 0;
    const byTopic = new Map<string, Message[]>();
    // Tracing on: a PRODUCER span per event, a child of the span that wrote the row (its traceparent),
    // and the message carries the send span's own traceparent so its consumers become its children.
    const spans: Span[] = [];
    const tracing = tracingEnabled();
    try {
      for (const row of rows) {
        const messages = byTopic.get(row.topic) ?? [];
        const span = tracing
          ? startSendSpan(row.topic, row.headers.traceparent, {
              [MessagingAttr.kafkaKey]: row.key,
              [OrderflowAttr.outboxRowId]: row.id,
            })
          : undefined;
        if (span !== undefined) spans.push(span);
        messages.push({
          key: row.key,
          value: row.value ?? (await this.encodeLegacy(row)),
          headers: span === undefined ? row.headers : { ...row.headers, traceparent: traceparentOf(span) },
        });
        byTopic.set(row.topic, messages);
      }
      await this.opts.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    } catch (err) {
      for (const span of spans) endSpan(span, err);
      throw err;
    }
    for (const span of spans) endSpan(span);
    // Sent (a crash before this mark resends them, and consumers drop the duplicates).
    await this.pool.query(`UPDATE "outbox" SET published_at = now() WHERE id = ANY($1::bigint[])`, [
      rows.map((r) => r.id),
    ]);
    for (const [topic, messages] of byTopic) this.produced.inc({ topic }, messages.length);
    this.batchRows.observe(rows.length);
    return rows.length;
  }

  /** A row written as Avro JSON (before the outbox stored bytes), encoded by the topic's codec. */
  private async encodeLegacy(row: OutboxRow): Promise<Buffer> {
    const codec = this.codecs.get(row.topic);
    if (!codec)
      throw new Error(
        `outbox row ${row.id} is for topic "${row.topic}", which this relay has no codec for; pass its codec in OutboxRelayOptions.codecs`,
      );
    return codec.encode(codec.schema.fromString(JSON.stringify(row.payload)) as never);
  }

  /** True when this relay holds the lead, taking it when it is free. */
  private async lead(): Promise<boolean> {
    if (this.leader) return true;
    const client = await this.pool.connect();
    let held = false;
    try {
      const r = await client.query<{ held: boolean }>(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS held`,
        [RELAY_LOCK],
      );
      held = r.rows[0]?.held === true;
    } finally {
      if (!held) client.release();
    }
    if (!held) return false;
    // The lock lives as long as this session: a lost connection ends the lead (another relay takes it).
    client.on('error', () => this.stepDown(client));
    this.leader = client;
    this.log.info('leading: this instance publishes the outbox');
    return true;
  }

  private stepDown(client: pg.PoolClient | undefined = this.leader): void {
    if (!client || client !== this.leader) return;
    this.leader = undefined;
    // Destroyed, not returned to the pool: closing the session is what frees the lock.
    client.release(true);
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        const startedAt = Date.now();
        const published = await this.publishBatch();
        if (this.failingSinceMs !== undefined)
          this.log.info({ failedForMs: Date.now() - this.failingSinceMs }, 'outbox relay: publishing again');
        failures = 0;
        this.failingSinceMs = undefined;
        this.lastError = undefined;
        await this.prune();
        // A full batch: more are queued, go again at once. Else wait for a wake (one that came during
        // the send ends the wait at once), then let the next rows gather for the rest of the linger.
        if (published === this.batchSize) continue;
        await this.idle(this.pollIntervalMs);
        const linger = startedAt + this.lingerMs - Date.now();
        if (published > 0 && linger > 0 && !this.stopping) await sleep(linger, this.stopped.signal);
      } catch (err) {
        // A failure may have been the lead's own session: let it go, and take it again if it is free.
        this.stepDown();
        const delay = backoffDelay(failures++, this.opts.backoff ?? { initialMs: 100, maxMs: 5_000 });
        this.failingSinceMs ??= Date.now();
        this.lastError = err instanceof Error ? err.message : String(err);
        this.failures.inc();
        if (failures <= 3 || failures % 20 === 0)
          this.log.error({ err, retryInMs: delay, failures }, 'outbox relay: publishing failed; retrying');
        // Wakes do not cut a backoff short: under load they come constantly.
        await sleep(delay, this.stopped.signal);
      }
    }
  }

  /** Deletes published rows older than the retention, oldest first (they sit at the primary key's low end). */
  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    const retainSeconds = (this.opts.retainPublishedMs ?? 3_600_000) / 1000;
    for (;;) {
      const { rowCount } = await this.pool.query(
        `DELETE FROM "outbox" WHERE id IN (
           SELECT id FROM "outbox" WHERE published_at < now() - make_interval(secs => $1) ORDER BY id LIMIT 5000)`,
        [retainSeconds],
      );
      if ((rowCount ?? 0) < 5000) return;
    }
  }

  private wakeUp(): void {
    this.woken = true;
    this.endIdle?.();
  }

  private async idle(ms: number): Promise<void> {
    // A wake that came while a batch was in flight is not lost: go again at once.
    if (!this.woken)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        this.endIdle = done;
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
      });
    this.endIdle = undefined;
    this.woken = false;
  }
}
