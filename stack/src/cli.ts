// `npm run stack -- up [--fresh] [--brokers N] | down | status | logs [component] [--follow]`
import { recordedBrokers } from './cluster';
import { loadConfig, withBrokers } from './config';
import { StackError } from './errors';
import { down, logs, status, up } from './stack';

const USAGE = `usage: npm run stack -- <command>

  up [--fresh] [--brokers N]
                            download (once), start ZooKeeper, Kafka and the schema registry, check
                            PostgreSQL and Redis, create the topics and databases; --fresh wipes
                            Kafka, ZooKeeper and registry data first; --brokers 3 runs a 3-broker
                            cluster on 9092-9094 (replication 3, min.insync.replicas 2), remembered
                            by later commands (default: what the last up used, else 1)
  down                      stop what \`up\` started (never the machine's own PostgreSQL/Redis)
  status                    what is up, what is down, where each log is (exit 1 unless all healthy)
  logs [component] [-f]     tail a log: zookeeper | kafka | kafka-1… | registry | redis | postgres | mvn`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  let brokers: number | undefined;
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const m = /^--brokers(?:=(.*))?$/.exec(a);
    if (m === null) {
      rest.push(a);
      continue;
    }
    const value = m[1] ?? args[++i];
    if (command !== 'up')
      throw new StackError('BAD_USAGE', `"${command}" does not take --brokers\n\n${USAGE}`);
    if (value === undefined || !/^\d+$/.test(value))
      throw new StackError('BAD_USAGE', `--brokers needs a number, e.g. --brokers 3\n\n${USAGE}`);
    brokers = Number(value);
  }
  const flags = new Set(rest.filter((a) => a.startsWith('-')));
  const positional = rest.filter((a) => !a.startsWith('-'));
  const allowed: Record<string, string[]> = {
    up: ['--fresh'],
    down: [],
    status: [],
    logs: ['-f', '--follow'],
  };
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return command === undefined ? 1 : 0;
  }
  const ok = allowed[command];
  if (ok === undefined) throw new StackError('BAD_USAGE', `unknown command "${command}"\n\n${USAGE}`);
  for (const f of flags)
    if (!ok.includes(f)) throw new StackError('BAD_USAGE', `"${command}" does not take ${f}\n\n${USAGE}`);
  if (positional.length > (command === 'logs' ? 1 : 0))
    throw new StackError('BAD_USAGE', `unexpected argument "${positional.join(' ')}"\n\n${USAGE}`);
  const base = loadConfig();
  const recorded = recordedBrokers(base);
  const config = withBrokers(base, brokers ?? recorded ?? 1);
  switch (command) {
    case 'up':
      return up(config, {
        fresh: flags.has('--fresh'),
        brokersGiven: brokers !== undefined,
        recordedBrokers: recorded,
      });
    case 'down':
      return down(config);
    case 'status':
      return status(config);
    default:
      return logs(config, positional[0], flags.has('-f') || flags.has('--follow'));
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof StackError) console.error(`\nstack: ${err.message}`);
    else console.error('\nstack: unexpected failure (please report it with the output above):', err);
    process.exit(1);
  },
);
