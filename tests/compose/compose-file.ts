// docker-compose.yml as `docker compose` reads it, for the compose checks (there is no Docker engine on
// the development machines, so the file is checked by reading it).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

/** The repository root. */
export const root = path.resolve(__dirname, '..', '..');

/** The passwords a user's .env holds; the tests read the file as compose does, with these substituted. */
export const SECRETS = {
  POSTGRES_PASSWORD: 'pg-test-pw',
  REDIS_PASSWORD: 'redis-test-pw',
  KAFKA_ADMIN_PASSWORD: 'kafka-admin-pw',
  KAFKA_ORDER_PASSWORD: 'kafka-order-pw',
  KAFKA_PAYMENT_PASSWORD: 'kafka-payment-pw',
  KAFKA_INVENTORY_PASSWORD: 'kafka-inventory-pw',
  KAFKA_NOTIFICATION_PASSWORD: 'kafka-notification-pw',
  KAFKA_REGISTRY_PASSWORD: 'kafka-registry-pw',
  KAFKA_UI_PASSWORD: 'kafka-ui-pw',
  KAFKA_CONSOLE_PASSWORD: 'kafka-console-pw',
  GRAFANA_ADMIN_PASSWORD: 'grafana-admin-pw',
} as const;

/**
 * Compose's variable substitution: `$$` → `$`, `${VAR}`, `${VAR:-default}`, and `${VAR:?message}`, which
 * fails (as `docker compose` does) when VAR is unset or empty.
 */
export function interpolate(text: string, vars: Readonly<Record<string, string>>): string {
  return text.replace(
    /\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}/g,
    (whole, name?: string, op?: string, arg?: string) => {
      if (whole === '$$') return '$';
      const value = vars[name ?? ''];
      const set = op?.startsWith(':') ? value !== undefined && value !== '' : value !== undefined;
      if (set) return value ?? '';
      if (op?.endsWith('?')) throw new Error(`required variable ${name} is missing a value: ${arg}`);
      return op?.endsWith('-') ? (arg ?? '') : '';
    },
  );
}

/** docker-compose.yml's text, before substitution. */
export const composeText = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');

export interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; target?: string; args?: Record<string, string> };
  command?: string[] | string;
  entrypoint?: string[] | string;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  volumes?: string[];
  stop_grace_period?: string;
  init?: boolean;
}
export interface Compose {
  services: Record<string, ComposeService>;
}

/** The compose file with the SECRETS substituted and its `<<:` merge keys applied. */
export const compose = parse(interpolate(composeText, SECRETS), { merge: true }) as Compose;
export const services = compose.services;

/** One service of the compose file; throws naming it when it is missing. */
export function service(name: string): ComposeService {
  const s = services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

/** A service's environment as the process sees it (every value a string). */
export function env(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));
}

/** The four saga services and their ports. */
export const APPS = { order: 8001, payment: 8002, inventory: 8003, notification: 8004 } as const;

/** A file of the repository, by its path from the root. */
export function repoFile(relative: string): string {
  return readFileSync(path.join(root, relative), 'utf8');
}

const UNIT_MS: Readonly<Record<string, number>> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

/** A compose duration (`25s`, `1m30s`, `500ms`) in milliseconds. */
export function durationMs(text: string): number {
  if (!/^(\d+(ms|h|m|s))+$/.test(text)) throw new Error(`not a compose duration: ${JSON.stringify(text)}`);
  let total = 0;
  for (const m of text.matchAll(/(\d+)(ms|h|m|s)/g)) total += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? NaN);
  return total;
}
