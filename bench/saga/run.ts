import { closeTransport } from './http-transport';
import { adminKafkaSecurity, kafkaClientSecurity } from '@orderflow/platform';
// The saga benchmark (issue 8, "a benchmark that cannot flatter"): an open-loop generator offers a
// realistic order mix at fixed rates, repeated and interleaved; a saga counts as complete when
// GET /orders/{id} shows it final and completed; backlogs (consumer lag, unpublished outbox rows) are
// sampled to decide whether a rate is sustained; CPU per component and the work per saga (commits,
// WAL, messages per transaction and per sendBatch) are measured over the arrival window; correctness
// is checked after every rate; baselines are measured in the same run. Traffic goes to localhost only;
// every loop is bounded in count and time; services this run started are stopped at the end.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Topics } from '@orderflow/contracts';
import {
  SERVICES,
  isAnswering,
  startService,
  stopService,
  waitReady,
  type ServiceName,
} from '@orderflow/stack';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { positionGroupAtEnd } from '../../tests/support/topic-probe';
import { kafkaBaselines, pgBaselines, type BaselineFigure } from './baselines';
import { dltPositions, runChecks, type Check } from './checks';
import { CpuMeter, type Classifier } from './cpu';
import { LoadRun, type KafkaSeen } from './generator';
import { planOrder, prng, skuSet, type SkuSet } from './mix';
import {
  LagProbe,
  PgProbe,
  SERVICE_DATABASES,
  SERVICE_GROUPS,
  kafkaDurability,
  scrapeMetrics,
  type PgCounters,
  type ServiceMetrics,
} from './probes';
import { renderMarkdown } from './report';
import {
  distribution,
  histogramMean,
  interleave,
  msPerSaga,
  round1,
  round2,
  trend,
  verdict,
  type Distribution,
  type Point,
  type Trend,
  type Verdict,
} from './stats';
import { adminHeaders, bearer } from '../../tests/support/auth';
import { priceSku } from '../../tests/support/catalog';
import { postgresServer } from '@orderflow/platform/postgres';

/** Options of the saga benchmark. */
export interface SagaBenchOptions {
  rates: number[];
  seconds: number;
  repeat: number;
  /** A soak after the rates: `seconds` at `rate` (omitted: no soak). */
  soak?: { seconds: number; rate: number };
  drainSeconds: number;
  maxInFlight: number;
  brokers: string[];
  root: string;
  reportDir: string;
  skipBaselines: boolean;
  /** The command line, printed in the report. */
  command: string;
  log: (line: string) => void;
}

/** One run of one rate (one repetition, or the soak). */
export interface RunResult {
  rate: number;
  repetition: number;
  soak: boolean;
  runTag: string;
  seconds: number;
  arrivals: number;
  accepted: number;
  /** Arrivals that got no order: shed by the in-flight cap, or the POST's status/error code. */
  failures: Record<string, number>;
  duplicatePosts: number;
  maxInFlight: number;
  /** Completed (view) between the first arrival and the last, per second after the warm-up. */
  completedPerSec: number;
  completedInView: number;
  unfinished: number;
  /** Scheduled arrival → GET shows final and completed. */
  saga: Distribution;
  /** Scheduled arrival → notification_sent seen on Kafka. */
  sagaKafka: Distribution;
  /** notification_sent on Kafka → the held GET answers with completion. */
  viewLag: Distribution;
  /** Scheduled arrival → POST answered. */
  post: Distribution;
  /** The generator's lateness: actual send − scheduled send. */
  lateness: Distribution;
  pollerGets: number;
  getsPerSaga: number;
  /** Order-service wall time answering the customers' GETs, ms per saga (in its handler, from /metrics; a held GET counts its hold). */
  orderGetMsPerSaga: number;
  drainMs: number;
  backlog: { lag: Record<string, Trend>; outbox: Record<string, Trend>; backlogAtStart: number };
  verdict: Verdict;
  verdictReasons: string[];
  cpu: {
    windowSeconds: number;
    msPerSaga: Record<string, number>;
    /** Sum over the components. */
    componentsMsPerSaga: number;
    machineBusyMsPerSaga: number;
    busyShare: number;
    stealShare: number;
    loadAverage: number[];
  };
  work: {
    commitsPerSaga: Record<string, number>;
    walBytesPerSaga: number;
    /** Per service: consumer transactions per saga and messages per transaction. */
    consumer: Record<string, { txPerSaga: number; messagesPerTx: number }>;
    /** Per service: sendBatch calls (Kafka produce requests) per saga and rows per sendBatch. */
    relay: Record<string, { sendBatchesPerSaga: number; rowsPerSendBatch: number }>;
  };
  checks: Check[];
  /** Samples every few seconds (t from the first arrival): total lag and total unpublished rows. */
  series: { t: number; lag: number; outbox: number }[];
}

/** The whole report. */
export interface SagaBenchReport {
  generatedAt: string;
  command: string;
  machine: { node: string; cpus: number; cpuModel: string; loadAverageAtStart: number[]; memoryGb: number };
  options: { rates: number[]; seconds: number; repeat: number; soak?: { seconds: number; rate: number } };
  durability: Record<string, string>;
  servicesStartedByBench: ServiceName[];
  baselines?: { pg: BaselineFigure[]; kafka: BaselineFigure[] };
  mix: string;
  runs: RunResult[];
  skipped: { rate: number; repetition: number; reason: string }[];
}

const ORDER_API = 'http://localhost:8001';
const INVENTORY_API = 'http://localhost:8003';
// The server of ORDERFLOW_POSTGRES_URL (the probes append each database's name, so no query parameters).
const PG_URL = postgresServer().url;
const PLENTIFUL_SKUS = 60;
const SCARCE_SKUS = 5;
/** Units of each scarce SKU at the start of every run: a few orders get them, the rest are cancelled and refunded. */
const SCARCE_STOCK = 6;
const SAMPLE_EVERY_MS = 2_000;
const SETTLE_SECONDS = 60;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listeningPid(port: number): number | undefined {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout ?? '';
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

/** Names each process's component: services by their listening port, PostgreSQL backends by database. */
function classifier(pg: PgProbe): Classifier {
  const servicePids = new Map<number, string>();
  for (const s of SERVICES) {
    const pid = listeningPid(s.port);
    if (pid !== undefined) servicePids.set(pid, s.name);
  }
  return (pid, cmd) => {
    if (pid === process.pid) return 'generator (bench)';
    const svc = servicePids.get(pid);
    if (svc !== undefined) return svc;
    if (cmd.includes('-Dorderflow.stack=kafka')) return 'kafka';
    if (cmd.includes('-Dorderflow.stack=zookeeper')) return 'zookeeper';
    if (cmd.includes('-Dorderflow.stack=registry')) return 'registry';
    if (cmd.startsWith('redis-server') || cmd.includes('/redis-server')) return 'redis';
    if (cmd.startsWith('postgres') || cmd.includes('/postgresql/')) {
      if (pg.ownBackends.has(pid)) return 'generator (bench) postgres probes';
      const db = pg.backendDb.get(pid) ?? /^postgres: [^:]+: \S+ (\S+) /.exec(cmd)?.[1];
      return db ? `postgres ${db}` : 'postgres (other)';
    }
    return undefined;
  };
}

async function ensureServices(opts: SagaBenchOptions): Promise<ServiceName[]> {
  const missing: ServiceName[] = [];
  for (const s of SERVICES) if (!(await isAnswering(s.name))) missing.push(s.name);
  if (missing.length > 0) {
    for (const args of [
      ['db', '--', 'migrate'],
      ['schema', '--', 'register'],
    ]) {
      const r = spawnSync('npm', ['run', '--silent', ...args], { cwd: opts.root, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`npm run ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
    }
  }
  for (const name of missing) {
    const pid = await startService(name);
    opts.log(`started ${name} (pid ${pid})`);
  }
  for (const s of SERVICES) await waitReady(s.name, { timeoutMs: 120_000 });
  return missing;
}

async function setStock(sku: string, available: number): Promise<void> {
  const res = await fetch(`${INVENTORY_API}/inventory/${encodeURIComponent(sku)}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', ...(await adminHeaders()) },
    body: JSON.stringify({ available }),
  });
  if (!res.ok) throw new Error(`PUT /inventory/${sku} answered ${res.status}: ${await res.text()}`);
}

/** Everything a run needs from the bench's shared connections. */
interface Context {
  opts: SagaBenchOptions;
  kafka: Kafka;
  admin: Admin;
  pg: PgProbe;
  lagProbe: LagProbe;
  meter: CpuMeter;
  skus: SkuSet;
  kafkaSeen: KafkaSeen;
  current: { run: LoadRun | undefined };
}

async function backlogNow(
  ctx: Context,
): Promise<{ lag: Record<string, number>; outbox: Record<string, number> }> {
  const [lag, outbox] = await Promise.all([
    ctx.lagProbe.lag(Object.values(SERVICE_GROUPS)),
    ctx.pg.unpublished(),
  ]);
  return { lag, outbox };
}

const sum = (r: Record<string, number>): number => Object.values(r).reduce((a, b) => a + b, 0);

async function runOne(
  ctx: Context,
  rate: number,
  repetition: number,
  seconds: number,
  soak: boolean,
): Promise<RunResult> {
  const { opts, pg } = ctx;
  const runTag = `${randomUUID().slice(0, 8)}-${rate}-${soak ? 'soak' : repetition}`;
  const warmSeconds = Math.min(5, seconds / 5);
  for (const sku of ctx.skus.scarce) await setStock(sku, SCARCE_STOCK);
  const random = prng(rate * 1000 + repetition);
  // Every arrival planned, and its customer's token signed, before the window: a customer signs in once,
  // before they order, so signing is not the generator's work per saga (the services still verify each).
  const plans = Array.from({ length: Math.round(rate * seconds) }, (_, i) =>
    planOrder(i, runTag, ctx.skus, random),
  );
  const signing = performance.now();
  for (let i = 0; i < plans.length; i += 1000)
    await Promise.all(plans.slice(i, i + 1000).map((p) => bearer(p.body.customer.id)));
  if (plans.length >= 5000)
    opts.log(`    signed ${plans.length} customers' tokens in ${Math.round(performance.now() - signing)} ms`);
  const run = new LoadRun({
    orderApi: ORDER_API,
    rate,
    seconds,
    maxInFlight: opts.maxInFlight,
    plan: (i) => plans[i]!,
    kafkaSeen: ctx.kafkaSeen,
  });
  ctx.current.run = run;
  const dltBefore = await dltPositions(ctx.admin);
  const start = await backlogNow(ctx);
  const samples: { t: number; lag: Record<string, number>; outbox: Record<string, number> }[] = [];
  await pg.backends();
  const counters0: PgCounters = await pg.counters();
  const own0 = new Map(pg.ownQueries);
  const metrics0: ServiceMetrics = await scrapeMetrics();
  const window = ctx.meter.begin();
  let sampling = true;
  let lastLog = performance.now();
  const sampler = (async () => {
    while (sampling) {
      await sleep(SAMPLE_EVERY_MS);
      if (!sampling) break;
      try {
        await pg.backends();
        if (run.arrivalsEnd === 0) ctx.meter.sample();
        const b = await backlogNow(ctx);
        const t = (performance.now() - run.t0) / 1000;
        samples.push({ t, ...b });
        if (performance.now() - lastLog >= 10_000) {
          lastLog = performance.now();
          const sent = run.arrivals.length;
          const done = [...run.byOrder.values()].filter((a) => a.viewAt !== undefined).length;
          opts.log(
            `    ${Math.round(t)} s: ${sent} arrived, ${run.byOrder.size} accepted, ${done} complete in the view, ${run.inFlight} POSTs in flight; lag ${sum(b.lag)}, unpublished outbox ${sum(b.outbox)}`,
          );
        }
      } catch (err) {
        opts.log(`    sample failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  })();
  await run.arrive(() => undefined);
  const cpu = ctx.meter.end(window);
  const counters1 = await pg.counters();
  const metrics1 = await scrapeMetrics();
  const own1 = new Map(pg.ownQueries);
  const loadAverage = os.loadavg().map((x) => round2(x));
  await run.answered();
  opts.log(`    arrivals done; draining (at most ${opts.drainSeconds} s) …`);
  await run.drain(Date.now() + opts.drainSeconds * 1000, (left) =>
    opts.log(`    draining: ${left} orders not yet complete in the view`),
  );
  const lastCompletion = Math.max(run.arrivalsEnd, ...[...run.byOrder.values()].map((a) => a.viewAt ?? 0));
  // Settle: wait for every backlog to empty before checking (bounded), so the next run starts clean.
  for (const end = Date.now() + SETTLE_SECONDS * 1000; Date.now() < end;) {
    const b = await backlogNow(ctx);
    if (sum(b.lag) === 0 && sum(b.outbox) === 0) break;
    await sleep(1000);
  }
  sampling = false;
  await sampler;
  ctx.current.run = undefined;

  const accepted = [...run.byOrder.values()];
  const failures: Record<string, number> = {};
  for (const a of run.arrivals)
    if (a.orderId === undefined) failures[a.failure ?? '?'] = (failures[a.failure ?? '?'] ?? 0) + 1;
  const inWindow = accepted.filter(
    (a) => a.viewAt !== undefined && a.viewAt >= run.t0 && a.viewAt <= run.arrivalsEnd,
  ).length;
  const warmEnd = run.t0 + warmSeconds * 1000;
  const afterWarm = accepted.filter(
    (a) => a.viewAt !== undefined && a.viewAt >= warmEnd && a.viewAt <= run.arrivalsEnd,
  ).length;
  // N arrivals at `rate` span N / rate seconds: the last one's interval ends 1 / rate after it was sent.
  const windowSeconds = (run.arrivalsEnd - run.t0) / 1000 + 1 / rate;
  const completedPerSec = round1(afterWarm / Math.max(0.001, (run.arrivalsEnd - warmEnd) / 1000));
  const arrivalWindow = (key: 'lag' | 'outbox', name: string): Point[] =>
    samples
      .filter((s) => s.t >= warmSeconds && s.t <= windowSeconds + 0.5)
      .map((s) => ({ t: s.t, v: s[key][name] ?? 0 }));
  const lag = Object.fromEntries(
    Object.values(SERVICE_GROUPS).map((g) => [g, trend(arrivalWindow('lag', g), rate)]),
  );
  const outbox = Object.fromEntries(
    SERVICE_DATABASES.map((db) => [db, trend(arrivalWindow('outbox', db), rate)]),
  );
  const unfinished = run.unfinished().length;
  const failed = sum(failures);
  const v = verdict({
    windowSeconds,
    backlogsFlat: [...Object.values(lag), ...Object.values(outbox)].every((t) => t.flat),
    completedPerSec,
    offeredPerSec: rate,
    failedArrivals: failed,
    unfinished,
  });

  const componentsMs = Object.fromEntries(
    Object.entries(cpu.components)
      .map(([c, s]) => [c, msPerSaga(s, inWindow)] as const)
      .sort((a, b) => b[1] - a[1]),
  );
  const commitsPerSaga: Record<string, number> = {};
  for (const db of [...SERVICE_DATABASES, 'orderflow_registry', 'postgres']) {
    const own = (own1.get(db) ?? 0) - (own0.get(db) ?? 0);
    const commits = (counters1.commits[db] ?? 0) - (counters0.commits[db] ?? 0) - own;
    if (commits > 0 || SERVICE_DATABASES.includes(db))
      commitsPerSaga[db] = inWindow > 0 ? round2(commits / inWindow) : 0;
  }
  const consumer: RunResult['work']['consumer'] = {};
  const relay: RunResult['work']['relay'] = {};
  for (const s of SERVICES) {
    const c = histogramMean(metrics0.chunks[s.name], metrics1.chunks[s.name]);
    consumer[s.name] = { txPerSaga: inWindow > 0 ? round2(c.count / inWindow) : 0, messagesPerTx: c.mean };
    const r = histogramMean(metrics0.relay[s.name], metrics1.relay[s.name]);
    relay[s.name] = {
      sendBatchesPerSaga: inWindow > 0 ? round2(r.count / inWindow) : 0,
      rowsPerSendBatch: r.mean,
    };
  }
  const gets = histogramMean(metrics0.orderGets, metrics1.orderGets);
  const viewDone = accepted.filter((a) => a.viewAt !== undefined);
  const result: RunResult = {
    rate,
    repetition,
    soak,
    runTag,
    seconds,
    arrivals: run.arrivals.length,
    accepted: accepted.length,
    failures,
    duplicatePosts: run.duplicates.sent,
    maxInFlight: run.maxInFlightSeen,
    completedPerSec,
    completedInView: viewDone.length,
    unfinished,
    saga: distribution(viewDone.map((a) => a.viewAt! - a.scheduledAt)),
    sagaKafka: distribution(
      accepted.flatMap((a) => (a.kafkaAt === undefined ? [] : [a.kafkaAt - a.scheduledAt])),
    ),
    viewLag: distribution(
      viewDone.flatMap((a) => (a.kafkaAt === undefined ? [] : [Math.max(0, a.viewAt! - a.kafkaAt)])),
    ),
    post: distribution(
      run.arrivals.flatMap((a) => (a.answeredAt === undefined ? [] : [a.answeredAt - a.scheduledAt])),
    ),
    lateness: distribution(
      run.arrivals.flatMap((a) => (a.sentAt === undefined ? [] : [a.sentAt - a.scheduledAt])),
    ),
    pollerGets: run.gets,
    getsPerSaga: round2(run.gets / Math.max(1, viewDone.length)),
    orderGetMsPerSaga: inWindow > 0 ? round2((gets.sum * 1000) / inWindow) : 0,
    drainMs: Math.round(Math.max(0, lastCompletion - run.arrivalsEnd)),
    backlog: { lag, outbox, backlogAtStart: sum(start.lag) + sum(start.outbox) },
    verdict: v.verdict,
    verdictReasons: v.reasons,
    cpu: {
      windowSeconds: round2(cpu.wallSeconds),
      msPerSaga: componentsMs,
      componentsMsPerSaga: round2(Object.values(componentsMs).reduce((a, b) => a + b, 0)),
      machineBusyMsPerSaga: msPerSaga(cpu.machineBusySeconds, inWindow),
      busyShare: cpu.busyShare,
      stealShare: cpu.stealShare,
      loadAverage,
    },
    work: {
      commitsPerSaga,
      walBytesPerSaga: inWindow > 0 ? Math.round((counters1.walBytes - counters0.walBytes) / inWindow) : 0,
      consumer,
      relay,
    },
    checks: await runChecks({
      arrivals: run.arrivals,
      duplicates: run.duplicates,
      runTag,
      pg,
      kafka: ctx.kafka,
      admin: ctx.admin,
      dltBefore,
    }),
    series: samples.map((s) => ({ t: round1(s.t), lag: sum(s.lag), outbox: sum(s.outbox) })),
  };
  return result;
}

function logRun(log: (l: string) => void, r: RunResult): void {
  const failed = Object.entries(r.failures)
    .map(([k, n]) => `${n}×${k}`)
    .join(' ');
  log(
    `  ${r.verdict.toUpperCase()}${r.verdictReasons.length ? ` (${r.verdictReasons.join('; ')})` : ''}: ${r.completedPerSec}/s completed of ${r.rate}/s offered; ${r.completedInView}/${r.accepted} complete in the view${failed ? `; failed arrivals ${failed}` : ''}`,
  );
  log(
    `  saga (scheduled → view) p50 ${r.saga.p50} p90 ${r.saga.p90} p99 ${r.saga.p99} p99.9 ${r.saga.p999} max ${r.saga.max} ms; view lag p50 ${r.viewLag.p50} p99 ${r.viewLag.p99} ms; generator lateness p99 ${r.lateness.p99} max ${r.lateness.max} ms`,
  );
  log(
    `  CPU ${r.cpu.componentsMsPerSaga} ms per saga over the components (machine ${r.cpu.machineBusyMsPerSaga}); busy ${Math.round(r.cpu.busyShare * 100)} %, steal ${Math.round(r.cpu.stealShare * 100)} %; WAL ${r.work.walBytesPerSaga} B per saga`,
  );
  for (const c of r.checks) log(`  ${c.pass ? 'PASS' : 'FAIL'} ${c.name}: ${c.detail}`);
}

/** Runs the benchmark and writes saga.md and saga.json to `reportDir`. */
export async function runSagaBench(opts: SagaBenchOptions): Promise<SagaBenchReport> {
  const report: SagaBenchReport = {
    generatedAt: new Date().toISOString(),
    command: opts.command,
    machine: {
      node: process.version,
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? 'unknown',
      loadAverageAtStart: os.loadavg().map((x) => round2(x)),
      memoryGb: round1(os.totalmem() / 2 ** 30),
    },
    options: {
      rates: opts.rates,
      seconds: opts.seconds,
      repeat: opts.repeat,
      ...(opts.soak ? { soak: opts.soak } : {}),
    },
    durability: {},
    servicesStartedByBench: [],
    mix: `${PLENTIFUL_SKUS} plentiful SKUs + ${SCARCE_SKUS} scarce ones (${SCARCE_STOCK} units each at the start of every run); 10 % declined (test tokens), 5 % with a scarce SKU (CONFIRMED while stock lasts, then CANCELLED and refunded), 30 % with 2–4 lines, 50 % with an Idempotency-Key (10 % of those retried after the answer, 4 % sent twice at once)`,
    runs: [],
    skipped: [],
  };
  const pg = new PgProbe(PG_URL);
  await pg.connect();
  const kafka = new Kafka({
    clientId: 'bench-saga',
    brokers: opts.brokers,
    ...kafkaClientSecurity(adminKafkaSecurity()),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const started: ServiceName[] = [];
  const groupId = `bench-saga-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId });
  try {
    report.durability = {
      ...(await pg.durability()),
      ...(await kafkaDurability(admin, opts.root, Topics.OrderCreated)),
    };
    opts.log(
      `durability: ${Object.entries(report.durability)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`,
    );
    if (!opts.skipBaselines) {
      opts.log('baselines (same run): the outbox insert on a scratch database …');
      const pgFigures = await pgBaselines({
        serverUrl: PG_URL,
        root: opts.root,
        concurrency: 16,
        seconds: 4,
        log: opts.log,
      });
      opts.log('baselines: kafkajs produce+consume …');
      const kafkaFigures = await kafkaBaselines({
        brokers: opts.brokers,
        partitions: 3,
        seconds: 4,
        log: opts.log,
      });
      report.baselines = { pg: pgFigures, kafka: kafkaFigures };
    }
    started.push(...(await ensureServices(opts)));
    report.servicesStartedByBench = started;

    const kafkaSeen: KafkaSeen = new Map();
    const current: Context['current'] = { run: undefined };
    await positionGroupAtEnd(kafka, groupId, [Topics.NotificationSent]);
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.NotificationSent], fromBeginning: false });
    await consumer.run({
      eachBatch: ({ batch }) => {
        const at = performance.now();
        for (const m of batch.messages) {
          const key = m.key?.toString();
          if (key === undefined || kafkaSeen.has(key)) continue;
          kafkaSeen.set(key, at);
          current.run?.onNotification(key, at);
        }
        return Promise.resolve();
      },
    });
    const prefix = `BENCH-${randomUUID().slice(0, 8).toUpperCase()}`;
    const skus = skuSet(prefix, PLENTIFUL_SKUS, SCARCE_SKUS);
    opts.log(`stocking and pricing ${skus.plentiful.length + skus.scarce.length} SKUs (${prefix}-*) …`);
    for (const sku of skus.plentiful) await setStock(sku, 100_000_000);
    for (const sku of skus.scarce) await setStock(sku, SCARCE_STOCK);
    // As an admin would; each waits until the order service charges the price (its read model caught up).
    for (const [sku, price] of skus.prices) await priceSku(sku, price, 'EUR', { orderApi: ORDER_API });
    const ctx: Context = {
      opts,
      kafka,
      admin,
      pg,
      lagProbe: new LagProbe(admin),
      meter: new CpuMeter(() => classifier(pg)),
      skus,
      kafkaSeen,
      current,
    };
    // Warm-up (JIT, pools, schema ids, the consumer's assignment); not reported.
    opts.log('warm-up: 20 orders/s for 5 s (not reported) …');
    await runOne(ctx, 20, 0, 5, false);

    let ceiling = Number.POSITIVE_INFINITY;
    const plan = interleave(opts.rates, opts.repeat);
    for (const [i, step] of plan.entries()) {
      if (step.rate > ceiling) {
        report.skipped.push({
          rate: step.rate,
          repetition: step.repetition,
          reason: `${ceiling}/s left orders unfinished`,
        });
        opts.log(
          `[${i + 1}/${plan.length}] skipping ${step.rate}/s (repetition ${step.repetition}): ${ceiling}/s already left orders unfinished`,
        );
        continue;
      }
      opts.log(
        `[${i + 1}/${plan.length}] ${step.rate} orders/s for ${opts.seconds} s (repetition ${step.repetition}) …`,
      );
      const r = await runOne(ctx, step.rate, step.repetition, opts.seconds, false);
      report.runs.push(r);
      logRun(opts.log, r);
      // A higher rate on a saga that could not finish this one only piles up backlog for the next run.
      if (r.unfinished > 0) ceiling = Math.min(ceiling, step.rate);
    }
    if (opts.soak) {
      opts.log(`soak: ${opts.soak.rate} orders/s for ${opts.soak.seconds} s …`);
      const r = await runOne(ctx, opts.soak.rate, 1, opts.soak.seconds, true);
      report.runs.push(r);
      logRun(opts.log, r);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
    await pg.close();
    closeTransport();
    for (const name of [...started].reverse()) await stopService(name);
  }
  mkdirSync(opts.reportDir, { recursive: true });
  writeFileSync(path.join(opts.reportDir, 'saga.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(opts.reportDir, 'saga.md'), renderMarkdown(report));
  return report;
}
