// The stack's fixed layout: versions, ports, and where downloads, data and logs live. The only
// module of the stack that reads process.env.
import path from 'node:path';
import {
  POSTGRES_URL_VARIABLE,
  postgresDatabaseUrl,
  postgresServer,
  type PostgresServer,
} from '@orderflow/platform/postgres';
import { StackError } from './errors';

/** Components the stack starts itself (JVM processes) with one broker, in start order. */
export const JVM_COMPONENTS = ['zookeeper', 'kafka', 'registry'] as const;
/** What a JVM component is: ZooKeeper, one Kafka broker, or the registry. */
export type JvmKind = (typeof JVM_COMPONENTS)[number];
/** A Kafka broker: `kafka` is broker 0 (the only one by default), `kafka-1`, `kafka-2`… the others. */
export type BrokerComponent = 'kafka' | `kafka-${number}`;
/** A JVM component of the local stack. */
export type JvmComponent = 'zookeeper' | 'registry' | BrokerComponent;
/** The most brokers `up --brokers` starts (each is a JVM with its own heap). */
export const MAX_BROKERS = 5;
/** Machine services the stack uses, and starts only when they are installed but stopped. */
export const MACHINE_SERVICES = ['postgres', 'redis'] as const;
/** A machine service (PostgreSQL, Redis). */
export type MachineService = (typeof MACHINE_SERVICES)[number];
/** Anything `status` and `logs` can name. */
export type Component = JvmComponent | MachineService;

/** The stack's resolved configuration. */
export interface StackConfig {
  readonly repoRoot: string;
  readonly stackDir: string;
  readonly libDir: string;
  readonly apicurioDir: string;
  readonly confDir: string;
  readonly dataDir: string;
  readonly logDir: string;
  readonly pidDir: string;
  readonly pom: string;
  readonly topicsFile: string;
  readonly java: string;
  /** ORDERFLOW_REGISTRY_JAVA_HOME's java, when set (Apicurio needs Java 21+). */
  readonly registryJava: string | undefined;
  readonly mvn: string;
  readonly kafkaVersion: string;
  readonly apicurioVersion: string;
  /** Ports of ZooKeeper, the registry, PostgreSQL, Redis and broker 0; broker i listens on `ports.kafka + i`. */
  readonly ports: Readonly<Record<JvmKind | MachineService, number>>;
  /** How many Kafka brokers (1 by default; `up --brokers 3` records 3 in `<stackDir>/cluster.json`). */
  readonly brokers: number;
  /** Apicurio's Quarkus management interface (health, metrics). */
  readonly registryManagementPort: number;
  readonly heap: Readonly<Record<JvmKind, string>>;
  readonly databases: readonly string[];
  readonly registryDatabase: string;
  /** The PostgreSQL server (ORDERFLOW_POSTGRES_URL, its port moved by ORDERFLOW_STACK_PORTS): where, and as whom. */
  readonly postgres: { readonly host: string; readonly user: string; readonly password: string };
  /** That server's URL without a database. */
  readonly postgresServerUrl: string;
  /** Its maintenance database `postgres`, where the stack creates the services' databases. */
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly readyTimeoutMs: Readonly<Record<JvmKind, number>>;
  /** Kafka's zookeeper.session.timeout.ms: how long a SIGKILLed broker's registration outlives it. */
  readonly zookeeperSessionTimeoutMs: number;
}

const repoRoot = path.resolve(__dirname, '..', '..');

/** Ports `ORDERFLOW_STACK_PORTS` may move (an isolated second stack, e.g. for the lifecycle test). */
export type PortName = JvmKind | MachineService | 'registryManagement';
const PORT_NAMES: readonly PortName[] = [
  'zookeeper',
  'kafka',
  'registry',
  'registryManagement',
  'postgres',
  'redis',
];

/** Parses `name=port,name=port` (e.g. `kafka=19092,zookeeper=12181`); throws naming the bad entry. */
export function parsePortOverrides(text: string): Partial<Record<PortName, number>> {
  const out: Partial<Record<PortName, number>> = {};
  for (const entry of text
    .split(',')
    .map((e) => e.trim())
    .filter((e) => e !== '')) {
    const [name, value] = entry.split('=').map((p) => p.trim());
    if (name === undefined || !(PORT_NAMES as readonly string[]).includes(name))
      throw new StackError(
        'BAD_CONFIG',
        `ORDERFLOW_STACK_PORTS: unknown port name in "${entry}"; use ${PORT_NAMES.join(', ')}`,
      );
    const port = Number(value);
    if (!Number.isInteger(port) || port < 1 || port > 65535)
      throw new StackError('BAD_CONFIG', `ORDERFLOW_STACK_PORTS: "${entry}" needs a port number 1-65535`);
    out[name as PortName] = port;
  }
  return out;
}

/** Where the registry stores its schemas in PostgreSQL: a JDBC URL on the configured server, and as whom. */
export function registryDatabaseTarget(config: StackConfig): {
  jdbcUrl: string;
  username: string;
  password: string;
} {
  const { host, user, password } = config.postgres;
  return {
    jdbcUrl: `jdbc:postgresql://${host.includes(':') ? `[${host}]` : host}:${config.ports.postgres}/${config.registryDatabase}`,
    username: user,
    password,
  };
}

/** A server URL with its port replaced. */
function withPort(serverUrl: string, port: number): string {
  const url = new URL(serverUrl);
  url.port = String(port);
  return url.toString().replace(/\/+$/, '');
}

/** Builds the configuration from the repository layout and the environment: JAVA_HOME, ORDERFLOW_REGISTRY_JAVA_HOME,
 * ORDERFLOW_STACK_DIR, ORDERFLOW_STACK_CACHE_DIR, ORDERFLOW_STACK_PORTS, ORDERFLOW_REGISTRY_DATABASE, ORDERFLOW_POSTGRES_URL. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stackDir = path.resolve(env['ORDERFLOW_STACK_DIR'] ?? path.join(repoRoot, '.stack'));
  const cacheDir = path.resolve(env['ORDERFLOW_STACK_CACHE_DIR'] ?? stackDir);
  const javaHome = env['JAVA_HOME'];
  const registryJavaHome = env['ORDERFLOW_REGISTRY_JAVA_HOME'];
  const o = parsePortOverrides(env['ORDERFLOW_STACK_PORTS'] ?? '');
  // The PostgreSQL server (ORDERFLOW_POSTGRES_URL, default the machine's on 5432): the services and
  // `npm run db` read the same variable, so the stack creates the databases where they will look.
  let postgres: PostgresServer;
  try {
    postgres = postgresServer(env);
  } catch (err) {
    throw new StackError('BAD_CONFIG', (err as Error).message);
  }
  const ports = {
    zookeeper: o.zookeeper ?? 2181,
    kafka: o.kafka ?? 9092,
    registry: o.registry ?? 8081,
    postgres: o.postgres ?? postgres.port,
    redis: o.redis ?? 6379,
  };
  return {
    repoRoot,
    stackDir,
    libDir: path.join(cacheDir, 'lib', 'kafka'),
    apicurioDir: path.join(cacheDir, 'apicurio'),
    confDir: path.join(stackDir, 'conf'),
    dataDir: path.join(stackDir, 'data'),
    logDir: path.join(stackDir, 'logs'),
    pidDir: path.join(stackDir, 'pids'),
    pom: path.join(repoRoot, 'stack', 'pom.xml'),
    topicsFile: path.join(repoRoot, 'schemas', 'topics.json'),
    java: javaHome ? path.join(javaHome, 'bin', 'java') : 'java',
    registryJava: registryJavaHome ? path.join(registryJavaHome, 'bin', 'java') : undefined,
    mvn: 'mvn',
    kafkaVersion: '3.9.1',
    apicurioVersion: '3.3.3',
    ports,
    brokers: 1,
    registryManagementPort: o.registryManagement ?? 8091,
    heap: { zookeeper: '256m', kafka: '512m', registry: '512m' },
    databases: ['orderflow_order', 'orderflow_payment', 'orderflow_inventory', 'orderflow_notification'],
    registryDatabase: env['ORDERFLOW_REGISTRY_DATABASE'] ?? 'orderflow_registry',
    postgres: { host: postgres.host, user: postgres.user, password: postgres.password },
    postgresServerUrl: withPort(postgres.url, ports.postgres),
    postgresUrl: postgresDatabaseUrl('postgres', {
      [POSTGRES_URL_VARIABLE]: withPort(postgres.url, ports.postgres),
    }),
    redisUrl: `redis://127.0.0.1:${ports.redis}`,
    readyTimeoutMs: { zookeeper: 30_000, kafka: 60_000, registry: 90_000 },
    zookeeperSessionTimeoutMs: 18_000,
  };
}

/** The configuration for a cluster of `brokers` brokers; brokers get a smaller heap each (2-core machines). */
export function withBrokers(config: StackConfig, brokers: number): StackConfig {
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > MAX_BROKERS)
    throw new StackError('BAD_USAGE', `--brokers takes a number from 1 to ${MAX_BROKERS}, got ${brokers}`);
  return {
    ...config,
    brokers,
    heap: { ...config.heap, kafka: brokers === 1 ? '512m' : '384m' },
    readyTimeoutMs: { ...config.readyTimeoutMs, kafka: brokers === 1 ? 60_000 : 120_000 },
  };
}

/** The component name of broker `index` (broker 0 keeps the single-broker name `kafka`). */
export function brokerComponent(index: number): BrokerComponent {
  return index === 0 ? 'kafka' : `kafka-${index}`;
}

/** True for `kafka`, `kafka-1`, … */
export function isBroker(component: string): component is BrokerComponent {
  return component === 'kafka' || /^kafka-[1-9]\d*$/.test(component);
}

/** The broker id (0, 1, …) of a broker component. */
export function brokerIndexOf(component: BrokerComponent): number {
  return component === 'kafka' ? 0 : Number(component.slice('kafka-'.length));
}

/** What a component is, for settings shared by all brokers. */
export function kindOf(component: JvmComponent): JvmKind {
  return isBroker(component) ? 'kafka' : component;
}

/** The broker components of this configuration, broker 0 first. */
export function brokerComponents(config: StackConfig): BrokerComponent[] {
  return Array.from({ length: config.brokers }, (_, i) => brokerComponent(i));
}

/** Every JVM component in start order: ZooKeeper, the brokers, the registry. */
export function jvmComponents(config: StackConfig): JvmComponent[] {
  return ['zookeeper', ...brokerComponents(config), 'registry'];
}

/** The port a component listens on (broker i: `ports.kafka + i`). */
export function portOf(config: StackConfig, component: Component): number {
  if (isBroker(component)) return config.ports.kafka + brokerIndexOf(component);
  return config.ports[component];
}

/** The port of broker i's SASL_SSL listener: `ports.kafka + 100 + i` (9192 for broker 0 by default). */
export function tlsPortOf(config: StackConfig, broker: BrokerComponent): number {
  return config.ports.kafka + 100 + brokerIndexOf(broker);
}

/** Every broker's SASL_SSL address (KAFKA_BROKERS for a client that connects with TLS). */
export function kafkaTlsBrokers(config: StackConfig): string[] {
  return brokerComponents(config).map((b) => `localhost:${tlsPortOf(config, b)}`);
}

/** Every broker's client address, what services get as KAFKA_BROKERS. */
export function kafkaBrokers(config: StackConfig): string[] {
  return brokerComponents(config).map((b) => addressOf(config, b));
}

/** The address clients use for a component. */
export function addressOf(config: StackConfig, component: Component): string {
  const port = portOf(config, component);
  if (isBroker(component)) return `localhost:${port}`;
  switch (component) {
    case 'zookeeper':
      return `127.0.0.1:${port}`;
    case 'registry':
      return `http://localhost:${port}/apis/ccompat/v7`;
    case 'postgres':
      return withPort(config.postgresServerUrl, port);
    case 'redis':
      return `redis://127.0.0.1:${port}`;
  }
}

/** The log file of a component the stack runs (machine services log elsewhere). */
export function logFileOf(config: StackConfig, component: Component): string {
  return path.join(config.logDir, `${component}.log`);
}

/** Settings of the one-shot `init` container (docker-compose): where Kafka is. */
export interface InitConfig {
  readonly kafkaBrokers: string[];
  readonly topicsFile: string;
}

/** Reads KAFKA_BROKERS (default localhost:9092) for `stack/src/init.ts`. */
export function loadInitConfig(env: NodeJS.ProcessEnv = process.env): InitConfig {
  const raw = env['KAFKA_BROKERS'] ?? 'localhost:9092';
  const kafkaBrokers = raw
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (kafkaBrokers.length === 0 || kafkaBrokers.some((b) => !/^[^\s:]+:\d+$/.test(b)))
    throw new Error(`KAFKA_BROKERS must be host:port[,host:port…], got ${JSON.stringify(raw)}`);
  return { kafkaBrokers, topicsFile: path.join(repoRoot, 'schemas', 'topics.json') };
}
