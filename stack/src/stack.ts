// The commands: up, down, status, logs. Orchestration only; the logic lives in the small modules.
import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { recordBrokers } from './cluster';
import {
  addressOf,
  brokerComponents,
  brokerIndexOf,
  isBroker,
  jvmComponents,
  kafkaBrokers,
  kafkaTlsBrokers,
  kindOf,
  logFileOf,
  MACHINE_SERVICES,
  portOf,
  tlsPortOf,
  registryDatabaseTarget,
  type BrokerComponent,
  type Component,
  type JvmComponent,
  type JvmKind,
  type MachineService,
  type StackConfig,
} from './config';
import { StackError } from './errors';
import { ensureBrokerTls } from './tls';
import { apicurioHome, dirMarkerOf, launchSpec, markerOf, type RegistryStorage } from './jvm';
import {
  aclsOf,
  ADMIN_PRINCIPAL,
  adminPasswordOf,
  adminSecurity,
  applyAcls,
  credentialsFileOf,
  ensureCredentials,
  principalsOf,
  readAccessTable,
} from './kafka-auth';
import { staleScramCredentials, storeScramCredentials } from './scram';
import { createTopics, withKafkaAdmin } from './kafka-topics';
import { readLocalCredentials, type KafkaSecurity } from '@orderflow/platform';
import { acquireLock } from './lock';
import { dropDatabase, ensureDatabases, ensurePostgres, ensureRedis, postgresLogFile } from './machine';
import { isRecordAlive, pidExists, PidStore, type PidRecord } from './pid-files';
import { describePortConflict, findPortOwner } from './ports';
import { brokerRegistered, probeKafka, probeRegistry, probeZooKeeper } from './probes';
import { spawnDetached, stopProcess } from './processes';
import { Progress, seconds } from './progress';
import { ensureApicurio, ensureKafkaJars } from './resolve';
import { statusTable, type ComponentStatus } from './table';
import { checkJava, chooseRegistryJava } from './tools';
import { replicationOf } from './properties';
import { readTopicTable } from './topics';
import { waitUntil, type ProbeResult } from './wait';

/** How long each component gets to stop after SIGTERM; Kafka's controlled shutdown takes seconds. */
const STOP_GRACE_MS: Readonly<Record<JvmKind | MachineService, number>> = {
  registry: 15_000,
  kafka: 45_000,
  zookeeper: 15_000,
  postgres: 30_000,
  redis: 10_000,
};

function graceOf(component: Component): number {
  return STOP_GRACE_MS[isBroker(component) ? 'kafka' : component];
}

/** The stack's own Kafka identity (the super user), once `up` made the credentials; PLAINTEXT before. */
function stackSecurity(config: StackConfig): KafkaSecurity | undefined {
  const credentials = readLocalCredentials(credentialsFileOf(config.stackDir));
  return credentials === undefined ? undefined : adminSecurity(credentials);
}

function probeOf(config: StackConfig, component: JvmComponent): () => Promise<ProbeResult> {
  if (isBroker(component))
    return () => probeKafka([addressOf(config, component)], brokerIndexOf(component), stackSecurity(config));
  switch (component) {
    case 'zookeeper':
      return () => probeZooKeeper(config.ports.zookeeper);
    case 'registry':
      return () => probeRegistry(addressOf(config, 'registry'));
  }
}

/** Broker pid files present in the pid folder (a cluster may have been brought up with more brokers). */
function recordedBrokerComponents(config: StackConfig): BrokerComponent[] {
  const names = existsSync(config.pidDir) ? readdirSync(config.pidDir) : [];
  const found = names.map((n) => n.replace(/\.json$/, '')).filter((n): n is BrokerComponent => isBroker(n));
  const all = new Set<BrokerComponent>([...brokerComponents(config), ...found]);
  return [...all].sort((a, b) => brokerIndexOf(a) - brokerIndexOf(b));
}

/** Stop order: the registry, the brokers (highest id first), ZooKeeper last. */
function stopOrder(config: StackConfig): JvmComponent[] {
  return ['registry', ...recordedBrokerComponents(config).reverse(), 'zookeeper'];
}

/** What a log file says from byte `from` on (at most the last 64 KB of it). */
function logSince(file: string, from: number): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(from, size - 65_536);
    if (size <= start) return '';
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A SIGKILLed broker leaves its ephemeral `/brokers/ids/<id>` in ZooKeeper until its session times out
 * (zookeeper.session.timeout.ms, 18 s); a broker started before then exits with NodeExistsException.
 * Waits, with progress, until the registration is gone. Returns how long it waited (0: nothing to wait for).
 */
async function waitForStaleRegistration(
  config: StackConfig,
  broker: BrokerComponent,
  progress: Progress,
): Promise<number> {
  const id = brokerIndexOf(broker);
  const registered = (): Promise<boolean | undefined> =>
    brokerRegistered(config.ports.zookeeper, id).catch(() => undefined);
  if ((await registered()) !== true) return 0;
  progress.start(
    `${broker}: broker ${id} is still registered in ZooKeeper (/brokers/ids/${id}) by a process that died`,
  );
  const timeoutMs = config.zookeeperSessionTimeoutMs + 15_000;
  const outcome = await waitUntil(
    async () =>
      (await registered()) === true
        ? {
            ready: false,
            reason: `waiting for its ZooKeeper session to expire (≤ ${seconds(config.zookeeperSessionTimeoutMs)})`,
          }
        : { ready: true },
    { timeoutMs, intervalMs: 500, onWaiting: (_ms, reason) => progress.waiting(reason) },
  );
  if (!outcome.ready) {
    progress.fail('still registered');
    throw new StackError(
      'NOT_READY',
      `/brokers/ids/${id} is still registered in ZooKeeper (127.0.0.1:${config.ports.zookeeper}) after ${seconds(timeoutMs)}: ` +
        `another broker with id ${id} seems to be running against this ZooKeeper. Stop it, or run \`npm run stack -- down\` where it was started.`,
    );
  }
  progress.done(`its session expired after ${seconds(outcome.elapsedMs)}`);
  return outcome.elapsedMs;
}

async function probeOnce(probe: () => Promise<ProbeResult>): Promise<ProbeResult> {
  try {
    return await probe();
  } catch (err) {
    return { ready: false, reason: err instanceof Error ? err.message : String(err) };
  }
}

/** Options of `up`. */
export interface UpOptions {
  readonly fresh: boolean;
  /** `--brokers N` was given (config.brokers is then N); otherwise the recorded count is used. */
  readonly brokersGiven?: boolean;
  /** The broker count the stack folder recorded at its last `up`, if any. */
  readonly recordedBrokers?: number | undefined;
}

/** Runs `fn` holding the stack folder's lock, so concurrent `up`/`down` runs take turns. */
async function withLock<T>(config: StackConfig, progress: Progress, fn: () => Promise<T>): Promise<T> {
  mkdirSync(config.stackDir, { recursive: true });
  let announced = false;
  const lock = await acquireLock(path.join(config.stackDir, 'stack.lock'), 300_000, (holder) => {
    if (!announced) progress.start(`waiting for another \`npm run stack\` (pid ${holder}) to finish`);
    announced = true;
    progress.waiting('locked');
  }).catch((err: unknown) => {
    throw new StackError('NOT_READY', errorMessage(err));
  });
  if (announced) progress.done();
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

/** `up`: resolve, start, wait, create topics and databases, print the table. Returns the exit code. */
export function up(config: StackConfig, opts: UpOptions, progress = new Progress()): Promise<number> {
  return withLock(config, progress, () => upLocked(config, opts, progress));
}

async function upLocked(config: StackConfig, opts: UpOptions, progress: Progress): Promise<number> {
  const pids = new PidStore(config.pidDir);
  for (const dir of [config.stackDir, config.logDir, config.pidDir, config.confDir, config.dataDir])
    mkdirSync(dir, { recursive: true });

  progress.start('Java');
  const javaMajor = checkJava(config.java);
  const registryJava = chooseRegistryJava(config.registryJava, config.java, javaMajor);
  progress.done(
    `${config.java} (Java ${javaMajor}); registry: ${registryJava.java} (Java ${registryJava.major})`,
  );

  progress.start(`Kafka ${config.kafkaVersion} + ZooKeeper jars`);
  progress.done(`${await ensureKafkaJars(config, progress)}, ${config.libDir}`);
  progress.start(`Apicurio Registry ${config.apicurioVersion}`);
  progress.done(`${await ensureApicurio(config, progress)}, ${apicurioHome(config)}`);

  // One SCRAM principal per service of the topic table, plus the admin (the brokers' super user).
  const access = readAccessTable(config.topicsFile);
  const credentials = ensureCredentials(credentialsFileOf(config.stackDir), principalsOf(access));
  const kafkaAdmin = { user: ADMIN_PRINCIPAL, password: adminPasswordOf(credentials) };
  // A SASL_SSL listener beside the SASL_PLAINTEXT one, so the TLS path a managed Kafka needs runs here too.
  progress.start('TLS material for the brokers (.stack/tls)');
  const brokerTls = await ensureBrokerTls(config);
  progress.done(
    brokerTls.created ? `made a CA and a key store, ${brokerTls.caFile}` : `reused, ${brokerTls.caFile}`,
  );

  const before = opts.recordedBrokers ?? 1;
  if (!opts.fresh && before !== config.brokers && existsSync(path.join(config.dataDir, 'kafka')))
    throw new StackError(
      'BAD_USAGE',
      `this stack's Kafka data was created with ${before} broker(s); its topics' replication cannot change in place. ` +
        `Run \`npm run stack -- up --brokers ${config.brokers} --fresh\` (wipes Kafka data) or \`up --brokers ${before}\`.`,
    );
  if (opts.fresh) {
    progress.start('--fresh: stopping the stack and wiping its data');
    await stopJvmComponents(config, pids, progress);
    rmSync(path.join(config.dataDir, 'zookeeper'), { recursive: true, force: true });
    for (const entry of existsSync(config.dataDir) ? readdirSync(config.dataDir) : [])
      if (isBroker(entry)) rmSync(path.join(config.dataDir, entry), { recursive: true, force: true });
    progress.done();
  }
  recordBrokers(config, config.brokers);

  // Machine services first: the registry stores its schemas in PostgreSQL when it is there.
  const problems: string[] = [];
  let postgresUp = false;
  progress.start('PostgreSQL');
  try {
    const pg = await ensurePostgres(config);
    if (pg.record !== undefined) pids.write(pg.record);
    postgresUp = true;
    progress.done(pg.state === 'started' ? 'started (installed but stopped)' : 'running');
  } catch (err) {
    progress.fail('not available');
    problems.push(errorMessage(err));
  }
  if (postgresUp) {
    progress.start('service databases');
    try {
      // The registry was stopped above; its schemas go with the Kafka data they describe.
      if (opts.fresh) await dropDatabase(config.postgresUrl, config.registryDatabase);
      const created = await ensureDatabases(config.postgresUrl, [
        ...config.databases,
        config.registryDatabase,
      ]);
      progress.done(created.length === 0 ? 'all exist' : `created ${created.join(', ')}`);
    } catch (err) {
      progress.fail('could not create');
      problems.push(`PostgreSQL databases: ${errorMessage(err)}`);
      postgresUp = false;
    }
  }
  progress.start('Redis');
  try {
    const redis = await ensureRedis(config);
    if (redis.record !== undefined) pids.write(redis.record);
    progress.done(redis.state === 'started' ? 'started (installed but stopped)' : 'running');
  } catch (err) {
    progress.fail('not available');
    problems.push(errorMessage(err));
  }

  const storage: RegistryStorage = postgresUp
    ? {
        kind: 'postgres',
        ...registryDatabaseTarget(config),
      }
    : { kind: 'memory' };

  // Fail before starting anything when a port is held by a process that is not ours.
  const running = new Map<JvmComponent, number>();
  for (const component of jvmComponents(config)) {
    const record = pids.read(component);
    if (record !== undefined && isRecordAlive(record)) {
      running.set(component, record.pid);
      continue;
    }
    if (record !== undefined) pids.remove(component);
    const owner = await findPortOwner(portOf(config, component));
    if (owner === undefined) continue;
    const ownerCommand = owner.command ?? '';
    if (
      owner.pid !== undefined &&
      ownerCommand.includes(markerOf(component)) &&
      ownerCommand.includes(dirMarkerOf(config))
    ) {
      // Ours, but its pid file was lost (e.g. .stack/pids deleted): adopt it.
      pids.write({
        component,
        pid: owner.pid,
        marker: markerOf(component),
        startedAt: new Date().toISOString(),
      });
      running.set(component, owner.pid);
      continue;
    }
    throw new StackError('PORT_TAKEN', describePortConflict(component, owner));
  }
  for (const broker of brokerComponents(config)) {
    if (running.has(broker)) continue;
    const owner = await findPortOwner(tlsPortOf(config, broker));
    if (owner !== undefined)
      throw new StackError('PORT_TAKEN', describePortConflict(`${broker} (SASL_SSL listener)`, owner));
  }
  if (!running.has('registry')) {
    const owner = await findPortOwner(config.registryManagementPort);
    if (owner !== undefined)
      throw new StackError('PORT_TAKEN', describePortConflict('registry management interface', owner));
  }

  const pidOf = new Map<JvmComponent, number>(running);
  const launchedAt = new Map<JvmComponent, number>();
  const logOffsetAtLaunch = new Map<JvmComponent, number>();
  const launch = async (component: JvmComponent): Promise<void> => {
    if (pidOf.has(component)) return;
    logOffsetAtLaunch.set(component, logSize(logFileOf(config, component)));
    const spec = launchSpec(config, component, storage, registryJava.java, kafkaAdmin, brokerTls);
    for (const [file, content] of Object.entries(spec.files)) {
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
    const pid = await spawnDetached(spec.command, spec.args, {
      cwd: spec.cwd,
      env: spec.env,
      logFile: logFileOf(config, component),
    });
    pids.write({ component, pid, marker: spec.marker, startedAt: new Date().toISOString() });
    pidOf.set(component, pid);
    launchedAt.set(component, Date.now());
  };
  // The registry needs neither ZooKeeper nor Kafka and is the slowest to boot: launch it alongside them.
  await launch('zookeeper');
  await launch('registry');

  let brokersLaunched = false;
  let principalsStored: Promise<void> = Promise.resolve();
  for (const component of jvmComponents(config)) {
    const log = logFileOf(config, component);
    if (isBroker(component) && !brokersLaunched) {
      // All brokers boot together (after ZooKeeper); each first waits out a dead predecessor's registration.
      brokersLaunched = true;
      // The brokers authenticate each other and every client with SCRAM credentials stored in ZooKeeper. A broker
      // needs the admin's before it starts; the services' are stored while the brokers boot (awaited before the
      // topics), which keeps the five JVM starts of a fresh stack off the critical path.
      progress.start('Kafka principals (SCRAM-SHA-512 in ZooKeeper)');
      const scram = await staleScramCredentials(config, credentials);
      if (scram.stale.includes(ADMIN_PRINCIPAL))
        await storeScramCredentials(config, credentials, [ADMIN_PRINCIPAL]);
      const others = scram.stale.filter((p) => p !== ADMIN_PRINCIPAL);
      progress.done(
        [
          scram.stale.length > 0 ? `storing ${scram.stale.join(', ')}` : '',
          scram.unchanged.length > 0 ? `${scram.unchanged.join(', ')} already there` : '',
        ]
          .filter((p) => p !== '')
          .join('; '),
      );
      principalsStored = storeScramCredentials(config, credentials, others);
      // Reported by the topics step if it fails; never an unhandled rejection meanwhile.
      principalsStored.catch(() => undefined);
      for (const broker of brokerComponents(config)) {
        if (pidOf.has(broker)) continue;
        await waitForStaleRegistration(config, broker, progress);
        await launch(broker);
      }
    }
    await launch(component);
    const timeoutMs = config.readyTimeoutMs[kindOf(component)];
    let outcome: Awaited<ReturnType<typeof waitUntil>>;
    let started: number | undefined;
    // A broker that still lost the race with its dead predecessor's ZooKeeper session (a ZooKeeper
    // started by an older `up` does not answer `dump`) is simply started again once the session is gone.
    for (let attempt = 1; ; attempt++) {
      const pid = pidOf.get(component) ?? 0;
      started = launchedAt.get(component);
      progress.start(
        started === undefined
          ? `${component} (already running, pid ${pid})`
          : `${component}: starting${attempt > 1 ? ` (attempt ${attempt})` : ''}`,
      );
      outcome = await waitUntil(probeOf(config, component), {
        timeoutMs,
        intervalMs: 500,
        onWaiting: (_ms, reason) => progress.waiting(reason),
        abortIf: () => (pidExists(pid) ? undefined : `the process (pid ${pid}) exited`),
      });
      const staleRegistration =
        !outcome.ready &&
        outcome.aborted &&
        started !== undefined &&
        isBroker(component) &&
        /NodeExistsException/.test(logSince(log, logOffsetAtLaunch.get(component) ?? 0));
      const budgetLeft =
        started !== undefined && Date.now() - started < config.zookeeperSessionTimeoutMs + 15_000;
      if (!staleRegistration || attempt >= 5 || !budgetLeft) break;
      progress.fail(
        `exited: /brokers/ids/${brokerIndexOf(component)} is still registered by a broker that died; retrying until its ZooKeeper session (≤ ${seconds(config.zookeeperSessionTimeoutMs)}) expires`,
      );
      pidOf.delete(component);
      await sleep(3000);
      await launch(component);
    }
    if (!outcome.ready) {
      progress.fail(outcome.reason);
      throw new StackError(
        'NOT_READY',
        `${component} did not become ready${outcome.aborted ? `: ${outcome.reason}` : ` within ${seconds(timeoutMs)} (last: ${outcome.reason})`}. ` +
          `Read ${log}.${isBroker(component) ? ' If it mentions a cluster id mismatch or corrupt logs, run `npm run stack -- up --fresh` (wipes Kafka data). If the broker was started before Kafka authentication (SASL/SCRAM) was added, run `npm run stack -- down` then `up`.' : ''}`,
      );
    }
    const since = started === undefined ? '' : `, ${seconds(Date.now() - started)} after launch`;
    progress.done(`ready${since}${outcome.detail === undefined ? '' : `, ${outcome.detail}`}`);
  }

  await principalsStored;
  progress.start('topics');
  const specs = readTopicTable(config.topicsFile);
  const replication = replicationOf(config.brokers);
  const security = adminSecurity(credentials);
  const topics = await createTopics(kafkaBrokers(config), specs, replication, security);
  progress.done(
    `${topics.created.length} created, ${topics.existing.length} already there (${specs.length} incl. DLTs)` +
      (config.brokers > 1
        ? `, replication factor ${replication.factor}, min.insync.replicas ${replication.minInsync}`
        : ''),
  );
  progress.start('ACLs from the topic table');
  const acls = await withKafkaAdmin(kafkaBrokers(config), security, (admin) =>
    applyAcls(admin, aclsOf(access), access.services),
  );
  progress.done(
    `${acls.created} created, ${acls.unchanged} unchanged, ${acls.removed} removed; principals ${principalsOf(access).join(', ')} (credentials: ${credentialsFileOf(config.stackDir)})`,
  );
  for (const m of topics.mismatched) {
    problems.push(
      `topic ${m.topic} has ${m.actual} partitions but the topic table says ${m.expected}; run \`npm run stack -- up --fresh\` to recreate the topics.`,
    );
  }

  const rows = await collectStatus(config, pids);
  progress.info('');
  progress.info(statusTable(rows));
  progress.info('');
  progress.info(
    `registry storage: ${storage.kind === 'postgres' ? `PostgreSQL database ${config.registryDatabase}` : 'in memory (lost on restart)'}`,
  );
  if (config.brokers > 1) progress.info(`KAFKA_BROKERS=${kafkaBrokers(config).join(',')}`);
  progress.info(
    `TLS: SASL_SSL on ${kafkaTlsBrokers(config).join(',')} (KAFKA_SECURITY_PROTOCOL=SASL_SSL KAFKA_SSL_CA_FILE=${brokerTls.caFile})`,
  );
  progress.info(`up in ${seconds(progress.total())}`);
  for (const p of problems) progress.info(`! ${p}`);
  return problems.length === 0 && rows.every((r) => r.healthy) ? 0 : 1;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function stopJvmComponents(config: StackConfig, pids: PidStore, progress: Progress): Promise<void> {
  // Reverse start order: the registry, then Kafka (needs ZooKeeper for a clean shutdown), then ZooKeeper.
  for (const component of stopOrder(config)) {
    const record = pids.read(component);
    if (record === undefined) continue;
    if (isRecordAlive(record)) {
      const how = await stopProcess(record.pid, graceOf(component));
      progress.info(`  ${component} (pid ${record.pid}): ${how}`);
    }
    pids.remove(component);
  }
}

/** `down`: stops what `up` started, in reverse order, and removes the pid files. Returns the exit code. */
export function down(config: StackConfig, progress = new Progress()): Promise<number> {
  return withLock(config, progress, () => downLocked(config, progress));
}

async function downLocked(config: StackConfig, progress: Progress): Promise<number> {
  const pids = new PidStore(config.pidDir);
  let failures = 0;
  const order: Component[] = [...stopOrder(config), ...MACHINE_SERVICES];
  let stoppedAny = false;
  for (const component of order) {
    const record = pids.read(component);
    if (record === undefined) continue;
    stoppedAny = true;
    progress.start(`stopping ${component} (pid ${record.pid})`);
    if (!isRecordAlive(record)) {
      pids.remove(component);
      progress.done('was not running');
      continue;
    }
    if (record.stopCommand !== undefined) {
      const ok = await runStopCommand(record);
      if (!ok) await stopProcess(record.pid, graceOf(component));
    } else {
      const how = await stopProcess(record.pid, graceOf(component));
      if (how === 'killed')
        progress.info(`  ${component} did not stop within ${seconds(graceOf(component))}; killed`);
    }
    if (pidExists(record.pid)) {
      failures++;
      progress.fail(`pid ${record.pid} is still running`);
    } else {
      pids.remove(component);
      progress.done('stopped');
    }
  }
  if (!stoppedAny)
    progress.info(
      'nothing to stop: the stack was not started by `npm run stack -- up` (the machine’s PostgreSQL and Redis are left alone)',
    );
  else progress.info('the machine’s PostgreSQL and Redis were left alone unless `up` started them');
  return failures === 0 ? 0 : 1;
}

function runStopCommand(record: PidRecord): Promise<boolean> {
  const [cmd, ...args] = record.stopCommand ?? [];
  if (cmd === undefined) return Promise.resolve(false);
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: 'ignore' });
    child.once('error', () => resolve(false));
    child.once('exit', (code) => resolve(code === 0));
  });
}

async function probePostgres(config: StackConfig): Promise<ProbeResult> {
  const client = new Client({ connectionString: config.postgresUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const r = await client.query<{ v: string }>('show server_version');
    return { ready: true, detail: `PostgreSQL ${r.rows[0]?.v ?? '?'}` };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function probeRedis(config: StackConfig): Promise<ProbeResult> {
  const redis = new Redis(config.redisUrl, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: 2000,
    retryStrategy: () => null,
  });
  try {
    await redis.connect();
    const pong: string = await redis.ping();
    return pong === 'PONG' ? { ready: true } : { ready: false, reason: `PING answered ${pong}` };
  } finally {
    redis.disconnect();
  }
}

/** Probes every component and describes it for the status table. */
export async function collectStatus(
  config: StackConfig,
  pids = new PidStore(config.pidDir),
): Promise<ComponentStatus[]> {
  const rows: ComponentStatus[] = [];
  const present = recordedBrokerComponents(config);
  const components: JvmComponent[] = ['zookeeper', ...present, 'registry'];
  for (const component of components) {
    const record = pids.read(component);
    const alive = record !== undefined && isRecordAlive(record);
    const probe = await probeOnce(probeOf(config, component));
    const healthy = alive && probe.ready;
    const status = healthy
      ? 'up'
      : alive
        ? `unhealthy (${probe.ready ? 'answering' : probe.reason})`
        : probe.ready
          ? 'answering, but not started by this stack'
          : 'down';
    rows.push({
      component,
      healthy,
      status,
      address: addressOf(config, component),
      pid: alive ? String(record.pid) : '-',
      log: logFileOf(config, component),
    });
  }
  for (const component of MACHINE_SERVICES) {
    const record = pids.read(component);
    const ours = record !== undefined && isRecordAlive(record);
    const probe = await probeOnce(() =>
      component === 'postgres' ? probePostgres(config) : probeRedis(config),
    );
    rows.push({
      component,
      healthy: probe.ready,
      status: probe.ready ? (ours ? 'up (started by stack)' : 'up (machine)') : `down (${probe.reason})`,
      address: addressOf(config, component),
      pid: ours ? String(record.pid) : '-',
      log:
        component === 'postgres'
          ? postgresLogFile(config.ports.postgres)
          : ours
            ? logFileOf(config, component)
            : '(machine log)',
    });
  }
  return rows;
}

/** `status`: prints the table; exit 0 when everything is healthy, 1 otherwise. */
export async function status(
  config: StackConfig,
  out: (line: string) => void = (l) => console.log(l),
): Promise<number> {
  const rows = await collectStatus(config);
  out(statusTable(rows));
  const bad = rows.filter((r) => !r.healthy);
  if (bad.length > 0)
    out(
      `\n${bad.map((r) => r.component).join(', ')} not healthy; start with \`npm run stack -- up\`, read the log named above.`,
    );
  return bad.length === 0 ? 0 : 1;
}

/** `logs [component]`: follows one log (TTY) or prints the tail of one or all logs. */
export function logs(config: StackConfig, component: string | undefined, follow: boolean): Promise<number> {
  const known = [...stopOrder(config).reverse(), 'redis', 'mvn'];
  let files: string[];
  if (component === undefined) {
    files = existsSync(config.logDir)
      ? readdirSync(config.logDir)
          .filter((f) => f.endsWith('.log'))
          .map((f) => path.join(config.logDir, f))
      : [];
  } else if (known.includes(component)) {
    files = [path.join(config.logDir, `${component}.log`)];
  } else if (component === 'postgres') {
    files = [postgresLogFile(config.ports.postgres)];
  } else {
    throw new StackError(
      'BAD_USAGE',
      `unknown component "${component}"; choose one of ${[...known, 'postgres'].join(', ')}`,
    );
  }
  files = files.filter((f) => existsSync(f));
  if (files.length === 0) {
    console.log(`no logs yet under ${config.logDir}; run \`npm run stack -- up\` first`);
    return Promise.resolve(1);
  }
  const args = follow
    ? ['-n', '100', '-F', ...files]
    : ['-n', component === undefined ? '20' : '100', ...files];
  return new Promise((resolve) => {
    const child = spawn('tail', args, { stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code) => resolve(code ?? 0));
  });
}
