// What the saga benchmark reads from the running stack besides its own orders: per-group consumer
// lag, unpublished outbox rows per service database, PostgreSQL's commit and WAL counters, which
// backend serves which database, the services' /metrics, and the durability settings as shipped.
// Every read is one small query or admin call, taken every few seconds.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SERVICES } from '@orderflow/stack';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import pg from 'pg';
import { histogramTotals, type HistogramTotals } from './metrics-text';
import { operatorHeaders } from '../../tests/support/auth';

/** The service databases (platformSettings' default DATABASE_URL: orderflow_<service>). */
export const SERVICE_DATABASES = SERVICES.map((s) => `orderflow_${s.name}`);

/**
 * The consumer groups of the four services: the order service's ORDER_CONSUMER_GROUP default
 * ('order-service', services/order/src/config.ts); the others use their service name
 * (packages/platform/src/service-runtime.ts: `groupId ?? config.serviceName`).
 */
export const SERVICE_GROUPS: Readonly<Record<string, string>> = Object.fromEntries(
  SERVICES.map((s) => [s.name, s.name === 'order' ? 'order-service' : s.name]),
);

/** PostgreSQL counters of one instant. */
export interface PgCounters {
  /** xact_commit per database. */
  commits: Record<string, number>;
  /** pg_current_wal_lsn() as bytes. */
  walBytes: number;
}

/** The benchmark's connections to PostgreSQL: one to `postgres` for server-wide views, one per service database. */
export class PgProbe {
  private readonly server: pg.Client;
  private readonly dbs = new Map<string, pg.Client>();
  /** Backend pids of these connections, so their CPU is the generator's, not the services'. */
  readonly ownBackends = new Set<number>();
  /** Statements this probe ran per database (to subtract from xact_commit). */
  readonly ownQueries = new Map<string, number>();
  /** Backend pid → database (null: a background process) as of the last `backends()`. */
  backendDb = new Map<number, string | null>();

  constructor(private readonly serverUrl: string) {
    this.server = new pg.Client({ connectionString: `${serverUrl}/postgres` });
  }

  async connect(): Promise<void> {
    await this.server.connect();
    for (const db of SERVICE_DATABASES) {
      const c = new pg.Client({ connectionString: `${this.serverUrl}/${db}` });
      await c.connect();
      this.dbs.set(db, c);
    }
    for (const [db, c] of [['postgres', this.server] as const, ...this.dbs]) {
      const r = await this.q(db, c, 'SELECT pg_backend_pid() AS pid');
      this.ownBackends.add(Number((r.rows[0] as { pid: number }).pid));
    }
  }

  private async q(db: string, c: pg.Client, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
    this.ownQueries.set(db, (this.ownQueries.get(db) ?? 0) + 1);
    return c.query(sql, params);
  }

  /** Runs `sql` on service database `db` (counted as the probe's own work). */
  async query<R extends pg.QueryResultRow>(db: string, sql: string, params: unknown[] = []): Promise<R[]> {
    const c = this.dbs.get(db);
    if (!c) throw new Error(`no connection to ${db}`);
    return (await this.q(db, c, sql, params)).rows as R[];
  }

  /** Refreshes which backend serves which database (pg_stat_activity). */
  async backends(): Promise<Map<number, string | null>> {
    const r = await this.q('postgres', this.server, 'SELECT pid, datname FROM pg_stat_activity');
    this.backendDb = new Map(
      (r.rows as { pid: number; datname: string | null }[]).map((x) => [Number(x.pid), x.datname]),
    );
    return this.backendDb;
  }

  /** xact_commit per database and the current WAL position. */
  async counters(): Promise<PgCounters> {
    const r = await this.q(
      'postgres',
      this.server,
      `SELECT datname, xact_commit::float8 AS commits,
              pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::float8 AS wal
         FROM pg_stat_database WHERE datname IS NOT NULL`,
    );
    const rows = r.rows as { datname: string; commits: number; wal: number }[];
    return {
      commits: Object.fromEntries(rows.map((x) => [x.datname, Number(x.commits)])),
      walBytes: Number(rows[0]?.wal ?? 0),
    };
  }

  /** Unpublished outbox rows per service database. */
  async unpublished(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    await Promise.all(
      SERVICE_DATABASES.map(async (db) => {
        const rows = await this.query<{ n: number }>(
          db,
          'SELECT count(*)::int AS n FROM outbox WHERE published_at IS NULL',
        );
        out[db] = Number(rows[0]?.n ?? 0);
      }),
    );
    return out;
  }

  /** PostgreSQL's durability settings (SHOW). */
  async durability(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const name of [
      'fsync',
      'synchronous_commit',
      'full_page_writes',
      'wal_sync_method',
      'server_version',
    ]) {
      const r = await this.q('postgres', this.server, `SHOW ${name}`);
      out[name] = String((r.rows[0] as Record<string, unknown>)[name]);
    }
    return out;
  }

  async close(): Promise<void> {
    await this.server.end().catch(() => undefined);
    for (const c of this.dbs.values()) await c.end().catch(() => undefined);
  }
}

/** Consumer lag per group (sum over its topics' partitions): end offset − committed offset. */
export class LagProbe {
  private readonly topicsOf = new Map<string, string[]>();

  constructor(private readonly admin: Admin) {}

  /** Lag per group; a group's topics are those it has committed offsets for. */
  async lag(groups: readonly string[]): Promise<Record<string, number>> {
    const ends = new Map<string, Map<number, number>>();
    const endOf = async (topic: string): Promise<Map<number, number>> => {
      let m = ends.get(topic);
      if (!m) {
        const offsets = await this.admin.fetchTopicOffsets(topic);
        m = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
        ends.set(topic, m);
      }
      return m;
    };
    const out: Record<string, number> = {};
    for (const groupId of groups) {
      const known = this.topicsOf.get(groupId);
      const committed = await this.admin.fetchOffsets(known ? { groupId, topics: known } : { groupId });
      if (!known)
        this.topicsOf.set(
          groupId,
          committed.map((t) => t.topic).filter((t) => !t.endsWith('.DLT')),
        );
      let lag = 0;
      for (const t of committed) {
        if (t.topic.endsWith('.DLT')) continue;
        const end = await endOf(t.topic);
        for (const p of t.partitions) {
          const c = Number(p.offset);
          const high = end.get(p.partition) ?? 0;
          // -1: nothing committed yet; the group reads from its reset position, so count nothing.
          if (c >= 0) lag += Math.max(0, high - c);
        }
      }
      out[groupId] = lag;
    }
    return out;
  }
}

/** End offsets (sum over partitions) of each topic that exists; missing topics are left out. */
export async function endOffsets(
  admin: Admin,
  topics: readonly string[],
): Promise<Record<string, Map<number, number>>> {
  const out: Record<string, Map<number, number>> = {};
  for (const topic of topics) {
    try {
      const offsets = await admin.fetchTopicOffsets(topic);
      out[topic] = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
    } catch {
      // the topic does not exist (yet): nothing was dead-lettered to it
    }
  }
  return out;
}

/** Keys of the messages in `topic` between `from` (per partition) and its current end; bounded by `timeoutMs`. */
export async function keysSince(
  kafka: Kafka,
  topic: string,
  from: Map<number, number>,
  to: Map<number, number>,
  timeoutMs: number,
): Promise<string[]> {
  const keys: string[] = [];
  const remaining = new Map([...to].filter(([p, end]) => end > (from.get(p) ?? 0)));
  if (remaining.size === 0) return keys;
  const consumer = kafka.consumer({ groupId: `bench-dlt-read-${process.pid}-${Date.now()}` });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const offset = Number(message.offset);
        if (offset >= (from.get(partition) ?? 0) && offset < (to.get(partition) ?? 0))
          keys.push(message.key?.toString() ?? '');
        if (offset >= (to.get(partition) ?? 0) - 1) remaining.delete(partition);
        if (remaining.size === 0) done();
        return Promise.resolve();
      },
    });
    for (const [p, start] of from)
      if (remaining.has(p)) consumer.seek({ topic, partition: p, offset: String(start) });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
  return keys;
}

/** Kafka's durability as shipped: the producer's acks (from the relay's source), min.insync.replicas, replication. */
export async function kafkaDurability(
  admin: Admin,
  root: string,
  topic: string,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const src = readFileSync(path.join(root, 'packages/platform/src/outbox-relay.ts'), 'utf8');
    const m = /acks:\s*(-?\d+)/.exec(src);
    out['producer acks (outbox relay, packages/platform/src/outbox-relay.ts)'] = m
      ? `${m[1]}${m[1] === '-1' ? ' (all in-sync replicas)' : ''}`
      : 'not found in the source';
  } catch {
    out['producer acks'] = 'source not readable';
  }
  try {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configNames: ['min.insync.replicas', 'flush.messages'],
        },
      ],
    });
    for (const e of r.resources[0]?.configEntries ?? [])
      out[`${topic} ${e.configName}`] = `${e.configValue ?? 'null'}${e.isDefault ? ' (default)' : ''}`;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    const replicas = meta.topics[0]?.partitions[0]?.replicas.length;
    out[`${topic} replication factor`] = String(replicas ?? '?');
  } catch (err) {
    out['broker configs'] = `not readable: ${err instanceof Error ? err.message : String(err)}`;
  }
  return out;
}

/** The figures read from the services' /metrics. */
export interface ServiceMetrics {
  /** Per service: messages per consumer transaction (orderflow_consumer_transaction_messages). */
  chunks: Record<string, HistogramTotals>;
  /** Per service: rows per outbox sendBatch (orderflow_outbox_relay_batch_rows). */
  relay: Record<string, HistogramTotals>;
  /** The order service's GET request time (orderflow_http_request_duration_seconds, method GET). */
  orderGets: HistogramTotals;
}

/** Scrapes the four services' /metrics (a service that does not answer counts zero). */
export async function scrapeMetrics(): Promise<ServiceMetrics> {
  const out: ServiceMetrics = { chunks: {}, relay: {}, orderGets: { sum: 0, count: 0 } };
  await Promise.all(
    SERVICES.map(async (s) => {
      const headers = await operatorHeaders();
      const text = await fetch(`http://localhost:${s.port}/metrics`, {
        headers,
        signal: AbortSignal.timeout(5000),
      })
        .then((r) => r.text())
        .catch(() => '');
      // Per transaction, whatever topics it took; a service from before that metric counts its chunks.
      const transactions = histogramTotals(text, 'orderflow_consumer_transaction_messages');
      out.chunks[s.name] =
        transactions.count > 0 ? transactions : histogramTotals(text, 'orderflow_consumer_chunk_messages');
      out.relay[s.name] = histogramTotals(text, 'orderflow_outbox_relay_batch_rows');
      if (s.name === 'order')
        out.orderGets = histogramTotals(text, 'orderflow_http_request_duration_seconds', {
          method: 'GET',
          route: '/orders/:orderId',
        });
    }),
  );
  return out;
}
