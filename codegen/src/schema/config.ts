// The only place the schema CLI reads the environment.

/** Registry base URL used by `register` when --registry is not given. */
export const DEFAULT_REGISTRY_URL =
  process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';

/** Set by GitHub Actions: `impact` then also prints its findings as `::notice` annotations. */
export const GITHUB_ACTIONS = process.env.GITHUB_ACTIONS === 'true';
