import { basicAuthorization } from '@orderflow/codec';
import type { RegistryAuth } from './kafka-security';
import type { Admin } from 'kafkajs';
import type { Redis } from 'ioredis';
import type { ReadinessCheck } from './http';
import type { SqlExecutor } from './sql';

/** /ready check: the service's database answers `SELECT 1`. */
export function databaseCheck(db: SqlExecutor): ReadinessCheck {
  return { name: 'db', check: async () => void (await db.$queryRawUnsafe('SELECT 1 AS ok')) };
}

/** /ready check: Redis answers PING. */
export function redisCheck(redis: Redis): ReadinessCheck {
  return { name: 'redis', check: async () => void (await redis.ping()) };
}

/** /ready check: the Kafka cluster answers a metadata request (admin must be connected). */
export function kafkaCheck(admin: Admin): ReadinessCheck {
  return { name: 'kafka', check: async () => void (await admin.describeCluster()) };
}

/** /ready check: the schema registry answers its subjects list. */
export function registryCheck(
  registryUrl: string,
  auth?: RegistryAuth,
  fetchImpl: typeof fetch = fetch,
): ReadinessCheck {
  const headers: Record<string, string> =
    auth === undefined ? {} : { Authorization: basicAuthorization(auth) };
  return {
    name: 'registry',
    check: async () => {
      const res = await fetchImpl(`${registryUrl.replace(/\/$/, '')}/subjects`, { headers });
      if (!res.ok) throw new Error(`schema registry answered ${res.status}`);
    },
  };
}

/** What the consumer check reads of a ConsumerRunner. */
export interface ConsumerHealth {
  readonly state: { state: string; since: number };
  stalledPartitions(): { topic: string; partition: number; offset: string; since: number; error: string }[];
}

/**
 * /ready check: the consumer is running (not starting, crashed, restarting or stopped), and no partition
 * has waited on a failing message for longer than `stalledMs`.
 */
export function consumerCheck(
  consumer: () => ConsumerHealth | undefined,
  opts: { stalledMs: number },
): ReadinessCheck {
  return {
    name: 'consumer',
    check: () => {
      const c = consumer();
      if (c === undefined) throw new Error('consumer not started');
      const { state, since } = c.state;
      if (state !== 'running')
        throw new Error(`consumer is ${state} (for ${Math.round((Date.now() - since) / 1000)} s)`);
      const stalled = c.stalledPartitions().filter((p) => Date.now() - p.since > opts.stalledMs);
      if (stalled.length > 0) {
        const first = stalled[0]!;
        throw new Error(
          `${stalled.length} partition(s) stalled; ${first.topic}[${first.partition}] at offset ${first.offset} for ` +
            `${Math.round((Date.now() - first.since) / 1000)} s: ${first.error}`,
        );
      }
      return Promise.resolve();
    },
  };
}

/** What the relay check reads of an OutboxRelay. */
export interface RelayHealth {
  health(): { failingSinceMs: number | undefined; lastError: string | undefined };
  oldestUnpublishedAgeSeconds(): Promise<number>;
}

/**
 * /ready check: the outbox relay has not been failing for longer than `failingMs`, and the oldest
 * unpublished outbox row is not older than `maxAgeMs`.
 */
export function relayCheck(
  relay: () => RelayHealth | undefined,
  opts: { failingMs: number; maxAgeMs: number },
): ReadinessCheck {
  return {
    name: 'outbox',
    check: async () => {
      const r = relay();
      if (r === undefined) throw new Error('outbox relay not started');
      const { failingSinceMs, lastError } = r.health();
      if (failingSinceMs !== undefined && Date.now() - failingSinceMs > opts.failingMs)
        throw new Error(
          `outbox relay failing for ${Math.round((Date.now() - failingSinceMs) / 1000)} s: ${lastError ?? 'unknown error'}`,
        );
      const age = await r.oldestUnpublishedAgeSeconds();
      if (age * 1000 > opts.maxAgeMs)
        throw new Error(`oldest unpublished outbox row is ${Math.round(age)} s old`);
    },
  };
}
