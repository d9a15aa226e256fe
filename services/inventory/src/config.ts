// The inventory service's configuration: the only module that reads the environment.
import path from 'node:path';
import { authSettings, bool, int, loadConfig, platformSettings } from '@orderflow/platform';

/** Every setting of the inventory service, with its variable and default. */
export const inventorySettings = {
  ...platformSettings('inventory', 8003),
  ...authSettings(path.resolve(__dirname, '../../..')),
  /** How long GET /inventory/{sku} may serve a cached level; changes invalidate it at once, this bounds a missed invalidation. */
  stockCacheTtlSeconds: int('STOCK_CACHE_TTL_SECONDS', { default: 30, min: 1, max: 86_400 }),
  /** Enables PUT /inventory/{sku} (set stock outright, for tests and demos); default: on unless ORDERFLOW_ENV=production. */
  allowSetStock: bool('INVENTORY_ALLOW_SET_STOCK', { optional: true }),
  /** Seed the documented SKUs at start-up (inserting missing ones only). */
  seedStock: bool('INVENTORY_SEED_STOCK', { default: true }),
};

/** Reads and validates the settings from `env`; throws a ConfigError naming every bad variable. */
export function loadInventoryConfig(env: Readonly<Record<string, string | undefined>>) {
  const raw = loadConfig(inventorySettings, env);
  return { ...raw, allowSetStock: raw.allowSetStock ?? raw.environment !== 'production' };
}

/** The validated configuration of the inventory service. */
export type InventoryConfig = ReturnType<typeof loadInventoryConfig>;

/** The configuration from this process's environment. */
export function configFromEnvironment(): InventoryConfig {
  return loadInventoryConfig(process.env);
}
