// `npm run stack -- up [--fresh] | down | status | logs [component] [--follow]`
import { loadConfig } from './config';
import { StackError } from './errors';
import { down, logs, status, up } from './stack';

const USAGE = `usage: npm run stack -- <command>

  up [--fresh]              download (once), start ZooKeeper, Kafka and the schema registry, check
                            PostgreSQL and Redis, create the topics and databases; --fresh wipes
                            Kafka, ZooKeeper and registry data first
  down                      stop what \`up\` started (never the machine's own PostgreSQL/Redis)
  status                    what is up, what is down, where each log is (exit 1 unless all healthy)
  logs [component] [-f]     tail a log: zookeeper | kafka | registry | redis | postgres | mvn`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
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
  const config = loadConfig();
  switch (command) {
    case 'up':
      return up(config, { fresh: flags.has('--fresh') });
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
