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
export function registryCheck(registryUrl: string, fetchImpl: typeof fetch = fetch): ReadinessCheck {
  return {
    name: 'registry',
    check: async () => {
      const res = await fetchImpl(`${registryUrl.replace(/\/$/, '')}/subjects`);
      if (!res.ok) throw new Error(`schema registry answered ${res.status}`);
    },
  };
}
