// The only place the schema CLI reads the environment.

/** Registry base URL used by `register` when --registry is not given. */
export const DEFAULT_REGISTRY_URL =
  process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';

/** Set by GitHub Actions: `impact` then also prints its findings as `::notice` annotations. */
export const GITHUB_ACTIONS = process.env.GITHUB_ACTIONS === 'true';

/** Brokers `check --sample` reads from (the services' KAFKA_BROKERS; its security is the local stack's admin or KAFKA_SASL_*). */
export const KAFKA_BROKERS = (process.env.KAFKA_BROKERS?.trim() || 'localhost:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b !== '');

/** The environment `check --sample` takes Kafka security from (read through @orderflow/platform). */
export const KAFKA_ENV: Readonly<Record<string, string | undefined>> = process.env;
