// The platform's dependencies fail under load — the broker killed or frozen, the registry frozen,
// Redis hung, PostgreSQL restarted, the order service killed, a consumer group rewound to the start —
// while a client keeps placing orders (retrying a failed POST with its Idempotency-Key, as the API
// asks). After each fault, one oracle: every accepted order final and notified, no effect twice,
// nothing unpublished, consumer lag 0, nothing dead-lettered. The figures of each case are printed.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startService, stopService, waitReady, killService } from '@orderflow/stack';
import { DECLINING_TOKEN, orderRequest, setStock } from '../e2e/support/saga';
import { crashService, restartService, ROOT } from '../e2e/support/services';
import { probeKafka } from '../support/topic-probe';
import { closeDbs, dbQuery } from './support/fault-kit';
import { expectOracle, LoadGenerator, sagaOracle, type OracleReport } from './support/oracle';

jest.setTimeout(600_000);

// Orders per second: well under the saga's measured ceiling on a 2-core machine (~20/s), so a case
// measures recovery from the fault, not a backlog the platform could never drain.
const RATE = 4;
const sku = `FAULT-INFRA-${randomUUID().slice(0, 8).toUpperCase()}`;

function stackPid(component: 'kafka' | 'registry' | 'zookeeper'): number {
  const file = path.join(ROOT, '.stack', 'pids', `${component}.json`);
  return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// Asynchronous, so the load generator keeps placing orders while the command runs.
const run = promisify(execFile);
async function stackUp(): Promise<void> {
  try {
    await run('npm', ['run', '--silent', 'stack', '--', 'up'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run stack -- up failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Places orders at RATE/s for `beforeMs`, runs the fault, keeps placing for `afterMs`, then asserts the oracle. */
async function underLoad(
  name: string,
  fault: () => Promise<void>,
  opts: { beforeMs?: number; afterMs?: number } = {},
): Promise<OracleReport> {
  const load = new LoadGenerator(
    (i) =>
      orderRequest({
        lines: [{ sku, quantity: 1, unitPriceMinor: 1500 }],
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
  const report = await sagaOracle(ids, { since: faultAt, timeoutMs: 240_000 });
  // The figures the closing note and the README quote.
  console.log(
    `[fault] ${name}: ${ids.length} orders accepted (${load.retries} POST retries ${JSON.stringify(load.failures)}), ` +
      `fault lasted ${(faultMs / 1000).toFixed(1)} s, all final ${report.secondsToQuiescence.toFixed(1)} s after it began; ` +
      `statuses ${JSON.stringify(report.byStatus)}; duplicates ${report.duplicates.length}`,
  );
  expect(ids.length).toBeGreaterThan(0);
  expectOracle(report);
  return report;
}

beforeAll(async () => {
  await setStock(sku, 1_000_000);
});
afterAll(closeDbs);

test('the broker SIGKILLed under load and brought back with one `npm run stack -- up`', async () => {
  await underLoad('broker SIGKILL', async () => {
    process.kill(stackPid('kafka'), 'SIGKILL');
    await sleep(5000);
    await stackUp();
  });
});

test('the broker frozen (SIGSTOP) for 45 s under load', async () => {
  await underLoad('broker SIGSTOP 45 s', async () => {
    const pid = stackPid('kafka');
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(45_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
  });
});

test('the schema registry frozen for 30 s, then killed and restarted, under load', async () => {
  await underLoad('registry SIGSTOP 30 s + restart', async () => {
    const pid = stackPid('registry');
    process.kill(pid, 'SIGSTOP');
    try {
      await sleep(30_000);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    process.kill(pid, 'SIGKILL');
    await sleep(2000);
    await stackUp();
  });
});

test('Redis hung for 20 s under load', async () => {
  await underLoad('Redis hung 20 s', async () => {
    const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, commandTimeout: 60_000 });
    await redis.connect();
    try {
      // Blocks the whole server for 20 s like `DEBUG SLEEP 20` (which servers with
      // enable-debug-command off refuse): nobody gets an answer, then BUSY errors, until it returns.
      await redis.eval(
        `local t = redis.call('TIME'); local stop = t[1] * 1000000 + t[2] + 20000000
         repeat t = redis.call('TIME') until t[1] * 1000000 + t[2] >= stop
         return 'awake'`,
        0,
      );
    } finally {
      redis.disconnect();
    }
  });
});

/** Runs `body` with a second payment instance (port 8102) in the payment group, then stops it. */
async function withSecondPayment(body: () => Promise<void>): Promise<void> {
  await startService('payment', { instance: 1 });
  try {
    await waitReady('payment', { instance: 1, timeoutMs: 120_000 });
    await body();
  } finally {
    await stopService('payment', { instance: 1 });
  }
}

test('PostgreSQL restarted under load, with two payment instances', async () => {
  const cluster = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  const [version, name] = cluster.stdout.trim().split(/\s+/);
  if (cluster.status !== 0 || !version || !name)
    throw new Error(
      'this case restarts the machine PostgreSQL with pg_ctlcluster (Debian postgresql-common)',
    );
  await withSecondPayment(() =>
    underLoad('PostgreSQL restart (2 payment instances)', async () => {
      await run('pg_ctlcluster', [version, name, 'restart', '-m', 'fast']);
    }).then(() => undefined),
  );
});

test('a payment instance SIGKILLed while its sibling takes over', async () => {
  await withSecondPayment(() =>
    underLoad('payment instance SIGKILL, sibling takes over', async () => {
      await killService('payment');
      // No restart: the sibling gets the dead instance's partitions once its session expires.
      await sleep(35_000);
    }).then(() => undefined),
  );
  await restartService('payment');
});

test('the order service SIGKILLed mid-saga and restarted', async () => {
  await underLoad('order SIGKILL', async () => {
    await crashService('order');
    await sleep(2000);
    await restartService('order');
  });
});

test('a group rewound to the earliest offsets repeats no effect', async () => {
  await underLoad('payment group reset to earliest', async () => {
    await crashService('payment');
    const admin = probeKafka().admin();
    await admin.connect();
    try {
      // The killed member stays in the group until its session times out; offsets can be reset only then.
      const until = Date.now() + 90_000;
      for (;;) {
        try {
          await admin.resetOffsets({ groupId: 'payment', topic: 'order_created', earliest: true });
          await admin.resetOffsets({ groupId: 'payment', topic: 'inventory_updated', earliest: true });
          break;
        } catch (err) {
          if (Date.now() > until) throw err;
          await sleep(2000);
        }
      }
    } finally {
      await admin.disconnect();
    }
    await restartService('payment');
  });
  // Every order_created on the topic was handled again by the rewound group, and charged nothing new.
  const [row] = await dbQuery<{ n: number }>(
    'payment',
    'SELECT count(*)::int AS n FROM (SELECT order_id FROM payments GROUP BY order_id HAVING count(*) > 1) d',
  );
  expect(row?.n).toBe(0);
});
