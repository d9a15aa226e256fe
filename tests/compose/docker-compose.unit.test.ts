import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  APPS,
  composeText,
  env,
  interpolate,
  root,
  SECRETS,
  service,
  services,
  type Compose,
} from './compose-file';

// There is no Docker engine on the development machines, so the compose file is checked by reading
// it: the services, ports, health checks, start order and environment it must have.

const INFRA = {
  zookeeper: 2181,
  kafka: 9092,
  'schema-registry': 8081,
  'kafka-ui': 8080,
  postgres: 5432,
  redis: 6379,
} as const;

/** What a user opens, each on 127.0.0.1 only: the console, the order API, Grafana, Jaeger, Prometheus, Kafka UI. */
const PUBLISHED = {
  console: 8005,
  order: 8001,
  grafana: 3000,
  jaeger: 16686,
  prometheus: 9090,
  'kafka-ui': 8080,
} as const;

describe('docker-compose.yml exposes nothing by default', () => {
  test.each(Object.entries(PUBLISHED))('%s publishes port %i on 127.0.0.1 only', (name, port) => {
    expect(service(name).ports).toEqual([`127.0.0.1:${port}:${port}`]);
  });

  test.each(Object.keys({ ...INFRA, ...APPS }).filter((name) => !(name in PUBLISHED)))(
    '%s publishes no port',
    (name) => {
      expect(service(name).ports ?? []).toEqual([]);
    },
  );

  test('no service publishes a port on every interface (bare port, 0.0.0.0 or [::])', () => {
    for (const [name, s] of Object.entries(services))
      for (const port of s.ports ?? [])
        expect({ name, port, loopback: /^127\.0\.0\.1:\d+:\d+(\/tcp)?$/.test(String(port)) }).toEqual({
          name,
          port,
          loopback: true,
        });
    expect(composeText).not.toMatch(/expose:|network_mode:\s*host/);
  });

  test('Kafka UI is read-only', () => {
    expect(env('kafka-ui')['KAFKA_CLUSTERS_0_READONLY']).toBe('true');
    expect(env('kafka-ui')['DYNAMIC_CONFIG_ENABLED']).toBe('false');
  });

  test('PostgreSQL requires the password from .env; no trust auth', () => {
    const pg = env('postgres');
    expect(pg['POSTGRES_PASSWORD']).toBe(SECRETS.POSTGRES_PASSWORD);
    expect(pg['POSTGRES_HOST_AUTH_METHOD']).toBeUndefined();
    expect(composeText).not.toMatch(/POSTGRES_HOST_AUTH_METHOD|\btrust\b/i);
  });

  test('Redis requires the password from .env, and its health check authenticates', () => {
    const redis = env('redis');
    expect(redis['REDIS_PASSWORD']).toBe(SECRETS.REDIS_PASSWORD);
    expect(redis['REDISCLI_AUTH']).toBe(SECRETS.REDIS_PASSWORD);
    expect([service('redis').command ?? []].flat().join(' ')).toContain('--requirepass "$REDIS_PASSWORD"');
  });

  test('compose refuses to start while a password is unset or empty, naming it and .env', () => {
    expect(() => interpolate(composeText, { ...SECRETS, POSTGRES_PASSWORD: '' })).toThrow(
      /POSTGRES_PASSWORD.*\.env/,
    );
    const { REDIS_PASSWORD: _unset, ...withoutRedis } = SECRETS;
    expect(() => interpolate(composeText, withoutRedis)).toThrow(/REDIS_PASSWORD.*\.env/);
    expect(() => interpolate(composeText, { ...SECRETS, REDIS_PASSWORD: '' })).toThrow(/REDIS_PASSWORD/);
    for (const name of Object.keys(SECRETS).filter((n) => n.startsWith('KAFKA_')))
      expect(() => interpolate(composeText, { ...SECRETS, [name]: '' })).toThrow(
        new RegExp(`${name}.*\\.env`),
      );
    // Every use of a password is a required one: no `${POSTGRES_PASSWORD}` that would quietly be empty.
    const uses = [...composeText.matchAll(/\$\{(\w+_PASSWORD)([^}]*)\}/g)];
    expect(uses.length).toBeGreaterThan(0);
    for (const [use, , rest] of uses)
      expect({ use, required: rest?.startsWith(':?') }).toEqual({ use, required: true });
  });

  test('.env.example names every password without a value, and .env stays out of git and the image', () => {
    const example = readFileSync(path.join(root, '.env.example'), 'utf8');
    for (const name of Object.keys(SECRETS)) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
    expect(readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    expect(readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n')).toContain('.env');
  });

  test('the opt-in host-access file publishes the infrastructure on 127.0.0.1 only', () => {
    const extra = parse(readFileSync(path.join(root, 'docker-compose.host-access.yml'), 'utf8')) as Compose;
    const ports = Object.values(extra.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });
});

describe('docker-compose.yml', () => {
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
    expect(k['KAFKA_LISTENER_SECURITY_PROTOCOL_MAP']).toBe('INTERNAL:SASL_PLAINTEXT,EXTERNAL:SASL_PLAINTEXT');
    expect(k['KAFKA_INTER_BROKER_LISTENER_NAME']).toBe('INTERNAL');
  });

  test('Kafka authenticates every client with SCRAM-SHA-512 and allows nothing without an ACL; admin is the super user', () => {
    const k = env('kafka');
    expect(k['KAFKA_SASL_ENABLED_MECHANISMS']).toBe('SCRAM-SHA-512');
    expect(k['KAFKA_SASL_MECHANISM_INTER_BROKER_PROTOCOL']).toBe('SCRAM-SHA-512');
    expect(k['KAFKA_AUTHORIZER_CLASS_NAME']).toBe('kafka.security.authorizer.AclAuthorizer');
    expect(k['KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND']).toBe('false');
    expect(k['KAFKA_SUPER_USERS']).toBe('User:admin');
    // The broker's JAAS file is written from the environment at start, not kept in this file.
    expect(k['KAFKA_OPTS']).toContain('-Djava.security.auth.login.config=/tmp/kafka_server_jaas.conf');
    expect([service('kafka').command ?? []].flat().join('\n')).toContain('"$KAFKA_ADMIN_PASSWORD"');
    expect(k['KAFKA_ADMIN_PASSWORD']).toBe(SECRETS.KAFKA_ADMIN_PASSWORD);
    expect(service('kafka').depends_on?.['kafka-users']).toEqual({
      condition: 'service_completed_successfully',
    });
    expect(JSON.stringify(service('kafka').healthcheck?.test)).toContain('--command-config');
  });

  test('kafka-users stores the SCRAM credential of admin, each service, the registry, Kafka UI and the console from .env', () => {
    const script = [service('kafka-users').command ?? []].flat().join('\n');
    const users = [...script.matchAll(/^user ([\w-]+) "\$(\w+)"$/gm)].map((m) => [m[1], m[2]]);
    expect(users).toEqual([
      ['admin', 'KAFKA_ADMIN_PASSWORD'],
      ['order', 'KAFKA_ORDER_PASSWORD'],
      ['payment', 'KAFKA_PAYMENT_PASSWORD'],
      ['inventory', 'KAFKA_INVENTORY_PASSWORD'],
      ['notification', 'KAFKA_NOTIFICATION_PASSWORD'],
      ['schema-registry', 'KAFKA_REGISTRY_PASSWORD'],
      ['kafka-ui', 'KAFKA_UI_PASSWORD'],
      ['console', 'KAFKA_CONSOLE_PASSWORD'],
    ]);
    for (const [, variable] of users)
      expect(env('kafka-users')[variable!]).toBe(SECRETS[variable as keyof typeof SECRETS]);
    // Kafka UI may describe and read, never write, alter or delete.
    const ui = script.split('\n').filter((l) => l.includes('User:kafka-ui'));
    expect(ui.length).toBeGreaterThan(0);
    for (const line of ui) expect(line).not.toMatch(/--operation (All|Write|Alter|Delete|Create)\b/);
    // The console replays dead letters (Write), but never alters, deletes or creates anything.
    const consoleAcls = script.split('\n').filter((l) => l.includes('User:console'));
    expect(consoleAcls.length).toBeGreaterThan(0);
    for (const line of consoleAcls)
      expect(line).not.toMatch(/--operation (All|Alter|AlterConfigs|Delete|Create)\b/);
  });

  test('Kafka has the single-broker settings without which groups and transactions hang', () => {
    const k = env('kafka');
    expect(k['KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR']).toBe('1');
    expect(k['KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR']).toBe('1');
    expect(k['KAFKA_TRANSACTION_STATE_LOG_MIN_ISR']).toBe('1');
  });

  test('the schema registry stores schemas in Kafka over the in-network listener and listens on 8081', () => {
    const r = env('schema-registry');
    expect(r['SCHEMA_REGISTRY_KAFKASTORE_BOOTSTRAP_SERVERS']).toBe('SASL_PLAINTEXT://kafka:29092');
    expect(r['SCHEMA_REGISTRY_KAFKASTORE_SECURITY_PROTOCOL']).toBe('SASL_PLAINTEXT');
    expect(r['SCHEMA_REGISTRY_KAFKASTORE_SASL_JAAS_CONFIG']).toContain(
      `username="schema-registry" password="${SECRETS.KAFKA_REGISTRY_PASSWORD}"`,
    );
    expect(r['SCHEMA_REGISTRY_LISTENERS']).toBe('http://0.0.0.0:8081');
    expect(r['SCHEMA_REGISTRY_HOST_NAME']).toBe('schema-registry');
  });

  test('kafka-ui is configured with the cluster and the registry', () => {
    const ui = env('kafka-ui');
    expect(ui['KAFKA_CLUSTERS_0_NAME']).toBeTruthy();
    expect(ui['KAFKA_CLUSTERS_0_BOOTSTRAPSERVERS']).toBe('kafka:29092');
    expect(ui['KAFKA_CLUSTERS_0_SCHEMAREGISTRY']).toBe('http://schema-registry:8081');
    expect(ui['KAFKA_CLUSTERS_0_PROPERTIES_SECURITY_PROTOCOL']).toBe('SASL_PLAINTEXT');
    expect(ui['KAFKA_CLUSTERS_0_PROPERTIES_SASL_JAAS_CONFIG']).toContain(
      `username="kafka-ui" password="${SECRETS.KAFKA_UI_PASSWORD}"`,
    );
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
    expect(service('kafka').depends_on).toEqual({
      zookeeper: { condition: 'service_healthy' },
      'kafka-users': { condition: 'service_completed_successfully' },
    });
    expect(service('kafka-users').depends_on).toEqual({ zookeeper: { condition: 'service_healthy' } });
    expect(service('schema-registry').depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
    expect(service('kafka-ui').depends_on?.['kafka']).toEqual({ condition: 'service_healthy' });
    expect(service('kafka-ui').depends_on?.['schema-registry']).toEqual({ condition: 'service_healthy' });
  });

  describe.each(Object.entries(APPS))('service %s', (name, port) => {
    test('runs its compiled bundle with node, from the one image built from Dockerfile', () => {
      const s = service(name);
      expect(s.build).toEqual({ context: '.', dockerfile: 'Dockerfile' });
      expect(s.image).toBe(service('order').image);
      expect(s.command).toEqual(['node', '--enable-source-maps', `services/${name}/dist/main.js`]);
    });

    test('depends on healthy Kafka, registry, Postgres and Redis', () => {
      const deps = service(name).depends_on ?? {};
      for (const d of ['kafka', 'schema-registry', 'postgres', 'redis'])
        expect(deps[d]).toEqual({ condition: 'service_healthy' });
    });

    test('reaches the infrastructure by its in-network names, with the passwords', () => {
      expect(env(name)).toMatchObject({
        KAFKA_BROKERS: 'kafka:29092',
        SCHEMA_REGISTRY_URL: 'http://schema-registry:8081',
        REDIS_URL: `redis://:${SECRETS.REDIS_PASSWORD}@redis:6379`,
        DATABASE_URL: `postgresql://postgres:${SECRETS.POSTGRES_PASSWORD}@postgres:5432/orderflow_${name}`,
        PORT: String(port),
      });
    });

    test('authenticates to Kafka as its own principal, with its own password', () => {
      expect(env(name)).toMatchObject({
        KAFKA_SECURITY_PROTOCOL: 'SASL_PLAINTEXT',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: name,
        KAFKA_SASL_PASSWORD: SECRETS[`KAFKA_${name.toUpperCase()}_PASSWORD` as keyof typeof SECRETS],
      });
    });

    test('listens on every interface inside its container (only `ports` decides what the host sees)', () => {
      expect(env(name)['BIND_ADDRESS']).toBe('0.0.0.0');
    });

    test('has a health check on its own /health', () => {
      expect(JSON.stringify(service(name).healthcheck?.test)).toContain('/health');
    });
  });

  test('the init service (the build stage, with its tools) creates the topics before the services start', () => {
    expect(service('init').build).toMatchObject({ context: '.', dockerfile: 'Dockerfile', target: 'build' });
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
    // init creates topics and grants the services' ACLs (stack/src/init.ts) as admin.
    expect(env('init')['KAFKA_SASL_USERNAME']).toBe('admin');
    expect(env('init')['KAFKA_SASL_PASSWORD']).toBe(SECRETS.KAFKA_ADMIN_PASSWORD);
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

  test('compiles the services and runs services/$SERVICE/dist/main.js with node (no TypeScript loader) under tini', () => {
    expect(dockerfile).toMatch(/^ENV SERVICE=order$/m);
    expect(dockerfile).toMatch(/^RUN .*npm run build/m);
    // Every bundle `npm run build` makes reaches the final stage (a new service's, the console's, too).
    expect(dockerfile).toMatch(/for dist in services\/\*\/dist/);
    expect(dockerfile).toMatch(/^COPY --from=build \/bundles\/ \.\/$/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["\/usr\/bin\/tini", "--"\]$/m);
    expect(dockerfile).toContain('exec node --enable-source-maps services/$SERVICE/dist/main.js');
    expect(dockerfile).not.toContain('tsx services/');
  });

  test('generates each Prisma client once: through `npm run build` (turbo: generate:prisma, then build:services), never again', () => {
    const turbo = JSON.parse(readFileSync(path.join(root, 'turbo.json'), 'utf8')) as {
      tasks: Record<string, { dependsOn?: string[] }>;
    };
    const scripts = (
      JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;
    expect(scripts['build']).toBe('turbo run build:services');
    expect(turbo.tasks['//#build:services']?.dependsOn).toContain('//#generate:prisma');
    // turbo's cache is not in the build context, so generate:prisma always runs in the image's build.
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toContain('.turbo');
    const runs = dockerfile.replace(/\\\n/g, ' ').match(/^RUN .*$/gm) ?? [];
    expect(runs.filter((r) => /db -- generate|generate:prisma|prisma generate/.test(r))).toEqual([]);
    expect(runs.filter((r) => r.includes('npm run build'))).toHaveLength(1);
  });

  test('installs from the lock file, never running install scripts', () => {
    const installs = [...dockerfile.matchAll(/^RUN npm ci.*$/gm)].map((m) => m[0]);
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) expect(install).toContain('--ignore-scripts');
  });

  test('builds on Node 24 LTS; the final stage has production dependencies only and runs as a non-root user', () => {
    const bases = [...dockerfile.matchAll(/^ARG NODE_IMAGE=(.+)$/gm)].map((m) => m[1]);
    expect(bases).toEqual([expect.stringMatching(/^node:24\.\d+\.\d+-bookworm-slim$/)]);
    expect(dockerfile).not.toMatch(/^FROM node:/m);
    const stages = dockerfile.split(/^FROM /m).slice(1);
    const final = stages.at(-1) ?? '';
    expect(final).not.toMatch(/ AS /);
    expect(final).not.toMatch(/^RUN npm ci/m);
    expect(final).toMatch(/^COPY --from=runtime-deps /m);
    expect(final).toMatch(/^USER node$/m);
    const deps = stages.find((s) => s.includes('AS runtime-deps')) ?? '';
    expect(deps).toMatch(/^RUN npm ci --omit=dev /m);
    // The last USER of the final stage decides who runs the service.
    expect([...final.matchAll(/^USER (.+)$/gm)].at(-1)?.[1]).toBe('node');
  });

  test('.nvmrc picks Node 24 while package.json still allows the machines’ Node 20.19+', () => {
    expect(readFileSync(path.join(root, '.nvmrc'), 'utf8').trim()).toBe('24');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
      engines: { node: string };
      allowScripts: Record<string, boolean>;
    };
    expect(pkg.engines.node).toBe('>=20.19');
    // Every package with an install script is named, and denied (README "Security" says why each is safe).
    expect(Object.values(pkg.allowScripts).every((allowed) => allowed === false)).toBe(true);
  });

  test('.dockerignore keeps node_modules, the local stack and git out of the build context', () => {
    const ignored = readFileSync(path.join(root, '.dockerignore'), 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['**/node_modules', '.stack', '.git']));
  });
});
