// The project's connection settings as the services read them (shared conventions: KAFKA_BROKERS,
// SCHEMA_REGISTRY_URL, REDIS_URL, DATABASE_URL per service), with the same defaults, so these tests
// prove the stack serves exactly the configuration the services use.
import { randomUUID } from 'node:crypto';
import { serviceDatabaseUrl } from '@orderflow/platform/postgres';

/** The four services, each owning database `orderflow_<service>`. */
export const SERVICES = ['order', 'payment', 'inventory', 'notification'] as const;

/** Connection settings for the stack tests. */
export const stackEnv = {
  kafkaBrokers: (process.env['KAFKA_BROKERS'] ?? 'localhost:9092').split(',').map((b) => b.trim()),
  schemaRegistryUrl: process.env['SCHEMA_REGISTRY_URL'] ?? 'http://localhost:8081/apis/ccompat/v7',
  redisUrl: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  /** A service's DATABASE_URL default; DATABASE_URL itself, when set, is per service and cannot name all four. */
  databaseUrl: (service: (typeof SERVICES)[number]): string => serviceDatabaseUrl(service),
};

/** A name no other test run uses, so runs never see each other's data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}-${Date.now()}`;
}
