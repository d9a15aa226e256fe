// `npm start` / `npm stop` / `npm run services -- <command>`: the four services as local processes.
//   start                   Prisma clients + stack up + database migrations + schema registration + services up
//   stop                    services down + stack down
//   up [service...]         start the services that do not answer yet, wait for each /ready
//   down [service...]       stop the services this tool started (SIGTERM, SIGKILL after 20 s)
//   status                  which services answer, which are ready, pids and logs
//   restart <service>       down + up of one service
//   kill <service>          SIGKILL one service (what a crash looks like)
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Progress } from './progress';
import {
  SERVICES,
  isAnswering,
  isReady,
  killService,
  parseServiceName,
  runningRecord,
  serviceLogFile,
  startService,
  stopService,
  waitReady,
  type ServiceName,
} from './services';

const root = path.resolve(__dirname, '..', '..');
const relative = (file: string): string => path.relative(root, file);

function names(args: readonly string[]): ServiceName[] {
  return args.length === 0 ? SERVICES.map((s) => s.name) : args.map(parseServiceName);
}

async function up(list: readonly ServiceName[], progress: Progress): Promise<void> {
  const started: ServiceName[] = [];
  for (const name of list) {
    const booting = runningRecord(name);
    if (booting && !(await isAnswering(name))) {
      progress.info(`• ${name}: already starting (pid ${booting.pid})`);
      continue;
    }
    if (await isAnswering(name)) {
      progress.info(
        `• ${name}: already answering on :${SERVICES.find((s) => s.name === name)?.port}${runningRecord(name) ? '' : ' (not started by this tool; left alone)'}`,
      );
      continue;
    }
    const pid = await startService(name);
    progress.info(`• ${name}: started (pid ${pid}, log ${relative(serviceLogFile(name))})`);
    started.push(name);
  }
  // Started together, waited for one by one: the four boot in parallel.
  for (const name of list) {
    progress.start(`${name} ready`);
    await waitReady(name, { onWait: () => progress.waiting('GET /ready not yet 200') });
    progress.done(`http://localhost:${SERVICES.find((s) => s.name === name)?.port}`);
  }
}

async function down(list: readonly ServiceName[], progress: Progress): Promise<void> {
  for (const name of [...list].reverse()) {
    progress.start(`stop ${name}`);
    const stopped = await stopService(name);
    progress.done(stopped ? 'stopped' : 'was not running (or not started by this tool)');
  }
}

async function status(): Promise<number> {
  let healthy = true;
  console.log('service      | port | state    | pid    | log');
  console.log('-------------|------|----------|--------|-----------------------------');
  for (const { name, port } of SERVICES) {
    const state = (await isReady(name)) ? 'ready' : (await isAnswering(name)) ? 'not ready' : 'down';
    if (state !== 'ready') healthy = false;
    const pid = runningRecord(name)?.pid;
    console.log(
      `${name.padEnd(12)} | ${port} | ${state.padEnd(8)} | ${String(pid ?? '-').padEnd(6)} | ${relative(serviceLogFile(name))}`,
    );
  }
  return healthy ? 0 : 1;
}

function npm(progress: Progress, step: string, args: string[]): void {
  progress.info(`\n==> ${step} (npm ${args.join(' ')})`);
  const r = spawnSync('npm', args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0)
    throw new Error(`${step} failed (npm ${args.join(' ')} exited ${r.status ?? r.signal})`);
}

function banner(progress: Progress): void {
  progress.info(`
Orderflow is running. Send orders to http://localhost:8001/orders, e.g.

  curl -s -X POST http://localhost:8001/orders -H 'content-type: application/json' \\
    -d '{"customer":{"id":"c-1","email":"ada@example.com"},"lines":[{"sku":"SKU-1","quantity":1,"unitPriceMinor":1999}],"currency":"EUR"}'
  curl -s http://localhost:8001/orders/<id>        # status and timeline
  npm run demo                                     # three sample journeys, printed as they happen

services: ${SERVICES.map((s) => `${s.name} :${s.port}`).join(', ')}; logs in .stack/logs/<service>.log
status: npm run services -- status; stop everything: npm stop`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  const progress = new Progress();
  switch (command) {
    case 'start':
      npm(progress, 'Prisma clients', ['run', '--silent', 'db', '--', 'generate', '--if-stale']);
      npm(progress, 'local stack', ['run', '--silent', 'stack', '--', 'up']);
      npm(progress, 'database migrations', ['run', '--silent', 'db', '--', 'migrate']);
      npm(progress, 'schema registration', ['run', '--silent', 'schema', '--', 'register']);
      progress.info('\n==> services');
      await up(names([]), progress);
      banner(progress);
      return 0;
    case 'stop':
      await down(names([]), progress);
      npm(progress, 'local stack', ['run', '--silent', 'stack', '--', 'down']);
      return 0;
    case 'up':
      npm(progress, 'Prisma clients', ['run', '--silent', 'db', '--', 'generate', '--if-stale']);
      await up(names(args), progress);
      return 0;
    case 'down':
      await down(names(args), progress);
      return 0;
    case 'status':
      return status();
    case 'restart': {
      const list = names(args);
      await down(list, progress);
      await up(list, progress);
      return 0;
    }
    case 'kill': {
      for (const name of names(args))
        progress.info(
          `${name}: ${(await killService(name)) ? 'killed (SIGKILL)' : 'was not running (or not started by this tool)'}`,
        );
      return 0;
    }
    default:
      console.error(
        'usage: npm run services -- start | stop | up [service...] | down [service...] | status | restart <service> | kill <service>',
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
