// The only place the schema CLI reads the environment.

/** Registry base URL used by `register` when --registry is not given. */
export const DEFAULT_REGISTRY_URL =
  process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
