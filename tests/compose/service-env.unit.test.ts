// Every setting a service reads, checked against what docker-compose.yml gives it: the service's own
// config loader (the only code that reads its environment) runs on the compose environment, recording
// every variable it looks at. Nothing is listed by hand: a new setting is checked as soon as it exists.
import path from 'node:path';
import { loadInventoryConfig } from '@orderflow/inventory-service/config';
import { loadNotificationConfig } from '@orderflow/notification-service/config';
import { loadOrderConfig } from '@orderflow/order-service/config';
import { loadPaymentConfig } from '@orderflow/payment-service/config';
import { platformSettings } from '@orderflow/platform';
import { APPS, durationMs, env, repoFile, root, service } from './compose-file';

type Env = Readonly<Record<string, string | undefined>>;
const LOADERS: Record<keyof typeof APPS, (env: Env) => Record<string, unknown>> = {
  order: loadOrderConfig,
  payment: loadPaymentConfig,
  inventory: loadInventoryConfig,
  notification: loadNotificationConfig,
};

/** Runs `load` on `vars`, returning its result and every variable it read. */
function recording(load: (env: Env) => Record<string, unknown>, vars: Record<string, string>) {
  const read = new Set<string>();
  const proxy = new Proxy(vars, {
    get(target, key) {
      if (typeof key === 'string') read.add(key);
      return typeof key === 'string' && Object.hasOwn(target, key) ? target[key] : undefined;
    },
  });
  return { config: load(proxy), read };
}

/** What the final stage of the Dockerfile copies into /app (a path under one of these exists in the image). */
const SHIPPED = (
  repoFile('Dockerfile')
    .split(/^FROM /m)
    .at(-1) ?? ''
)
  .split('\n')
  .flatMap((line) => /^COPY --from=build \S+ (\S+)$/.exec(line)?.[1] ?? [])
  .filter((dest) => dest !== './');

/**
 * A value only right on a developer machine: this machine's addresses, or a path inside the checkout that
 * the image does not ship (schemas/ resolved from the code, e.g. the OpenAPI document, is there too).
 */
function machineLocal(value: unknown): boolean {
  const text = JSON.stringify(value) ?? '';
  if (/\blocalhost\b|127\.0\.0\.1|\[::1\]/.test(text)) return true;
  const inCheckout = [
    ...text.matchAll(new RegExp(`${root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/([^"]*)`, 'g')),
  ];
  return inCheckout.some(([, rel]) => !SHIPPED.some((dest) => (rel ?? '').startsWith(dest)));
}

/** Variables a service's process gets that other code reads: OpenTelemetry's standard ones (its SDK). */
const READ_ELSEWHERE = /^OTEL_/;

describe.each(Object.keys(APPS) as (keyof typeof APPS)[])('service %s in docker-compose.yml', (name) => {
  const composeEnv = env(name);
  const load = LOADERS[name];

  test('starts with the compose environment: its config loads with every required setting', () => {
    expect(() => load(composeEnv)).not.toThrow();
  });

  test('every setting whose default is only right on a developer machine is set by compose', () => {
    // ORDERFLOW_STACK_DIR somewhere empty: the defaults as in a container, without the local stack's files.
    const defaults = recording(load, { ORDERFLOW_STACK_DIR: '/nonexistent' }).config;
    const inCompose = load(composeEnv);
    const local = Object.keys(defaults).filter((key) => machineLocal(defaults[key]));
    expect(local).toEqual(
      expect.arrayContaining(['databaseUrl', 'kafkaBrokers', 'schemaRegistryUrl', 'redisUrl']),
    );
    for (const key of local) {
      if (key === 'authDevDir') {
        // Read only when no key source is set (resolveAuth); compose sets AUTH_JWKS_FILE inside the dev-jwks volume.
        const file = String(inCompose['authJwksFile']);
        expect((service(name).volumes ?? []).some((v) => file.startsWith(`${v.split(':')[1] ?? '-'}/`))).toBe(
          true,
        );
        continue;
      }
      expect({ key, value: inCompose[key], machineLocal: machineLocal(inCompose[key]) }).toEqual({
        key,
        value: inCompose[key],
        machineLocal: false,
      });
    }
    // Kafka credentials from the environment, not the local stack's file (which the image does not have).
    expect(inCompose['kafkaSecurity']).toMatchObject({ source: 'environment', principal: name });
  });

  test('every variable compose sets is one the service reads (no typo goes unnoticed)', () => {
    const { read } = recording(load, composeEnv);
    const unread = Object.keys(composeEnv).filter((v) => !read.has(v) && !READ_ELSEWHERE.test(v));
    expect(unread).toEqual([]);
  });

  test('the service has longer to stop than its drain (SHUTDOWN_TIMEOUT_MS) before Docker kills it', () => {
    const drainMs = load(composeEnv)['shutdownTimeoutMs'] as number;
    expect(drainMs).toBe(platformSettings(name, 1).shutdownTimeoutMs.read(composeEnv));
    const grace = service(name).stop_grace_period;
    expect(grace).toBeDefined();
    // A margin for closing the clients after the drain, and the process' exit.
    expect(durationMs(grace!)).toBeGreaterThanOrEqual(drainMs + 5_000);
  });
});

test('the console runs from the same image with the services’ Kafka, registry, auth and database settings', () => {
  const consoleEnv = env('console');
  expect(service('console').command).toEqual([
    'node',
    '--enable-source-maps',
    'services/console/dist/main.js',
  ]);
  expect(service('console').image).toBe(service('order').image);
  expect(consoleEnv['CONSOLE_PORT']).toBe('8005');
  const shared = Object.keys(env('order')).filter(
    (v) =>
      !['PORT', 'DATABASE_URL', 'KAFKA_SASL_USERNAME', 'KAFKA_SASL_PASSWORD', 'OTEL_SERVICE_NAME'].includes(
        v,
      ),
  );
  for (const v of shared) expect({ v, value: consoleEnv[v] }).toEqual({ v, value: env('order')[v] });
  for (const s of Object.keys(APPS))
    expect(consoleEnv[`${s.toUpperCase()}_DATABASE_URL`]).toBe(env(s)['DATABASE_URL']);
  expect(consoleEnv['KAFKA_SASL_USERNAME']).toBe('console');
  expect(durationMs(service('console').stop_grace_period ?? '')).toBeGreaterThan(15_000);
  expect(path.basename(String(service('console').command?.at(-1)))).toBe('main.js');
});
