// The saga benchmark: orders POSTed at fixed arrival rates (open loop: the schedule does not wait for
// answers), each timed from POST to its notification_sent on Kafka; completed sagas per second; CPU per
// process group and per-event handler time from the services' own /metrics; and the machine's
// baselines (raw kafkajs, plain pg) measured in the same run. Traffic goes to localhost only; every
// loop is bounded in count and time; services this run started are stopped at the end.
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createOrderApiClient, Topics, type ApiCreateOrderRequest } from '@orderflow/contracts';
import {
  SERVICES,
  isAnswering,
  startService,
  stopService,
  waitReady,
  type ServiceName,
} from '@orderflow/stack';
import { Kafka, logLevel } from 'kafkajs';
import { positionGroupAtEnd } from '../../tests/support/topic-probe';
import { BATCH, kafkaBaseline, pgBaseline, type KafkaBaseline, type PgBaseline } from './baselines';
import { coresBetween, snapshot, type ProcessGroup } from './cpu';
import { percentile } from './stats';

/** Options of the saga benchmark. */
export interface SagaBenchOptions {
  /** Arrival rates in orders/s, run one after another. */
  rates: number[];
  /** Seconds of arrivals per rate. */
  seconds: number;
  /** Longest wait for the last orders of a rate to finish after arrivals stop. */
  drainSeconds: number;
  /** Cap on POSTs in flight; arrivals beyond it are counted as shed, not sent (keeps the loop bounded). */
  maxInFlight: number;
  brokers: string[];
  root: string;
  reportDir: string;
  skipBaselines: boolean;
  log: (line: string) => void;
}

/** One arrival rate's figures. */
export interface RateResult {
  rate: number;
  seconds: number;
  posted: number;
  accepted: number;
  rejected: Record<string, number>;
  shed: number;
  completed: number;
  /** Completions per second while arrivals ran (after a 3 s warm-up): what the saga sustains. */
  completedPerSec: number;
  /** Completions per second from the first POST to the last completion. */
  overallPerSec: number;
  postP50Ms: number;
  postP99Ms: number;
  /** POST sent → notification_sent seen on Kafka. */
  sagaP50Ms: number;
  sagaP99Ms: number;
  sagaMaxMs: number;
  drainMs: number;
  /** 1-minute load average when the rate ended (other work on the machine shows here). */
  loadAverage: number;
  /** Cores used while arrivals ran, per process group, and by the whole machine. */
  cores: Record<string, number>;
  machineCores: number;
  /** CPU milliseconds per saga completed while arrivals ran, per process group (and the machine). */
  cpuMsPerSaga: Record<string, number>;
  /** Mean handler time per consumed event (ms) and events handled, per service and topic (from /metrics). */
  handlers: { service: string; topic: string; events: number; meanMs: number }[];
}

/** The whole report. */
export interface SagaBenchReport {
  generatedAt: string;
  node: string;
  cpus: number;
  cpuModel: string;
  loadAverageAtStart: number[];
  servicesStartedByBench: ServiceName[];
  baselines?: { kafka: KafkaBaseline; pg: PgBaseline };
  rates: RateResult[];
  /** Rates not run because a lower one already saturated the saga (p99 above 10 s, or orders left unfinished). */
  skippedRates: number[];
}

const ORDER_API = 'http://localhost:8001';
const INVENTORY_API = 'http://localhost:8003';
const SATURATED_P99_MS = 10_000;
const SKU_COUNT = 50;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function listeningPid(port: number): number | undefined {
  const out = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' }).stdout ?? '';
  const m = /pid=(\d+)/.exec(out);
  return m ? Number(m[1]) : undefined;
}

function processGroups(): ProcessGroup[] {
  const servicePids = new Map(SERVICES.map((s) => [s.name, listeningPid(s.port)]));
  return [
    ...SERVICES.map((s) => ({ name: s.name, match: (pid: number) => pid === servicePids.get(s.name) })),
    { name: 'bench (this process)', match: (pid: number) => pid === process.pid },
    { name: 'kafka', match: (_: number, cmd: string) => cmd.includes('-Dorderflow.stack=kafka') },
    { name: 'registry', match: (_: number, cmd: string) => cmd.includes('-Dorderflow.stack=registry') },
    {
      name: 'postgres',
      match: (_: number, cmd: string) => cmd.startsWith('postgres') || cmd.includes('/postgresql/'),
    },
    {
      name: 'redis',
      match: (_: number, cmd: string) => cmd.startsWith('redis-server') || cmd.includes('/redis-server'),
    },
  ];
}

async function handlerTotals(): Promise<Map<string, { sum: number; count: number }>> {
  const out = new Map<string, { sum: number; count: number }>();
  for (const s of SERVICES) {
    const text = await fetch(`http://localhost:${s.port}/metrics`, { signal: AbortSignal.timeout(5000) })
      .then((r) => r.text())
      .catch(() => '');
    for (const m of text.matchAll(
      /^orderflow_event_handler_duration_seconds_(sum|count)\{([^}]*)\} ([0-9.e+-]+)$/gm,
    )) {
      const topic = /topic="([^"]+)"/.exec(m[2]!)?.[1] ?? '?';
      const key = `${s.name} ${topic}`;
      const entry = out.get(key) ?? { sum: 0, count: 0 };
      if (m[1] === 'sum') entry.sum = Number(m[3]);
      else entry.count = Number(m[3]);
      out.set(key, entry);
    }
  }
  return out;
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
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ available }),
  });
  if (!res.ok) throw new Error(`PUT /inventory/${sku} answered ${res.status}: ${await res.text()}`);
}

async function runRate(
  rate: number,
  skus: readonly string[],
  opts: SagaBenchOptions,
  completedAt: Map<string, number>,
): Promise<RateResult> {
  const api = createOrderApiClient(ORDER_API);
  const total = Math.round(rate * opts.seconds);
  const postedAt = new Map<string, number>();
  const postLatency: number[] = [];
  const rejected: Record<string, number> = {};
  let shed = 0;
  let inFlight = 0;
  const body = (i: number): ApiCreateOrderRequest => ({
    customer: { id: `bench-${rate}-${i}`, email: 'bench@example.com', name: 'Bench' },
    lines: [{ sku: skus[i % skus.length]!, quantity: 1, unitPriceMinor: 1999 }],
    currency: 'EUR',
  });
  const groups = processGroups();
  const handlersBefore = await handlerTotals();
  const cpuBefore = snapshot(groups);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const wait = t0 + (i * 1000) / rate - performance.now();
    if (wait > 1) await sleep(wait);
    if (inFlight >= opts.maxInFlight) {
      shed++;
      continue;
    }
    inFlight++;
    const sent = performance.now();
    pending.push(
      api
        .POST('/orders', { body: body(i) })
        .then(({ data, response }) => {
          postLatency.push(performance.now() - sent);
          if (response.status === 201 && data) postedAt.set(data.id, sent);
          else rejected[String(response.status)] = (rejected[String(response.status)] ?? 0) + 1;
        })
        .catch((err: unknown) => {
          // fetch failures are TypeErrors; the cause says which (e.g. UND_ERR_CONNECT_TIMEOUT, ECONNRESET).
          const cause = err instanceof Error ? (err.cause as { code?: string } | undefined) : undefined;
          const key = cause?.code ?? (err instanceof Error ? err.name : 'error');
          rejected[key] = (rejected[key] ?? 0) + 1;
        })
        .finally(() => inFlight--),
    );
  }
  const arrivalsEnd = performance.now();
  const cpuAfter = snapshot(groups);
  const handlersAfter = await handlerTotals();
  await Promise.all(pending);
  const drainDeadline = Date.now() + opts.drainSeconds * 1000;
  const done = (): number => [...postedAt.keys()].filter((id) => completedAt.has(id)).length;
  while (done() < postedAt.size && Date.now() < drainDeadline) await sleep(50);
  const drainMs = Math.max(
    0,
    Math.max(...[...postedAt.keys()].map((id) => completedAt.get(id) ?? 0)) - arrivalsEnd,
  );

  const saga = [...postedAt.entries()].flatMap(([id, t]) =>
    completedAt.has(id) ? [completedAt.get(id)! - t] : [],
  );
  const warm = t0 + 3000;
  const inWindow = [...postedAt.keys()].filter((id) => {
    const c = completedAt.get(id);
    return c !== undefined && c >= warm && c <= arrivalsEnd;
  }).length;
  const lastCompletion = Math.max(t0, ...[...postedAt.keys()].map((id) => completedAt.get(id) ?? 0));
  const usage = coresBetween(cpuBefore, cpuAfter, os.cpus().length);
  const windowSeconds = (arrivalsEnd - t0) / 1000;
  const completionsInWindow = [...completedAt.values()].filter((c) => c >= t0 && c <= arrivalsEnd).length;
  const cpuMsPerSaga = Object.fromEntries(
    Object.entries({ ...usage.groups, machine: usage.machine }).map(([g, cores]) => [
      g,
      completionsInWindow > 0 ? Math.round((cores * windowSeconds * 1000) / completionsInWindow) : 0,
    ]),
  );
  const handlers = [...handlersAfter.entries()]
    .map(([key, after]) => {
      const before = handlersBefore.get(key) ?? { sum: 0, count: 0 };
      const [service = '?', topic = '?'] = key.split(' ');
      const events = after.count - before.count;
      return {
        service,
        topic,
        events,
        meanMs: events > 0 ? Math.round(((after.sum - before.sum) / events) * 10_000) / 10 : 0,
      };
    })
    .filter((h) => h.events > 0);
  return {
    rate,
    seconds: opts.seconds,
    posted: total - shed,
    accepted: postedAt.size,
    rejected,
    shed,
    completed: saga.length,
    completedPerSec: Math.round((inWindow / Math.max(0.001, (arrivalsEnd - warm) / 1000)) * 10) / 10,
    overallPerSec: Math.round((saga.length / Math.max(0.001, (lastCompletion - t0) / 1000)) * 10) / 10,
    postP50Ms: round1(percentile(postLatency, 50)),
    postP99Ms: round1(percentile(postLatency, 99)),
    sagaP50Ms: round1(percentile(saga, 50)),
    sagaP99Ms: round1(percentile(saga, 99)),
    sagaMaxMs: round1(Math.max(0, ...saga)),
    drainMs: Math.round(drainMs),
    loadAverage: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
    cores: usage.groups,
    machineCores: usage.machine,
    cpuMsPerSaga,
    handlers,
  };
}

/** Runs the benchmark and writes saga.md and saga.json to `reportDir`. */
export async function runSagaBench(opts: SagaBenchOptions): Promise<SagaBenchReport> {
  const report: SagaBenchReport = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    loadAverageAtStart: os.loadavg().map((x) => Math.round(x * 100) / 100),
    servicesStartedByBench: [],
    rates: [],
    skippedRates: [],
  };
  if (!opts.skipBaselines) {
    opts.log('baseline: raw kafkajs produce+consume …');
    const kafka = await kafkaBaseline({
      brokers: opts.brokers,
      bulkMessages: 20_000,
      rate: 300,
      seconds: 5,
      partitions: 3,
    });
    opts.log(
      `  bulk ${kafka.bulkMessagesPerSec} msg/s; at ${kafka.rate}/s p50 ${kafka.latencyP50Ms} ms p99 ${kafka.latencyP99Ms} ms`,
    );
    opts.log('baseline: the order transaction as plain pg …');
    const pgb = await pgBaseline({
      serverUrl: 'postgresql://postgres@127.0.0.1:5432',
      root: opts.root,
      transactions: 3000,
      concurrency: 10,
    });
    opts.log(
      `  ${pgb.txPerSec} tx/s (p50 ${pgb.latencyP50Ms} ms, p99 ${pgb.latencyP99Ms} ms, ${pgb.concurrency} at once)`,
    );
    report.baselines = { kafka, pg: pgb };
  }

  const started = await ensureServices(opts);
  report.servicesStartedByBench = started;
  const kafka = new Kafka({ clientId: 'bench-saga', brokers: opts.brokers, logLevel: logLevel.NOTHING });
  const groupId = `bench-saga-${randomUUID()}`;
  const completedAt = new Map<string, number>();
  await positionGroupAtEnd(kafka, groupId, [Topics.NotificationSent]);
  const consumer = kafka.consumer({ groupId });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.NotificationSent] });
    await consumer.run({
      eachMessage: ({ message }) => {
        const key = message.key?.toString();
        if (key !== undefined && !completedAt.has(key)) completedAt.set(key, performance.now());
        return Promise.resolve();
      },
    });
    // Orders spread over SKU_COUNT SKUs: one hot SKU would serialise every reservation on its row lock
    // and measure that lock, not the saga.
    const prefix = `BENCH-${randomUUID().slice(0, 8).toUpperCase()}`;
    const skus = Array.from({ length: SKU_COUNT }, (_, i) => `${prefix}-${i}`);
    for (const sku of skus) await setStock(sku, 100_000_000);
    // Warm-up: JIT, connection pools, schema ids; not measured.
    await runRate(20, skus, { ...opts, seconds: 3, drainSeconds: 15 }, completedAt);
    for (const rate of opts.rates) {
      const previous = report.rates.at(-1);
      if (previous && (previous.sagaP99Ms > SATURATED_P99_MS || previous.completed < previous.accepted)) {
        // A higher rate on a saturated saga only piles up backlog and time; it measures nothing new.
        report.skippedRates.push(rate);
        opts.log(
          `skipping ${rate} orders/s: ${previous.rate}/s already saturated the saga (p99 ${previous.sagaP99Ms} ms)`,
        );
        continue;
      }
      opts.log(`saga at ${rate} orders/s for ${opts.seconds} s …`);
      const r = await runRate(rate, skus, opts, completedAt);
      report.rates.push(r);
      opts.log(
        `  completed ${r.completed}/${r.accepted} (${r.completedPerSec}/s sustained, ${r.overallPerSec}/s overall); saga p50 ${r.sagaP50Ms} ms p99 ${r.sagaP99Ms} ms; POST p99 ${r.postP99Ms} ms; machine ${r.machineCores} cores busy`,
      );
      await sleep(2000);
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    for (const name of [...started].reverse()) await stopService(name);
  }
  mkdirSync(opts.reportDir, { recursive: true });
  writeFileSync(path.join(opts.reportDir, 'saga.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(path.join(opts.reportDir, 'saga.md'), renderMarkdown(report));
  return report;
}

function renderMarkdown(r: SagaBenchReport): string {
  const lines: string[] = [];
  lines.push('# Saga benchmark', '');
  lines.push(
    `Generated ${r.generatedAt} by \`npm run bench -- saga\` · Node ${r.node} · ${r.cpus} × ${r.cpuModel} · load average at start ${r.loadAverageAtStart.join(' / ')}`,
  );
  lines.push(
    '',
    'Open loop: orders are POSTed on a fixed schedule whatever the answers; a saga is complete when its `notification_sent` is on Kafka. Latency = POST sent → `notification_sent` consumed by the bench. "Sustained" counts completions while arrivals ran, after a 3 s warm-up.',
    '',
  );
  if (r.baselines) {
    const { kafka, pg } = r.baselines;
    lines.push('## Baselines (same run, same machine)', '');
    lines.push('| baseline | figure |', '| --- | --- |');
    lines.push(
      `| raw kafkajs, batches of 500 (${kafka.partitions} partitions, idempotent, acks=all) | ${kafka.bulkMessagesPerSec} msg/s produced+consumed |`,
    );
    lines.push(
      `| raw kafkajs at ${kafka.rate} msg/s, batched like the outbox relay | enqueue → consume p50 ${kafka.latencyP50Ms} ms, p99 ${kafka.latencyP99Ms} ms |`,
    );
    lines.push(
      `| the order's write tx as plain \`pg\` (order + line + timeline + outbox + NOTIFY), ${pg.concurrency} at once | ${pg.txPerSec} tx/s (p50 ${pg.latencyP50Ms} ms, p99 ${pg.latencyP99Ms} ms) |`,
    );
    lines.push(
      `| one \`SELECT 1\` round trip, sequential | p50 ${pg.roundTripP50Ms} ms, p99 ${pg.roundTripP99Ms} ms |`,
    );
    lines.push(`| the same, ${BATCH} orders per transaction | ${pg.batchedOrdersPerSec} orders/s |`);
    lines.push(
      `| the one-order tx with \`synchronous_commit = off\` (measures the WAL flush's share; not a recommendation) | ${pg.asyncCommitTxPerSec} tx/s |`,
    );
    lines.push('');
  }
  lines.push('## The saga at fixed arrival rates', '');
  lines.push(
    '| rate (orders/s) | accepted | rejected | shed | completed | sustained /s | overall /s | saga p50 ms | saga p99 ms | POST p50 / p99 ms | drain ms | machine cores busy | load avg |',
  );
  lines.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const x of r.rates) {
    const rej = Object.entries(x.rejected)
      .map(([k, v]) => `${v}×${k}`)
      .join(' ');
    lines.push(
      `| ${x.rate} | ${x.accepted} | ${rej || 0} | ${x.shed} | ${x.completed} | ${x.completedPerSec} | ${x.overallPerSec} | ${x.sagaP50Ms} | ${x.sagaP99Ms} | ${x.postP50Ms} / ${x.postP99Ms} | ${x.drainMs} | ${x.machineCores} / ${r.cpus} | ${x.loadAverage} |`,
    );
  }
  if (r.baselines) {
    if (r.skippedRates.length > 0)
      lines.push(
        `Skipped because a lower rate already saturated the saga: ${r.skippedRates.join(', ')} orders/s.`,
        '',
      );
    lines.push('', '### Ratios to the baselines', '');
    for (const x of r.rates) {
      lines.push(
        `- ${x.rate}/s: sustained sagas ÷ plain-pg order tx/s = ${(x.completedPerSec / r.baselines.pg.txPerSec).toFixed(3)}; sustained sagas ÷ raw Kafka msg/s = ${(x.completedPerSec / r.baselines.kafka.bulkMessagesPerSec).toFixed(4)}; saga p50 ÷ one raw Kafka hop p50 = ${(x.sagaP50Ms / r.baselines.kafka.latencyP50Ms).toFixed(1)}`,
      );
    }
  }
  lines.push('', '## Where the CPU went (cores, while arrivals ran)', '');
  const names = Object.keys(r.rates[0]?.cores ?? {});
  lines.push(
    `| rate | ${names.join(' | ')} | machine |`,
    `| --- | ${names.map(() => '---').join(' | ')} | --- |`,
  );
  for (const x of r.rates)
    lines.push(`| ${x.rate} | ${names.map((n) => x.cores[n] ?? 0).join(' | ')} | ${x.machineCores} |`);
  lines.push('', '### CPU milliseconds per completed saga (while arrivals ran)', '');
  lines.push(
    `| rate | ${names.join(' | ')} | machine |`,
    `| --- | ${names.map(() => '---').join(' | ')} | --- |`,
  );
  for (const x of r.rates)
    lines.push(
      `| ${x.rate} | ${names.map((n) => x.cpuMsPerSaga[n] ?? 0).join(' | ')} | ${x.cpuMsPerSaga.machine ?? 0} |`,
    );
  lines.push(
    '',
    `At the machine's CPU cost per saga, ${r.cpus} fully busy cores complete at most ${r.rates.map((x) => (x.cpuMsPerSaga.machine ? `${Math.round((r.cpus * 1000) / x.cpuMsPerSaga.machine)}/s (at ${x.rate}/s)` : '-')).join(', ')}; counting only the saga's own processes (four services + postgres + kafka + registry + redis), ${r.rates
      .map((x) => {
        const own = [
          'order',
          'payment',
          'inventory',
          'notification',
          'postgres',
          'kafka',
          'registry',
          'redis',
        ].reduce((a, n) => a + (x.cpuMsPerSaga[n] ?? 0), 0);
        return own ? `${Math.round((r.cpus * 1000) / own)}/s` : '-';
      })
      .join(', ')}.`,
  );
  lines.push(
    '',
    '## Mean handler time per event (ms, from each service’s /metrics: decode + Prisma interactive transaction + inbox + outbox)',
    '',
  );
  for (const x of r.rates) {
    lines.push(
      `- ${x.rate}/s: ${x.handlers.map((h) => `${h.service}/${h.topic} ${h.meanMs} (${h.events})`).join(', ')}`,
    );
  }
  lines.push(
    '',
    '## Handlers busy at once (handler-seconds per second, per service, while arrivals ran)',
    '',
    'A service whose figure sits at its consumer concurrency (kafkajs `partitionsConsumedConcurrently`: 3 by default, 6 in order; never more than the partitions it reads) is bound by sequential per-partition handling, not by its CPU.',
    '',
  );
  for (const x of r.rates) {
    const busy = new Map<string, number>();
    for (const h of x.handlers)
      busy.set(h.service, (busy.get(h.service) ?? 0) + (h.events * h.meanMs) / 1000 / x.seconds);
    lines.push(`- ${x.rate}/s: ${[...busy].map(([svc, b]) => `${svc} ${b.toFixed(2)}`).join(', ')}`);
  }
  lines.push('');
  return `${lines.join('\n')}\n`;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
