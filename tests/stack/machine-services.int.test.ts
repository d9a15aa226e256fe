import Redis from 'ioredis';
import { Client } from 'pg';
import { SERVICES, stackEnv, uniqueName } from './stack-env';

describe('PostgreSQL', () => {
  test.each(SERVICES)(
    'the %s service database exists and answers with its default DATABASE_URL',
    async (service) => {
      const client = new Client({
        connectionString: stackEnv.databaseUrl(service),
        connectionTimeoutMillis: 5000,
      });
      await client.connect();
      try {
        const r = await client.query<{ db: string; one: number }>(
          'select current_database() as db, 1 as one',
        );
        expect(r.rows).toEqual([{ db: `orderflow_${service}`, one: 1 }]);
      } finally {
        await client.end();
      }
    },
  );
});

describe('Redis', () => {
  test('SET then GET through REDIS_URL returns the value', async () => {
    const redis = new Redis(stackEnv.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      const key = uniqueName('stack-test');
      expect(await redis.set(key, 'déjà vu', 'EX', 60)).toBe('OK');
      expect(await redis.get(key)).toBe('déjà vu');
      await redis.del(key);
      expect(await redis.get(key)).toBeNull();
    } finally {
      redis.disconnect();
    }
  });
});
