// Renders the saga report (bench/reports/saga.md) from its figures: per rate the median and spread
// over repetitions, every run's verdict and checks, CPU and work per saga, the baselines, durability,
// and "what bounds it", computed from the figures rather than written by hand.
import { OUTBOX_BATCH } from './baselines';
import { VIEW_WAIT_SECONDS } from './generator';
import type { RunResult, SagaBenchReport } from './run';
import { formatSpread, largest, maxRateForBudget, spread, SUSTAIN_MIN_SECONDS } from './stats';

const table = (head: string[], rows: (string | number)[][]): string[] => [
  `| ${head.join(' | ')} |`,
  `| ${head.map(() => '---').join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

/** The runs of each rate (not the soak), in rate order. */
export function byRate(runs: readonly RunResult[]): Map<number, RunResult[]> {
  const out = new Map<number, RunResult[]>();
  for (const r of [...runs].filter((x) => !x.soak).sort((a, b) => a.rate - b.rate))
    out.set(r.rate, [...(out.get(r.rate) ?? []), r]);
  return out;
}

/** "What bounds it": the findings computed from the highest rate's median figures. */
export function boundsFindings(r: SagaBenchReport): string[] {
  const lines: string[] = [];
  const cores = r.machine.cpus;
  const rates = byRate(r.runs);
  const sustained = [...rates]
    .filter(([, runs]) => runs.every((x) => x.verdict === 'sustained'))
    .map(([rate]) => rate);
  const flatShort = [...rates]
    .filter(([, runs]) => runs.every((x) => x.verdict !== 'not sustained'))
    .map(([rate]) => rate);
  lines.push(
    sustained.length > 0
      ? `- Highest rate sustained in every repetition (backlogs flat over ≥ ${SUSTAIN_MIN_SECONDS} s, completions ≥ 95 % of arrivals, nothing shed or left unfinished): **${Math.max(...sustained)}/s**.`
      : flatShort.length > 0
        ? `- No rate could be called sustained: the highest rate whose backlogs stayed flat and every order completed was ${Math.max(...flatShort)}/s, but over a window shorter than ${SUSTAIN_MIN_SECONDS} s.`
        : '- No rate was sustained.',
  );
  for (const [rate, runs] of rates) {
    const total = spread(runs.map((x) => x.cpu.componentsMsPerSaga)).median;
    const machine = spread(runs.map((x) => x.cpu.machineBusyMsPerSaga)).median;
    const busy = spread(runs.map((x) => x.cpu.busyShare)).median;
    const merged: Record<string, number> = {};
    for (const x of runs)
      for (const [c, v] of Object.entries(x.cpu.msPerSaga)) merged[c] = (merged[c] ?? 0) + v / runs.length;
    const top = largest(merged);
    const servicesPg = Object.entries(merged)
      .filter(([c]) => c.startsWith('postgres'))
      .reduce((a, [, v]) => a + v, 0);
    lines.push(
      `- At ${rate}/s: ${total.toFixed(1)} ms of CPU per saga across the measured components (${machine.toFixed(1)} ms for the whole machine); ${cores} cores × 1000 ms/s allow at most **${maxRateForBudget(cores, total)} sagas/s** at that cost (${maxRateForBudget(cores, machine)}/s counting everything the machine did). The largest share: ${top ? `${top.name} ${top.value.toFixed(1)} ms` : '-'}; PostgreSQL (all databases and background) ${servicesPg.toFixed(1)} ms. The machine was ${Math.round(busy * 100)} % busy${busy >= 0.9 ? ' — CPU-bound' : ''}.`,
    );
  }
  return lines;
}

/** The Markdown report. */
export function renderMarkdown(r: SagaBenchReport): string {
  const L: string[] = [];
  L.push('# Saga benchmark', '');
  L.push(`Generated ${r.generatedAt} by \`${r.command}\`.`, '');
  L.push(
    `Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, Node ${r.machine.node}; load average at start ${r.machine.loadAverageAtStart.join(' / ')}. Rates ${r.options.rates.join(', ')} orders/s, ${r.options.seconds} s of arrivals each, ${r.options.repeat} interleaved repetition(s)${r.options.soak ? `; soak ${r.options.soak.seconds} s at ${r.options.soak.rate}/s` : ''}.`,
    '',
  );
  L.push('## How it measures', '');
  L.push(
    '- **Open loop.** Arrivals follow a fixed schedule whatever the answers. Every latency is measured from the arrival’s *scheduled* time, so a late generator or a slow POST adds to it (no coordinated omission). The generator’s own lateness (actual send − scheduled) is reported. Arrivals beyond the in-flight cap are shed and counted as failures.',
    `- **Complete = what the user sees.** A saga is complete when \`GET /orders/{id}\` shows a final status and \`completed: true\`. Each customer asks once, right after the POST answered: \`GET /orders/{id}?wait=${VIEW_WAIT_SECONDS}\`, which the order service holds until the order is completed (then asks again if ${VIEW_WAIT_SECONDS} s passed first). So a saga costs about one GET, and the view lag (from \`notification_sent\` seen on Kafka by the bench’s own consumer to the GET’s answer) has no polling interval in it. The reads run in the generator and their CPU is the generator’s. The generator speaks through the generated order API client over node:http with keep-alive connections (bench/saga/http-transport.ts; fetch cost about four times its client CPU per request).`,
    `- **Sustained** = every service’s consumer lag and every service database’s unpublished outbox rows stay flat over the arrival window (least-squares growth and last − first each ≤ a second and a half of arrivals, at least 20: committed offsets move once a second), completions ≥ 95 % of the offered rate, no arrival shed or failed, every accepted order complete after the drain, and a window of at least ${SUSTAIN_MIN_SECONDS} s.`,
    '- **CPU per saga** = CPU time per component over the arrival window (from /proc, sampled every 2 s; PostgreSQL backends attributed to their database via pg_stat_activity; the postmaster and background processes as “postgres (other)”), divided by the sagas that completed in the view within that window. **Work per saga**: commits (pg_stat_database.xact_commit, minus the bench’s own probe queries), WAL bytes (pg_current_wal_lsn), consumer transactions and messages per transaction (`orderflow_consumer_transaction_messages`), Kafka produce requests (`sendBatch` calls) and rows per sendBatch (`orderflow_outbox_relay_batch_rows`). Kafka fetch requests are not counted (the broker’s request metrics are JMX-only).',
    `- **Mix**: ${r.mix}.`,
    '',
  );
  L.push('## Durability as shipped', '');
  L.push(
    ...table(
      ['setting', 'value'],
      Object.entries(r.durability).map(([k, v]) => [k, v]),
    ),
    '',
  );

  const rates = byRate(r.runs);
  L.push('## Results per rate (median, with min–max over the repetitions)', '');
  L.push(
    ...table(
      [
        'offered /s',
        'runs',
        'verdicts',
        'completed /s',
        'saga p50 ms',
        'p90',
        'p99',
        'p99.9',
        'max',
        'view lag p50 / p99 ms',
        'POST p99 ms',
        'lateness p99 / max ms',
        'failed arrivals',
        'CPU ms/saga (components)',
        'machine busy',
      ],
      [...rates].map(([rate, runs]) => {
        const s = (f: (x: RunResult) => number, d = 1): string => formatSpread(spread(runs.map(f)), d);
        const verdicts = new Map<string, number>();
        for (const x of runs) verdicts.set(x.verdict, (verdicts.get(x.verdict) ?? 0) + 1);
        return [
          rate,
          runs.length,
          [...verdicts].map(([v, n]) => `${n}× ${v}`).join(', '),
          s((x) => x.completedPerSec),
          s((x) => x.saga.p50, 0),
          s((x) => x.saga.p90, 0),
          s((x) => x.saga.p99, 0),
          s((x) => x.saga.p999, 0),
          s((x) => x.saga.max, 0),
          `${s((x) => x.viewLag.p50, 0)} / ${s((x) => x.viewLag.p99, 0)}`,
          s((x) => x.post.p99, 0),
          `${s((x) => x.lateness.p99)} / ${s((x) => x.lateness.max)}`,
          s((x) => Object.values(x.failures).reduce((a, b) => a + b, 0), 0),
          s((x) => x.cpu.componentsMsPerSaga),
          s((x) => x.cpu.busyShare * 100, 0) + ' %',
        ];
      }),
    ),
    '',
  );
  if (r.skipped.length > 0)
    L.push(
      `Skipped: ${r.skipped.map((s) => `${s.rate}/s (repetition ${s.repetition}: ${s.reason})`).join('; ')}.`,
      '',
    );

  L.push('## What bounds it', '', ...boundsFindings(r), '');

  L.push('## Every run', '');
  L.push(
    ...table(
      [
        '#',
        'offered /s',
        'rep',
        'verdict',
        'accepted',
        'completed /s',
        'saga (Kafka) p50 / p99 ms',
        'saga (view) p50 / p99 / max ms',
        'lag first→last (max)',
        'outbox first→last (max)',
        'backlog at start',
        'drain ms',
        'GETs per saga',
        'checks',
      ],
      r.runs.map((x, i) => {
        const lagFirst = Object.values(x.backlog.lag).reduce((a, t) => a + t.first, 0);
        const lagLast = Object.values(x.backlog.lag).reduce((a, t) => a + t.last, 0);
        const lagMax = Object.values(x.backlog.lag).reduce((a, t) => a + t.max, 0);
        const obFirst = Object.values(x.backlog.outbox).reduce((a, t) => a + t.first, 0);
        const obLast = Object.values(x.backlog.outbox).reduce((a, t) => a + t.last, 0);
        const obMax = Object.values(x.backlog.outbox).reduce((a, t) => a + t.max, 0);
        const failed = x.checks.filter((c) => !c.pass).length;
        return [
          i + 1,
          x.rate,
          x.soak ? 'soak' : x.repetition,
          x.verdict + (x.verdictReasons.length ? ` (${x.verdictReasons.join('; ')})` : ''),
          x.accepted,
          x.completedPerSec,
          `${x.sagaKafka.p50} / ${x.sagaKafka.p99}`,
          `${x.saga.p50} / ${x.saga.p99} / ${x.saga.max}`,
          `${lagFirst}→${lagLast} (${lagMax})`,
          `${obFirst}→${obLast} (${obMax})`,
          x.backlog.backlogAtStart,
          x.drainMs,
          x.getsPerSaga,
          failed === 0 ? `PASS ${x.checks.length}/${x.checks.length}` : `**FAIL ${failed}**`,
        ];
      }),
    ),
    '',
  );

  L.push('### Backlog trends per run (fitted growth over the window; flat if ≤ tolerance)', '');
  for (const [i, x] of r.runs.entries()) {
    const f = (name: string, t: RunResult['backlog']['lag'][string]): string =>
      `${name} ${t.first}→${t.last} (slope ${t.slopePerSec}/s, growth ${t.fittedGrowth} ≤ ${t.tolerance}? ${t.flat ? 'flat' : '**growing**'})`;
    L.push(
      `- run ${i + 1} (${x.rate}/s): lag ${Object.entries(x.backlog.lag)
        .map(([g, t]) => f(g, t))
        .join('; ')}; outbox ${Object.entries(x.backlog.outbox)
        .map(([d, t]) => f(d, t))
        .join('; ')}`,
    );
  }
  L.push('');

  L.push('## CPU ms per saga by component (median over repetitions)', '');
  const components = [...new Set(r.runs.flatMap((x) => Object.keys(x.cpu.msPerSaga)))];
  const medianOf = (runs: RunResult[], c: string): number =>
    spread(runs.map((x) => x.cpu.msPerSaga[c] ?? 0)).median;
  const first = [...rates.values()][0] ?? [];
  components.sort((a, b) => medianOf(first, b) - medianOf(first, a));
  L.push(
    ...table(
      ['component', ...[...rates.keys()].map((k) => `${k}/s`)],
      [
        ...components.map((c) => [c, ...[...rates.values()].map((runs) => medianOf(runs, c).toFixed(2))]),
        [
          '**all components**',
          ...[...rates.values()].map((runs) =>
            spread(runs.map((x) => x.cpu.componentsMsPerSaga)).median.toFixed(2),
          ),
        ],
        [
          'whole machine (busy, steal excluded)',
          ...[...rates.values()].map((runs) =>
            spread(runs.map((x) => x.cpu.machineBusyMsPerSaga)).median.toFixed(2),
          ),
        ],
        [
          'steal (share of the window)',
          ...[...rates.values()].map(
            (runs) => `${(spread(runs.map((x) => x.cpu.stealShare)).median * 100).toFixed(1)} %`,
          ),
        ],
        [
          'load average at the end (1 min)',
          ...[...rates.values()].map((runs) =>
            spread(runs.map((x) => x.cpu.loadAverage[0] ?? 0)).median.toFixed(2),
          ),
        ],
        [
          'order-service wall time in the customers’ GETs per saga, held time included (ms)',
          ...[...rates.values()].map((runs) =>
            spread(runs.map((x) => x.orderGetMsPerSaga)).median.toFixed(2),
          ),
        ],
      ],
    ),
    '',
  );

  L.push('## Work per saga (median over repetitions)', '');
  const workRows: (string | number)[][] = [];
  const dbs = [...new Set(r.runs.flatMap((x) => Object.keys(x.work.commitsPerSaga)))];
  for (const db of dbs)
    workRows.push([
      `commits, ${db}`,
      ...[...rates.values()].map((runs) => spread(runs.map((x) => x.work.commitsPerSaga[db] ?? 0)).median),
    ]);
  workRows.push([
    'WAL bytes',
    ...[...rates.values()].map((runs) => spread(runs.map((x) => x.work.walBytesPerSaga)).median),
  ]);
  const services = [...new Set(r.runs.flatMap((x) => Object.keys(x.work.consumer)))];
  for (const s of services) {
    workRows.push([
      `${s}: consumer transactions (messages per transaction)`,
      ...[...rates.values()].map(
        (runs) =>
          `${spread(runs.map((x) => x.work.consumer[s]?.txPerSaga ?? 0)).median} (${spread(runs.map((x) => x.work.consumer[s]?.messagesPerTx ?? 0)).median})`,
      ),
    ]);
    workRows.push([
      `${s}: Kafka sendBatch requests (rows per sendBatch)`,
      ...[...rates.values()].map(
        (runs) =>
          `${spread(runs.map((x) => x.work.relay[s]?.sendBatchesPerSaga ?? 0)).median} (${spread(runs.map((x) => x.work.relay[s]?.rowsPerSendBatch ?? 0)).median})`,
      ),
    ]);
  }
  workRows.push([
    'customers’ GETs (held until completed)',
    ...[...rates.values()].map((runs) => spread(runs.map((x) => x.getsPerSaga)).median),
  ]);
  L.push(...table(['per saga', ...[...rates.keys()].map((k) => `${k}/s`)], workRows), '');

  const soak = r.runs.find((x) => x.soak);
  if (soak) {
    L.push(`## Soak: ${soak.rate}/s for ${soak.seconds} s`, '');
    L.push(
      `Verdict: **${soak.verdict}**${soak.verdictReasons.length ? ` (${soak.verdictReasons.join('; ')})` : ''}; ${soak.completedPerSec}/s completed; saga p50 ${soak.saga.p50} / p99 ${soak.saga.p99} / p99.9 ${soak.saga.p999} / max ${soak.saga.max} ms; CPU ${soak.cpu.componentsMsPerSaga} ms per saga.`,
      '',
      'Total consumer lag and unpublished outbox rows, one sample per minute:',
      '',
    );
    const perMinute = soak.series.filter(
      (s, i, all) => i === 0 || Math.floor(s.t / 60) !== Math.floor(all[i - 1]!.t / 60),
    );
    L.push(
      ...table(
        ['t (s)', 'lag', 'unpublished outbox'],
        perMinute.map((s) => [s.t, s.lag, s.outbox]),
      ),
      '',
    );
  }

  L.push('## Correctness after every run', '');
  for (const [i, x] of r.runs.entries()) {
    L.push(`Run ${i + 1} (${x.rate}/s${x.soak ? ', soak' : `, repetition ${x.repetition}`}):`, '');
    for (const c of x.checks) L.push(`- ${c.pass ? 'PASS' : '**FAIL**'} ${c.name}: ${c.detail}`);
    L.push('');
  }

  if (r.baselines) {
    L.push('## Baselines (same run, same machine, CPU per message)', '');
    L.push(
      `The outbox insert is the runtime’s statement (packages/platform/src/outbox.ts; ${OUTBOX_BATCH} rows per \`unnest\` statement when batched) on a scratch database with the order service’s migrations; “+ pg_notify” adds the NOTIFY the runtime used to send. Client CPU is the bench process; server CPU is every PostgreSQL process (or the Kafka broker).`,
      '',
    );
    L.push(
      ...table(
        [
          'baseline',
          'concurrency',
          'messages/s',
          'requests/s',
          'client CPU ms/message',
          'server CPU ms/message',
        ],
        [...r.baselines.pg, ...r.baselines.kafka].map((b) => [
          b.name,
          b.concurrency,
          b.messagesPerSec,
          b.requestsPerSec,
          b.clientCpuMsPerMessage,
          b.serverCpuMsPerMessage,
        ]),
      ),
      '',
    );
  }
  if (r.servicesStartedByBench.length > 0)
    L.push(`Services started (and stopped) by the bench: ${r.servicesStartedByBench.join(', ')}.`, '');
  return `${L.join('\n')}\n`;
}
