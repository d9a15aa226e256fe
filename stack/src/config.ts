// The stack's fixed layout: versions, ports, and where downloads, data and logs live. The only
// module of the stack that reads process.env.
import path from 'node:path';
import { StackError } from './errors';

/** Components the stack starts itself (JVM processes), in start order. */
export const JVM_COMPONENTS = ['zookeeper', 'kafka', 'registry'] as const;
/** A JVM component of the local stack. */
export type JvmComponent = (typeof JVM_COMPONENTS)[number];
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
  readonly ports: Readonly<Record<Component, number>>;
  /** Apicurio's Quarkus management interface (health, metrics). */
  readonly registryManagementPort: number;
  readonly heap: Readonly<Record<JvmComponent, string>>;
  readonly databases: readonly string[];
  readonly registryDatabase: string;
  readonly postgresUrl: string;
  readonly redisUrl: string;
  readonly readyTimeoutMs: Readonly<Record<JvmComponent, number>>;
}

const repoRoot = path.resolve(__dirname, '..', '..');

/** Ports `ORDERFLOW_STACK_PORTS` may move (an isolated second stack, e.g. for the lifecycle test). */
export type PortName = Component | 'registryManagement';
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

/** Builds the configuration from the repository layout and the environment: JAVA_HOME, ORDERFLOW_REGISTRY_JAVA_HOME,
 * ORDERFLOW_STACK_DIR, ORDERFLOW_STACK_CACHE_DIR, ORDERFLOW_STACK_PORTS, ORDERFLOW_REGISTRY_DATABASE. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): StackConfig {
  const stackDir = path.resolve(env['ORDERFLOW_STACK_DIR'] ?? path.join(repoRoot, '.stack'));
  const cacheDir = path.resolve(env['ORDERFLOW_STACK_CACHE_DIR'] ?? stackDir);
  const javaHome = env['JAVA_HOME'];
  const registryJavaHome = env['ORDERFLOW_REGISTRY_JAVA_HOME'];
  const o = parsePortOverrides(env['ORDERFLOW_STACK_PORTS'] ?? '');
  const ports = {
    zookeeper: o.zookeeper ?? 2181,
    kafka: o.kafka ?? 9092,
    registry: o.registry ?? 8081,
    postgres: o.postgres ?? 5432,
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
    registryManagementPort: o.registryManagement ?? 8091,
    heap: { zookeeper: '256m', kafka: '512m', registry: '512m' },
    databases: ['orderflow_order', 'orderflow_payment', 'orderflow_inventory', 'orderflow_notification'],
    registryDatabase: env['ORDERFLOW_REGISTRY_DATABASE'] ?? 'orderflow_registry',
    postgresUrl: `postgresql://postgres@127.0.0.1:${ports.postgres}/postgres`,
    redisUrl: `redis://127.0.0.1:${ports.redis}`,
    readyTimeoutMs: { zookeeper: 30_000, kafka: 60_000, registry: 90_000 },
  };
}

/** The address clients use for a component. */
export function addressOf(config: StackConfig, component: Component): string {
  const port = config.ports[component];
  switch (component) {
    case 'zookeeper':
      return `127.0.0.1:${port}`;
    case 'kafka':
      return `localhost:${port}`;
    case 'registry':
      return `http://localhost:${port}/apis/ccompat/v7`;
    case 'postgres':
      return `postgresql://postgres@127.0.0.1:${port}`;
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
