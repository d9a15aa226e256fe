// The harness every fault case shares: a steady load of orders through the fault (LoadGenerator), then
// the one oracle, and the `[fault]` line with the case's figures (orders, POST retries, how long the
// fault lasted, time until every order was final, statuses, duplicates, the case's run time). Also the
// stack's pids and CLI, and restarting a service with its own environment for one case.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  portOf,
  runningRecord,
  startService,
  stopService,
  waitReady,
  type ServiceName,
} from '@orderflow/stack';
import { DECLINING_TOKEN, orderRequest, setStock } from '../../e2e/support/saga';
import { ROOT } from '../../e2e/support/services';
import { expectOracle, LoadGenerator, sagaOracle, type OracleReport } from './oracle';
import { operatorHeaders } from '../../support/auth';
import { priceSku } from '../../support/catalog';

/** Orders per second: well under the saga's measured ceiling on a 2-core machine (~20/s), so a case
 * measures recovery from the fault, not a backlog the platform could never drain. */
export const RATE = 4;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The pid `npm run stack -- up` recorded for a stack component (`kafka`, `kafka-1`, `registry`…). */
export function stackPid(component: string): number {
  const file = path.join(ROOT, '.stack', 'pids', `${component}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
}

const run = promisify(execFile);

/**
 * Runs `npm run <args>` from the repository root without blocking the event loop (the load generator
 * keeps placing orders meanwhile); throws with its output when it fails. Returns its stdout.
 */
export async function npmAsync(args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run('npm', ['run', '--silent', ...args], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
      env: { ...process.env, ...env },
    });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run ${args.join(' ')} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** `npm run stack -- up [extra]`. */
export async function stackUp(...extra: string[]): Promise<void> {
  await npmAsync(['stack', '--', 'up', ...extra]);
}

/** Restarts a service (instance 0) with `env` on top of the test's environment and waits until it is ready. */
export async function restartWith(name: ServiceName, env: Record<string, string> = {}): Promise<void> {
  await stopService(name);
  await startService(name, { env });
  await waitReady(name, { timeoutMs: 180_000 });
}

/** Options of {@link underLoad}. */
export interface UnderLoadOptions {
  /** Load before the fault (default 3 s). */
  beforeMs?: number;
  /** Load after the fault returned (default 3 s). */
  afterMs?: number;
  /** How long the oracle waits for quiescence (default 240 s). */
  timeoutMs?: number;
  /**
   * Runs after the load stopped, before the oracle (e.g. replaying dead letters); returns what each
   * DLT must hold for these orders (default: nothing).
   */
  afterLoad?: (ids: readonly string[]) => Promise<Record<string, string[]>>;
}

/** What a case ran: the accepted orders, the oracle's report, the fault's timing. */
export interface CaseResult {
  ids: string[];
  /** When each order was accepted (ms since the epoch). */
  acceptedAt: Map<string, number>;
  report: OracleReport;
  faultAt: number;
  faultMs: number;
}

/**
 * Gives a fault case's SKU plenty of stock and a price (as an admin would), and waits until the order
 * service charges that price: the load's orders send none.
 */
export async function stockForLoad(sku: string): Promise<void> {
  await setStock(sku, 1_000_000);
  await priceSku(sku, 1500);
}

/** Places orders for `sku` at RATE/s around `fault`, asserts the oracle and prints the case's figures. */
export async function underLoad(
  name: string,
  sku: string,
  fault: () => Promise<void>,
  opts: UnderLoadOptions = {},
): Promise<CaseResult> {
  const t0 = Date.now();
  const load = new LoadGenerator(
    (i) =>
      orderRequest({
        lines: [{ sku, quantity: 1 }],
        ...(i % 5 === 4 ? { paymentToken: DECLINING_TOKEN } : {}),
      }),
    RATE,
  );
  load.start();
  let faultMs = 0;
  let faultAt = Date.now();
  let ids: string[];
  try {
    await sleep(opts.beforeMs ?? 3000);
    faultAt = Date.now();
    await fault();
    faultMs = Date.now() - faultAt;
    await sleep(opts.afterMs ?? 3000);
  } finally {
    // Also when the fault itself failed: the generator must not keep loading the next cases.
    ids = await load.stop();
  }
  const dlt = opts.afterLoad ? await opts.afterLoad(ids) : {};
  const report = await sagaOracle(ids, { since: faultAt, timeoutMs: opts.timeoutMs ?? 240_000 });
  // The figures the closing note and the README quote.
  console.log(
    `[fault] ${name}: ${ids.length} orders accepted (${load.retries} POST retries ${JSON.stringify(load.failures)}), ` +
      `fault lasted ${(faultMs / 1000).toFixed(1)} s, all final ${report.secondsToQuiescence.toFixed(1)} s after it began; ` +
      `statuses ${JSON.stringify(report.byStatus)}; duplicates ${report.duplicates.length}; ` +
      `dead-lettered ${Object.values(report.deadLettered).flat().length}; case ran ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  );
  expect(ids.length).toBeGreaterThan(0);
  expectOracle(report, dlt);
  return { ids, acceptedAt: load.acceptedAt, report, faultAt, faultMs };
}

/** One instance of a service. */
export interface Instance {
  service: ServiceName;
  instance: number;
}

/** Instance 0 of each of the four services. */
export const FOUR_SERVICES: readonly Instance[] = (
  ['order', 'payment', 'inventory', 'notification'] as const
).map((service) => ({ service, instance: 0 }));

/**
 * Polls each instance's /ready every 2 s until stopped; `stop()` returns what each said (`200`, `503`,
 * or `no answer` when it did not answer within 10 s), keyed `service:port`.
 */
export function watchReadiness(instances: readonly Instance[]): {
  stop(): Promise<Record<string, string[]>>;
} {
  const said = new Map<string, Set<string>>(instances.map((i) => [keyOf(i), new Set<string>()]));
  let watching = true;
  const loop = (async () => {
    while (watching) {
      await Promise.all(
        instances.map(async (i) => {
          let outcome: string;
          try {
            const res = await fetch(`http://127.0.0.1:${portOf(i.service, i.instance)}/ready`, {
              headers: await operatorHeaders(),
              signal: AbortSignal.timeout(10_000),
            });
            outcome = String(res.status);
            await res.body?.cancel();
          } catch {
            outcome = 'no answer';
          }
          said.get(keyOf(i))?.add(outcome);
        }),
      );
      await sleep(2000);
    }
  })();
  return {
    async stop() {
      watching = false;
      await loop;
      return Object.fromEntries([...said].map(([k, v]) => [k, [...v].sort()]));
    },
  };
}

function keyOf(i: Instance): string {
  return `${i.service}:${portOf(i.service, i.instance)}`;
}

/** The pid of each instance this harness started (undefined when it is not running). */
export function pidsOf(instances: readonly Instance[]): (number | undefined)[] {
  return instances.map((i) => runningRecord(i.service, { instance: i.instance })?.pid);
}
