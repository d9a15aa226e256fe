// `npm run bench -- <name> [options]`: runs one benchmark and writes its report to bench/reports/.
import path from 'node:path';
import { runCodecBench } from './codec/run';
import { runSagaBench } from './saga/run';

const USAGE = `usage: npm run bench -- <benchmark> [options]
benchmarks:
  codec   generated codec vs JSON vs @kafkajs/confluent-schema-registry, per topic (needs the registry)
          --messages N   events per measured round (default 10000)
          --rounds N     measured rounds, median reported (default 3)
  saga    orders at fixed arrival rates through the four services (needs the stack; starts missing services)
          --rates a,b,c  orders/s, one after another (default 10,50,150,300; stops once one saturates)
          --seconds N    seconds of arrivals per rate (default 20)
          --no-baselines skip the raw kafkajs and plain pg baselines
environment: SCHEMA_REGISTRY_URL (default http://localhost:8081/apis/ccompat/v7)`;

function intFlag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} needs a positive integer, got ${JSON.stringify(args[i + 1])}`);
  return value;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const reportDir = path.join(__dirname, 'reports');
  switch (name) {
    case 'codec': {
      const registryUrl = process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081/apis/ccompat/v7';
      const messages = intFlag(rest, '--messages', 10_000);
      const rounds = intFlag(rest, '--rounds', 3);
      console.log(`codec benchmark: ${messages} events × ${rounds} rounds per topic against ${registryUrl}`);
      const report = await runCodecBench({
        registryUrl,
        messages,
        rounds,
        reportDir,
        log: (l) => console.log(l),
      });
      console.log(
        `report: ${path.relative(process.cwd(), path.join(reportDir, 'codec.md'))} and codec.json (${report.topics.length} topics)`,
      );
      return 0;
    }
    case 'saga': {
      const i = rest.indexOf('--rates');
      const rates = i === -1 ? [10, 50, 150, 300] : (rest[i + 1] ?? '').split(',').map(Number);
      if (rates.length === 0 || rates.some((r) => !Number.isInteger(r) || r < 1 || r > 2000))
        throw new Error(
          `--rates needs comma-separated integers from 1 to 2000, got ${JSON.stringify(rest[i + 1])}`,
        );
      const seconds = intFlag(rest, '--seconds', 20);
      if (seconds > 120) throw new Error(`--seconds is at most 120, got ${seconds}`);
      const report = await runSagaBench({
        rates,
        seconds,
        drainSeconds: 60,
        maxInFlight: 2000,
        brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
        root: path.join(__dirname, '..'),
        reportDir,
        skipBaselines: rest.includes('--no-baselines'),
        log: (l) => console.log(l),
      });
      console.log(
        `report: ${path.relative(process.cwd(), path.join(reportDir, 'saga.md'))} and saga.json (${report.rates.length} rates)`,
      );
      return 0;
    }
    case undefined:
    case '--help':
    case '-h':
      console.log(USAGE);
      return name === undefined ? 2 : 0;
    default:
      console.error(`bench: unknown benchmark "${name}"\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench: ${err instanceof Error ? err.message : String(err)}`);
    if (err instanceof Error && err.cause !== undefined) console.error(err.cause);
    process.exitCode = 1;
  },
);
