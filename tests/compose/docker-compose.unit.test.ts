import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

// There is no Docker engine on the development machines, so the compose file is checked by reading
// it: the services, ports, health checks, start order and environment it must have.

const root = path.resolve(__dirname, '..', '..');

interface ComposeService {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  command?: string[] | string;
  ports?: string[];
  environment?: Record<string, string | number>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string; retries?: number };
  volumes?: string[];
}
interface Compose {
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), {
  merge: true,
}) as Compose;
const services = compose.services;

function service(name: string): ComposeService {
  const s = services[name];
  if (s === undefined) throw new Error(`docker-compose.yml has no service "${name}"`);
  return s;
}

function env(name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));
}

const INFRA = {
  zookeeper: 2181,
  kafka: 9092,
  'schema-registry': 8081,
  'kafka-ui': 8080,
  postgres: 5432,
  redis: 6379,
} as const;
const APPS = { order: 8001, payment: 8002, inventory: 8003, notification: 8004 } as const;

describe('docker-compose.yml', () => {
  test.each(Object.entries({ ...INFRA, ...APPS }))('%s publishes port %i on the host', (name, port) => {
    expect(service(name).ports).toContain(`${port}:${port}`);
  });

  test('infrastructure uses the Confluent images (ZooKeeper mode), kafbat kafka-ui, postgres and redis', () => {
    expect(service('zookeeper').image).toMatch(/^confluentinc\/cp-zookeeper:7\./);
    expect(service('kafka').image).toMatch(/^confluentinc\/cp-kafka:7\./);
    expect(service('schema-registry').image).toMatch(/^confluentinc\/cp-schema-registry:7\./);
    expect(service('kafka-ui').image).toMatch(/^ghcr\.io\/kafbat\/kafka-ui:/);
    expect(service('postgres').image).toMatch(/^postgres:/);
    expect(service('redis').image).toMatch(/^redis:/);
  });

  test('ZooKeeper listens on 2181 and allows the health check’s four-letter word', () => {
    expect(env('zookeeper')['ZOOKEEPER_CLIENT_PORT']).toBe('2181');
    expect(env('zookeeper')['KAFKA_OPTS']).toContain('4lw.commands.whitelist=ruok');
    expect(JSON.stringify(service('zookeeper').healthcheck?.test)).toContain('ruok');
  });

  test('Kafka runs in ZooKeeper mode with a host listener on 9092 and an in-network one on 29092', () => {
    const k = env('kafka');
    expect(k['KAFKA_ZOOKEEPER_CONNECT']).toBe('zookeeper:2181');
    expect(k['KAFKA_PROCESS_ROLES']).toBeUndefined(); // that would be KRaft
    const listeners = (k['KAFKA_LISTENERS'] ?? '').split(',');
    expect(listeners).toHaveLength(2);
    expect(listeners).toEqual(
      expect.arrayContaining(['INTERNAL://0.0.0.0:29092', 'EXTERNAL://0.0.0.0:9092']),
    );
    expect((k['KAFKA_ADVERTISED_LISTENERS'] ?? '').split(',').sort()).toEqual([
      'EXTERNAL://localhost:9092',
      'INTERNAL://kafka:29092',
    ]);
    expect(k['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']).toBe('INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT');
    expect(k['KAFKA_INTER_BROKER_LISTENER_NAME']).toBe('INTERNAL');
  });

  test('Kafka has the single-broker settings without which groups and transactions hang', () => {
    const k = env('kafka');
    expect(k['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR']).toBe('1');
    expect(k['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']).toBe('1');
    expect(k['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']).toBe('1');
  });

  test('the schema registry stores schemas in Kafka over the in-network listener and listens on 8081', () => {
    const r = env('schema-registry');
    expect(r['SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS']).toBe('PLAINTEXT://kafka:29092');
    expect(r['SCHEMA_REGISTRY_LISTENERS']).toBe('http://0.0.0.0:8081');
    expect(r['SCHEMA_REGISTRY_HOST_NAME']).toBe('schema-registry');
  });

  test('kafka-ui is configured with the cluster and the registry', () => {
    const ui = env('kafka-ui');
    expect(ui['KAFKA_CLUSTERS_0_NAME']).toBeTruthy();
    expect(ui['KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS']).toBe('kafka:29092');
    expect(ui['KAFKA_CLUSTERS_0_SCHEMAREGISTRY']).toBe('http://schema-registry:8081');
  });

  test.each(['zookeeper', 'kafka', 'schema-registry', 'postgres', 'redis'])(
    '%s has a health check',
    (name) => {
      const hc = service(name).healthcheck;
      expect(hc?.test).toBeDefined();
      expect(hc?.retries).toBeGreaterThan(0);
    },
  );

  test('each piece starts only when what it needs is healthy', () => {
    expect(service('kafka').depends_on).toEqual({ zookeeper: { condition: 'service_healthy' } });
    expect(service('schema-registry').depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
    expect(service('kafka-ui').depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
    expect(service('kafka-ui').depends_on?.['schema-registry']).toEqual({ condition: 'service_healthy' });
  });

  describe.each(Object.entries(APPS))('service %s', (name, port) => {
    test('is built from the one Dockerfile with SERVICE naming it', () => {
      const s = service(name);
      expect(s.image).toBeUndefined();
      expect(s.build).toMatchObject({ context: '.', dockerfile: 'Dockerfile', args: { SERVICE: name } });
    });

    test('depends on healthy Kafka, registry, Postgres and Redis', () => {
      const deps = service(name).depends_on ?? {};
      for (const d of ['kafka', 'schema-registry', 'postgres', 'redis'])
        expect(deps[d]).toEqual({ condition: 'service_healthy' });
    });

    test('reaches the infrastructure by its in-network names', () => {
      expect(env(name)).toMatchObject({
        KAFKA_BROKERS: 'kafka:29092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        REDIS_URL: 'redis://redis:6379',
        DATABASE_URL: `postgresql://postgres@postgres:5432/orderflow_${name}`,
        PORT: String(port),
      });
    });

    test('has a health check on its own /health', () => {
      expect(JSON.stringify(service(name).healthcheck?.test)).toContain('/health');
    });
  });

  test('the init service (same image) creates the topics before the services start', () => {
    expect(service('init').build).toMatchObject({ context: '.', dockerfile: 'Dockerfile' });
    const init = [service('init').command ?? []].flat().join(' ');
    // Topics, then migrations, then schema registration, in that order, before any service starts.
    expect(init).toMatch(
      /npx tsx stack\/src\/init\.ts && npm run db -- migrate && npm run schema -- register/,
    );
    for (const name of ['order', 'payment', 'inventory', 'notification']) {
      expect(env('init')[`${name.toUpperCase()}_DATABASE_URL`]).toBe(env(name)['DATABASE_URL']);
    }
    expect(service('init').depends_on?.['postgres']).toEqual({ condition: 'service_healthy' });
    expect(env('init')['KAFKA_BROKERS']).toBe('kafka:29092');
    for (const name of Object.keys(APPS))
      expect(service(name).depends_on?.['init']).toEqual({ condition: 'service_completed_successfully' });
  });
});

describe('postgres init script', () => {
  test('creates exactly the databases the services’ DATABASE_URLs name, and is mounted into initdb.d', () => {
    const mount = (service('postgres').volumes ?? []).find((v) => v.includes('/docker-entrypoint-initdb.d/'));
    expect(mount).toBeDefined();
    const file = path.join(root, (mount ?? '').split(':')[0] ?? '');
    const sql = readFileSync(file, 'utf8');
    const created = [...sql.matchAll(/^CREATE DATABASE (\w+);/gim)].map((m) => m[1]).sort();
    const wanted = Object.keys(APPS)
      .map((name) => /\/(\w+)$/.exec(env(name)['DATABASE_URL'] ?? '')?.[1])
      .sort();
    expect(created).toEqual(wanted);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');

  test('compiles the services and runs services/$SERVICE/dist/main.js with node (no TypeScript loader), SERVICE coming from the build arg', () => {
    expect(dockerfile).toMatch(/^ARG SERVICE/m);
    expect(dockerfile).toMatch(/^ENV SERVICE=\$\{SERVICE\}/m);
    expect(dockerfile).toMatch(/^RUN .*npm run build/m);
    expect(dockerfile).toContain('exec node --enable-source-maps services/$SERVICE/dist/main.js');
    expect(dockerfile).not.toContain('tsx services/');
  });

  test('installs from the lock file', () => {
    expect(dockerfile).toMatch(/RUN npm ci/);
  });

  test('.dockerignore keeps node_modules, the local stack and git out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.stack', '.git']));
  });
});
