// `npm start` / `npm stop` / `npm run services -- <command>`: the four services as local processes.
//   start [--replicas N] [--brokers N]
//                           Prisma clients + stack up + database migrations + schema registration + services up
//   stop                    services down (every instance) + stack down
//   up [--replicas N] [service...]
//                           start the services (N instances each) that do not answer yet, wait for each /ready
//   down [service...]       stop the services this tool started, every instance (SIGTERM, SIGKILL after 20 s)
//   status                  which services answer, which are ready, pids and logs
//   restart <service>       down + up of one service
//   kill <service>[-k]      SIGKILL one service instance (what a crash looks like): order, order-2…
//   build [service...]      compile services (and the console) to services/<name>/dist/main.js (start does it too)
//   console up|down         the saga console (:8005, CONSOLE_PORT) alone; start and stop include it
//
// Instance i (0-based) of a service listens on its port + 100 × i (order 8001, 8101, 8201…) in the same
// consumer group; its pid file and log are named `<service>-<i+1>` (`order-2`), the first keeps `<service>`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { devJwksDir, devTokenMinter, ensureDevIssuer } from '@orderflow/platform';
import { buildService, compiledEntry } from './build';
import { recordedBrokers } from './cluster';
import { kafkaBrokers, loadConfig, withBrokers } from './config';
import { Progress } from './progress';
import {
  CONSOLE,
  SERVICES,
  instanceName,
  isAnswering,
  isReady,
  killService,
  parseReplicas,
  parseServiceName,
  portOf,
  recordedInstances,
  runningRecord,
  serviceLogFile,
  startService,
  stopService,
  waitReady,
  type ServiceName,
  type ServiceRunOptions,
} from './services';

const root = path.resolve(__dirname, '..', '..');
const relative = (file: string): string => path.relative(root, file);

function names(args: readonly string[]): ServiceName[] {
  return args.length === 0 ? SERVICES.map((s) => s.name) : args.map(parseServiceName);
}

/** `order` → instance 0, `order-2` → instance 1. */
function parseInstance(text: string): { name: ServiceName; instance: number } {
  const m = /^(.+)-(\d+)$/.exec(text);
  if (m !== null && Number(m[2]) >= 2)
    return { name: parseServiceName(m[1] ?? ''), instance: Number(m[2]) - 1 };
  return { name: parseServiceName(text), instance: 0 };
}

/** What the services get: KAFKA_BROKERS naming every broker of the local stack, unless already set. */
function serviceEnv(): Record<string, string> {
  if (process.env['KAFKA_BROKERS']) return {};
  const base = loadConfig();
  return { KAFKA_BROKERS: kafkaBrokers(withBrokers(base, recordedBrokers(base) ?? 1)).join(',') };
}

/** Takes `--name N` / `--name=N` out of `args`. */
function takeOption(args: string[], name: string): string | undefined {
  const i = args.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  const [arg] = args.splice(i, 1);
  if (arg?.includes('=')) return arg.slice(name.length + 1);
  const [value] = args.splice(i, 1);
  return value;
}

/**
 * Database connections per instance when several run: PostgreSQL's default max_connections is 100, and
 * each instance also holds the outbox relay's 3 and its consumer's (partitions at once + 2). Explicit
 * settings win.
 */
function poolEnv(replicas: number): Record<string, string> {
  if (replicas <= 1) return {};
  const out: Record<string, string> = {};
  if (!process.env['DATABASE_POOL_SIZE'])
    out['DATABASE_POOL_SIZE'] = String(Math.max(2, Math.floor(10 / replicas)));
  if (!process.env['ORDER_DATABASE_POOL_SIZE'])
    out['ORDER_DATABASE_POOL_SIZE'] = String(Math.max(2, Math.floor(10 / replicas)));
  if (!process.env['ORDER_WRITE_POOL_SIZE'])
    out['ORDER_WRITE_POOL_SIZE'] = String(Math.max(2, Math.floor(8 / replicas)));
  return out;
}

async function up(list: readonly ServiceName[], replicas: number, progress: Progress): Promise<void> {
  const env = { ...serviceEnv(), ...poolEnv(replicas) };
  const instances = list.flatMap((name) =>
    Array.from({ length: replicas }, (_, instance) => ({ name, instance })),
  );
  for (const { name, instance } of instances) {
    const opts: ServiceRunOptions = { instance, env };
    const id = instanceName(name, instance);
    const booting = runningRecord(name, opts);
    if (booting && !(await isAnswering(name, instance))) {
      progress.info(`• ${id}: already starting (pid ${booting.pid})`);
      continue;
    }
    if (await isAnswering(name, instance)) {
      progress.info(
        `• ${id}: already answering on :${portOf(name, instance)}${runningRecord(name, opts) ? '' : ' (not started by this tool; left alone)'}`,
      );
      continue;
    }
    const pid = await startService(name, opts);
    progress.info(
      `• ${id}: started (pid ${pid}, port ${portOf(name, instance)}, log ${relative(serviceLogFile(name, opts))})`,
    );
  }
  // Started together, waited for one by one: they boot in parallel.
  for (const { name, instance } of instances) {
    progress.start(`${instanceName(name, instance)} ready`);
    await waitReady(name, { instance, onWait: () => progress.waiting('GET /ready not yet 200') });
    progress.done(`http://localhost:${portOf(name, instance)}`);
  }
}

/** Starts the console unless it answers already, and waits for its /ready (topics read, registry answering). */
async function consoleUp(progress: Progress): Promise<void> {
  const env = serviceEnv();
  const port = portOf(CONSOLE.name);
  if (await isAnswering(CONSOLE.name)) {
    progress.info(
      `• console: already answering on :${port}${runningRecord(CONSOLE.name) ? '' : ' (not started by this tool; left alone)'}`,
    );
    return;
  }
  if (!runningRecord(CONSOLE.name)) {
    const pid = await startService(CONSOLE.name, { env });
    progress.info(
      `• console: started (pid ${pid}, port ${port}, log ${relative(serviceLogFile(CONSOLE.name))})`,
    );
  }
  progress.start('console ready');
  await waitReady(CONSOLE.name, { onWait: () => progress.waiting('GET /ready not yet 200') });
  progress.done(`http://localhost:${port}`);
}

async function consoleDown(progress: Progress): Promise<void> {
  progress.start('stop console');
  progress.done(
    (await stopService(CONSOLE.name)) ? 'stopped' : 'was not running (or not started by this tool)',
  );
}

async function down(list: readonly ServiceName[], progress: Progress): Promise<void> {
  for (const name of [...list].reverse()) {
    const instances = recordedInstances(name);
    if (instances.length === 0) {
      progress.info(
        `• ${name}: not started by this tool${(await isAnswering(name)) ? ` (something answers on :${portOf(name)}; left alone)` : ''}`,
      );
      continue;
    }
    for (const instance of instances.reverse()) {
      progress.start(`stop ${instanceName(name, instance)}`);
      const stopped = await stopService(name, { instance });
      progress.done(stopped ? 'stopped' : 'was not running');
    }
  }
}

async function status(): Promise<number> {
  let healthy = true;
  console.log('service        | port  | state     | pid    | log');
  console.log('---------------|-------|-----------|--------|-----------------------------');
  for (const { name } of SERVICES) {
    const instances = [...new Set([0, ...recordedInstances(name)])];
    for (const instance of instances) {
      const state = (await isReady(name, instance))
        ? 'ready'
        : (await isAnswering(name, instance))
          ? 'not ready'
          : 'down';
      if (state !== 'ready') healthy = false;
      const pid = runningRecord(name, { instance })?.pid;
      console.log(
        `${instanceName(name, instance).padEnd(14)} | ${String(portOf(name, instance)).padEnd(5)} | ${state.padEnd(9)} | ${String(pid ?? '-').padEnd(6)} | ${relative(serviceLogFile(name, { instance }))}`,
      );
    }
  }
  return healthy ? 0 : 1;
}

function npm(progress: Progress, step: string, args: string[]): void {
  progress.info(`\n==> ${step} (npm ${args.join(' ')})`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`${step} failed (npm ${args.join(' ')} exited ${r.status ?? r.signal})`);
}

async function banner(progress: Progress, replicas: number): Promise<void> {
  const mint = await devTokenMinter(devJwksDir(root, process.env));
  const token = await mint({ subject: 'c-1', ttlSeconds: 12 * 3600 });
  progress.info(`
Orderflow is running. Send orders to http://localhost:8001/orders as customer c-1 with this token
(valid 12 h, from the development issuer; more with: npm run token -- --customer c-2 [--scope admin]):

  TOKEN=${token}
  curl -s -X POST http://localhost:8001/orders -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \\
    -d '{"customer":{"id":"c-1","email":"ada@example.com"},"lines":[{"sku":"SKU-1","quantity":1}],"currency":"EUR"}'   # priced by the catalog
  curl -s -H "authorization: Bearer $TOKEN" http://localhost:8001/orders/<id>   # status and timeline
  npm run demo                                     # three sample journeys, printed as they happen

services: ${SERVICES.map((s) => `${s.name} :${Array.from({ length: replicas }, (_, i) => portOf(s.name, i)).join('/')}`).join(', ')}; logs in .stack/logs/<service>[-<n>].log
console: http://localhost:${portOf(CONSOLE.name)}  (sign in with an admin token: npm run --silent token -- --scope admin)
status: npm run services -- status; stop everything: npm stop`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const progress = new Progress();
  const replicasText = takeOption(args, '--replicas');
  const replicas = replicasText === undefined ? 1 : parseReplicas(replicasText);
  const brokers = takeOption(args, '--brokers');
  if (brokers !== undefined && command !== 'start') throw new Error(`"${command}" does not take --brokers`);
  if (replicasText !== undefined && command !== 'start' && command !== 'up')
    throw new Error(`"${command}" does not take --replicas`);
  switch (command) {
    case 'start':
      if (args.length > 0) throw new Error(`"start" takes no service names (got ${args.join(' ')})`);
      npm(progress, 'Prisma clients', ['run', '--silent', 'db', '--', 'generate', '--if-stale']);
      npm(progress, 'local stack', [
        'run',
        '--silent',
        'stack',
        '--',
        'up',
        ...(brokers === undefined ? [] : ['--brokers', brokers]),
      ]);
      npm(progress, 'database migrations', ['run', '--silent', 'db', '--', 'migrate']);
      npm(progress, 'schema registration', ['run', '--silent', 'schema', '--', 'register']);
      progress.info('\n==> services');
      // The dev key pair exists before any service starts, so all of them trust the same key.
      await ensureDevIssuer(devJwksDir(root, process.env));
      await up(names([]), replicas, progress);
      await consoleUp(progress);
      await banner(progress, replicas);
      return 0;
    case 'stop':
      await consoleDown(progress);
      await down(names([]), progress);
      npm(progress, 'local stack', ['run', '--silent', 'stack', '--', 'down']);
      return 0;
    case 'up':
      npm(progress, 'Prisma clients', ['run', '--silent', 'db', '--', 'generate', '--if-stale']);
      await up(names(args), replicas, progress);
      return 0;
    case 'down':
      await down(names(args), progress);
      return 0;
    case 'status':
      return status();
    case 'build':
      npm(progress, 'Prisma clients', ['run', '--silent', 'db', '--', 'generate', '--if-stale']);
      for (const name of args.length === 0
        ? [...names([]), CONSOLE.name]
        : args.map((a) => (a === CONSOLE.name ? a : parseServiceName(a)))) {
        progress.start(`compile ${name}`);
        const built = await buildService(root, name);
        progress.done(`${compiledEntry(name)}, ${Math.round(built.bytes / 1024)} KiB in ${built.ms} ms`);
      }
      return 0;
    case 'console':
      if (args[0] === 'up' && args.length === 1) await consoleUp(progress);
      else if (args[0] === 'down' && args.length === 1) await consoleDown(progress);
      else throw new Error('usage: npm run services -- console up|down');
      return 0;
    case 'restart': {
      const list = names(args);
      const counts = list.map((name) => Math.max(1, recordedInstances(name).length));
      await down(list, progress);
      for (const [i, name] of list.entries()) await up([name], counts[i] ?? 1, progress);
      return 0;
    }
    case 'kill': {
      const targets =
        args.length === 0 ? names([]).map((name) => ({ name, instance: 0 })) : args.map(parseInstance);
      for (const { name, instance } of targets)
        progress.info(
          `${instanceName(name, instance)}: ${(await killService(name, { instance })) ? 'killed (SIGKILL)' : 'was not running (or not started by this tool)'}`,
        );
      return 0;
    }
    default:
      console.error(
        'usage: npm run services -- start [--replicas N] [--brokers N] | stop | up [--replicas N] [service...] | down [service...] | status | restart <service> | kill <service>[-<n>] | build [service...] | console up|down',
      );
      return command === undefined ? 1 : 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`\nservices: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
