// `npm run bench -- <name> [options]`: runs one benchmark and writes its report to bench/reports/.
import path from 'node:path';
import { runCodecBench } from './codec/run';
import { runReadPathBench } from './read-path/run';
import { runRegistryClientBench } from './registry-client/run';
import { runSagaBench } from './saga/run';
import { runSqlPathsBench } from './sql-paths/run';
import { checkFlags, type FlagSpec } from './options';
import { profileReport } from './profile/cli';

const USAGE = `usage: npm run bench -- <benchmark> [options]
benchmarks:
  codec   generated codec vs JSON vs @kafkajs/confluent-schema-registry, per topic (needs the registry)
          --messages N   events per measured round (default 10000)
          --rounds N     measured rounds, median reported (default 3)
  registry-client  our registry client vs @kafkajs/confluent-schema-registry: registration, id lookups,
          schema by id, encode/decode; with the machine's baselines (needs nothing running: an in-process fake registry)
          --messages N   events per topic (default 10000)
          --lookups N    warm calls per operation (default 10000)
  saga    an open-loop order mix at fixed rates through the four services (needs the stack; starts missing services)
          --rates a,b,c    orders/s (default 50,150,300); run interleaved: a,b,c,a,b,c,…
          --seconds N      seconds of arrivals per run (default 60; sustained needs ≥ 60)
          --repeat N       repetitions per rate, interleaved (default 3)
          --soak S         after the rates, S seconds at --soak-rate (e.g. --soak 600 --soak-rate 150)
          --soak-rate R    orders/s of the soak (default 150)
          --quick          smoke run: --rates 20 --seconds 15 --repeat 1 (explicit options still win)
          --skip-baselines skip the pg and kafkajs baselines (also --no-baselines)
  read-path  GET /orders/{id}'s read on a cache miss: Prisma vs one SQL statement (needs PostgreSQL)
          --reads N      reads per way and concurrency (default 3000)
  profile  summarises V8 CPU profiles of services started with ORDERFLOW_PROFILE_DIR=<dir> (needs nothing running)
          --dir D        the folder ORDERFLOW_PROFILE_DIR named
          --top N        rows per table (default 15)
  sql-paths  the consumer's transaction through Prisma's interactive transaction vs pg directly (needs PostgreSQL)
environment: SCHEMA_REGISTRY_URL (default http://localhost:8081/apis/ccompat/v7)`;

function intFlag(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`${name} needs a positive integer, got ${JSON.stringify(args[i + 1])}`);
  return value;
}

function listFlag(args: string[], name: string, fallback: number[]): number[] {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const values = (args[i + 1] ?? '').split(',').map(Number);
  if (values.length === 0 || values.some((r) => !Number.isInteger(r) || r < 1 || r > 5000))
    throw new Error(
      `${name} needs comma-separated integers from 1 to 5000, got ${JSON.stringify(args[i + 1])}`,
    );
  return values;
}

const FLAGS: Record<string, FlagSpec> = {
  codec: { valued: ['--messages', '--rounds'] },
  'registry-client': { valued: ['--messages', '--lookups'] },
  saga: {
    valued: ['--rates', '--seconds', '--repeat', '--soak', '--soak-rate'],
    switches: ['--quick', '--skip-baselines', '--no-baselines'],
  },
  'read-path': { valued: ['--reads'] },
  'sql-paths': { valued: [] },
  profile: { valued: ['--dir', '--top'] },
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const reportDir = path.join(__dirname, 'reports');
  const spec = name === undefined ? undefined : FLAGS[name];
  if (spec !== undefined && checkFlags(name ?? '', rest, spec).help) {
    console.log(USAGE);
    return 0;
  }
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
    case 'registry-client': {
      const report = await runRegistryClientBench({
        messages: intFlag(rest, '--messages', 10_000),
        lookups: intFlag(rest, '--lookups', 10_000),
        reportDir,
        log: (l) => console.log(l),
      });
      console.log(
        `report: ${path.relative(process.cwd(), path.join(reportDir, 'registry-client.md'))} (${report.lookupsTable.length} lookup rows, ${report.codec.length} topics)`,
      );
      return 0;
    }
    case 'saga': {
      const quick = rest.includes('--quick');
      const rates = listFlag(rest, '--rates', quick ? [20] : [50, 150, 300]);
      const seconds = intFlag(rest, '--seconds', quick ? 15 : 60);
      if (seconds > 3600) throw new Error(`--seconds is at most 3600, got ${seconds}`);
      const repeat = intFlag(rest, '--repeat', quick ? 1 : 3);
      const soakSeconds = rest.includes('--soak') ? intFlag(rest, '--soak', 600) : undefined;
      const soakRate = intFlag(rest, '--soak-rate', 150);
      const report = await runSagaBench({
        rates,
        seconds,
        repeat,
        ...(soakSeconds === undefined ? {} : { soak: { seconds: soakSeconds, rate: soakRate } }),
        drainSeconds: 60,
        maxInFlight: 2000,
        brokers: (process.env.KAFKA_BROKERS ?? 'localhost:9092').split(','),
        root: path.join(__dirname, '..'),
        reportDir,
        skipBaselines: rest.includes('--skip-baselines') || rest.includes('--no-baselines'),
        command: ['npm run bench --', ...argv].join(' '),
        log: (l) => console.log(l),
      });
      console.log(
        `report: ${path.relative(process.cwd(), path.join(reportDir, 'saga.md'))} and saga.json (${report.runs.length} runs)`,
      );
      return 0;
    }
    case 'read-path': {
      await runReadPathBench({
        reportDir,
        reads: intFlag(rest, '--reads', 3000),
        log: (l) => console.log(l),
      });
      console.log(`report: ${path.relative(process.cwd(), path.join(reportDir, 'read-path.md'))}`);
      return 0;
    }
    case 'sql-paths': {
      await runSqlPathsBench({ reportDir, log: (l) => console.log(l) });
      console.log(`report: ${path.relative(process.cwd(), path.join(reportDir, 'sql-paths.md'))}`);
      return 0;
    }
    case 'profile': {
      const i = rest.indexOf('--dir');
      const dir = i === -1 ? undefined : rest[i + 1];
      if (dir === undefined) throw new Error('profile: --dir <folder of CPU profiles> is required');
      console.log(profileReport(path.resolve(dir), path.join(__dirname, '..'), intFlag(rest, '--top', 15)));
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
