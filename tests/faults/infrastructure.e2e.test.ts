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
import { isReady, killService, startService, stopService, waitReady } from '@orderflow/stack';
import { crashService, restartService } from '../e2e/support/services';
import { probeKafka } from '../support/topic-probe';
import { closeDbs, dbQuery } from './support/fault-kit';
import {
  FOUR_SERVICES,
  pidsOf,
  sleep,
  stackPid,
  stackUp,
  underLoad as underLoadFor,
  watchReadiness,
  type Instance,
  stockForLoad,
} from './support/under-load';

jest.setTimeout(600_000);

const run = promisify(execFile);

const sku = `FAULT-INFRA-${randomUUID().slice(0, 8).toUpperCase()}`;

/** Places orders around `fault`, then asserts the oracle (nothing dead-lettered) and prints the figures. */
async function underLoad(
  name: string,
  fault: () => Promise<void>,
  opts: { beforeMs?: number; afterMs?: number } = {},
): Promise<void> {
  await underLoadFor(name, sku, fault, opts);
}

beforeAll(async () => {
  await stockForLoad(sku);
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

/** The machine's PostgreSQL cluster (Debian postgresql-common): version, name and data directory. */
function pgCluster(): { version: string; name: string; dataDir: string } {
  const cluster = spawnSync('pg_lsclusters', ['--no-header'], { encoding: 'utf8' });
  const [version, name, , , , dataDir] = cluster.stdout.trim().split(/\s+/);
  if (cluster.status !== 0 || !version || !name || !dataDir)
    throw new Error(
      'this case drives the machine PostgreSQL with pg_lsclusters/pg_ctlcluster (Debian postgresql-common)',
    );
  return { version, name, dataDir };
}

test('PostgreSQL restarted under load, with two payment instances', async () => {
  const { version, name } = pgCluster();
  await withSecondPayment(() =>
    underLoad('PostgreSQL restart (2 payment instances)', async () => {
      await run('pg_ctlcluster', [version, name, 'restart', '-m', 'fast']);
    }).then(() => undefined),
  );
});

/** Every process of the PostgreSQL server: the postmaster (first line of postmaster.pid) and its children. */
function postgresPids(dataDir: string): number[] {
  const postmaster = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const children = spawnSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' });
  return [postmaster, ...children.stdout.split(/\s+/).filter(Boolean).map(Number)];
}

test('PostgreSQL hung (every server process SIGSTOPped) for 150 s under load, with two payment instances', async () => {
  const { dataDir } = pgCluster();
  const instances: Instance[] = [...FOUR_SERVICES, { service: 'payment', instance: 1 }];
  await withSecondPayment(async () => {
    const pidsBefore = pidsOf(instances);
    let said: Record<string, string[]> = {};
    await underLoad(
      'PostgreSQL hung 150 s (2 payment instances)',
      async () => {
        const pids = postgresPids(dataDir);
        const watch = watchReadiness(instances);
        for (const pid of pids) process.kill(pid, 'SIGSTOP');
        try {
          await sleep(150_000);
        } finally {
          // Children first, then the postmaster, so nothing it supervises looks dead to it.
          for (const pid of [...pids].reverse()) {
            try {
              process.kill(pid, 'SIGCONT');
            } catch {
              // gone meanwhile
            }
          }
          said = await watch.stop();
        }
      },
      { afterMs: 5000 },
    );
    console.log(`[fault] PostgreSQL hung: /ready answers during the hang ${JSON.stringify(said)}`);
    // No instance died or was restarted; each said "not ready" (503) while the database was hung and
    // never left /ready unanswered; each is ready again now.
    expect(pidsOf(instances)).toEqual(pidsBefore);
    for (const [who, outcomes] of Object.entries(said))
      expect({ who, outcomes: outcomes.filter((o) => o !== '200') }).toEqual({ who, outcomes: ['503'] });
    for (const { service, instance } of instances) expect(await isReady(service, instance)).toBe(true);
  });
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
