import type { Message } from 'kafkajs';
import pg from 'pg';
import type { Registry } from 'prom-client';
import type { EventCodec } from './codec';

/** What the relay needs of a topic codec (any TopicCodec fits, whatever its event type). */
export type OutboxCodec = Pick<EventCodec<never>, 'topic' | 'schema' | 'encode'>;
import type { EventProducer } from './kafka';
import type { Logger } from './logger';
import { asyncGauge, platformMetrics } from './metrics';
import { OUTBOX_CHANNEL } from './outbox';
import { backoffDelay, sleep, type BackoffOptions } from './retry';

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  payload: unknown;
  headers: Record<string, string>;
}

/** Options of an outbox relay; one per service process (several may run: rows are locked SKIP LOCKED). */
export interface OutboxRelayOptions {
  databaseUrl: string;
  /** The service's ManagedProducer (recreated after fatal producer errors), or any kafkajs producer. */
  producer: EventProducer;
  /** A codec per topic this service publishes; a row of any other topic stops the relay with a clear error. */
  codecs: readonly OutboxCodec[];
  logger: Logger;
  metrics: Registry;
  batchSize?: number;
  /** Published rows older than this are deleted (checked once a minute); default one day. */
  retainPublishedMs?: number;
  /** Safety poll when no NOTIFY arrives (e.g. the listening connection dropped). */
  pollIntervalMs?: number;
  backoff?: BackoffOptions;
}

/**
 * Publishes committed outbox rows in id order, in batches, and marks them published. At-least-once:
 * a crash between send and mark republishes the batch, and consumers drop it by eventId (inbox).
 */
export class OutboxRelay {
  private readonly pool: pg.Pool;
  private readonly codecs: Map<string, OutboxCodec>;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly log: Logger;
  private readonly produced;
  private readonly failures;
  private failingSinceMs: number | undefined;
  private lastError: string | undefined;
  private listener: pg.Client | undefined;
  private wake: AbortController = new AbortController();
  private stopping = false;
  private loop: Promise<void> | undefined;
  private lastPrune = 0;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: 2,
      // A hung database must fail the relay's calls (and show in /ready), not hang them forever.
      connectionTimeoutMillis: 5_000,
      query_timeout: 15_000,
    });
    this.pool.on('error', (err) => this.log.warn({ err }, 'outbox relay: idle database connection failed'));
    this.codecs = new Map(opts.codecs.map((c) => [c.topic, c]));
    this.batchSize = opts.batchSize ?? 200;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.log = opts.logger.child({ component: 'outbox-relay' });
    this.produced = platformMetrics(opts.metrics).eventsProduced;
    this.failures = platformMetrics(opts.metrics).relayFailures;
    // An idle client that loses its connection must not become an unhandled 'error' that kills the process.
    this.pool.on('connect', (client) => {
      client.on('error', (err) => this.log.warn({ err }, 'outbox relay: database connection failed'));
    });
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

  /** Starts listening and publishing in the background. */
  async start(): Promise<void> {
    await this.listen();
    this.loop = this.run();
  }

  /** Since when publishing has been failing (ms since the epoch), and why; undefined while it works. */
  health(): { failingSinceMs: number | undefined; lastError: string | undefined } {
    return { failingSinceMs: this.failingSinceMs, lastError: this.lastError };
  }

  /** Age in seconds of the oldest unpublished outbox row (0 when none). */
  async oldestUnpublishedAgeSeconds(): Promise<number> {
    const r = await this.pool.query<{ lag: number | null }>(
      `SELECT EXTRACT(EPOCH FROM now() - min(created_at))::float8 AS lag FROM "outbox" WHERE published_at IS NULL`,
    );
    return r.rows[0]?.lag ?? 0;
  }

  /** Stops after the batch in flight is sent and marked. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.wake.abort();
    await this.loop;
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  /** Publishes up to one batch; returns how many rows it published. */
  async publishBatch(): Promise<number> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<OutboxRow>(
        `SELECT id::text, topic, key, payload, headers FROM "outbox" WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`,
        [this.batchSize],
      );
      if (rows.length === 0) {
        await client.query('COMMIT');
        return 0;
      }
      const byTopic = new Map<string, Message[]>();
      for (const row of rows) {
        const codec = this.codecs.get(row.topic);
        if (!codec)
          throw new Error(
            `outbox row ${row.id} is for topic "${row.topic}", which this relay has no codec for; pass its codec in OutboxRelayOptions.codecs`,
          );
        // Revived by the same schema that wrote it, so the value is what the codec expects.
        const event = codec.schema.fromString(JSON.stringify(row.payload)) as never;
        const messages = byTopic.get(row.topic) ?? [];
        messages.push({ key: row.key, value: await codec.encode(event), headers: row.headers });
        byTopic.set(row.topic, messages);
      }
      await this.opts.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
      await client.query(`UPDATE "outbox" SET published_at = now() WHERE id = ANY($1::bigint[])`, [
        rows.map((r) => r.id),
      ]);
      await client.query('COMMIT');
      for (const [topic, messages] of byTopic) this.produced.inc({ topic }, messages.length);
      return rows.length;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  private async listen(): Promise<void> {
    const listener = new pg.Client({ connectionString: this.opts.databaseUrl });
    listener.on('notification', () => this.wake.abort());
    listener.on('error', (err) => {
      // Polling carries on; the next turn of the loop re-listens.
      this.log.warn({ err }, 'outbox relay: LISTEN connection lost, polling until it is back');
      if (this.listener === listener) this.listener = undefined;
      listener.end().catch(() => undefined);
    });
    await listener.connect();
    await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
    this.listener = listener;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        if (!this.listener) await this.listen();
        const published = await this.publishBatch();
        if (this.failingSinceMs !== undefined)
          this.log.info({ failedForMs: Date.now() - this.failingSinceMs }, 'outbox relay: publishing again');
        failures = 0;
        this.failingSinceMs = undefined;
        this.lastError = undefined;
        await this.prune();
        // A full batch means more may be waiting: go again at once.
        if (published === this.batchSize) continue;
        await this.idle(this.pollIntervalMs);
      } catch (err) {
        const delay = backoffDelay(failures++, this.opts.backoff ?? { initialMs: 100, maxMs: 5_000 });
        this.failingSinceMs ??= Date.now();
        this.lastError = err instanceof Error ? err.message : String(err);
        this.failures.inc();
        if (failures <= 3 || failures % 20 === 0)
          this.log.error({ err, retryInMs: delay, failures }, 'outbox relay: publishing failed; retrying');
        await this.idle(delay);
      }
    }
  }

  private async prune(): Promise<void> {
    if (Date.now() - this.lastPrune < 60_000) return;
    this.lastPrune = Date.now();
    const retainMs = this.opts.retainPublishedMs ?? 86_400_000;
    await this.pool.query(`DELETE FROM "outbox" WHERE published_at < now() - make_interval(secs => $1)`, [
      retainMs / 1000,
    ]);
  }

  private async idle(ms: number): Promise<void> {
    if (!this.wake.signal.aborted) await sleep(ms, this.wake.signal);
    if (!this.stopping) this.wake = new AbortController();
  }
}
