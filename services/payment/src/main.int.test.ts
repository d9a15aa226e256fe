// The real entry point: starts from its environment, answers /health, /ready and /metrics, logs JSON,
// and on SIGTERM stops cleanly (exit 0). Runs on a scratch database, a free port and its own consumer
// group positioned at the end of its topics, so it leaves the running stack alone.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { Topics } from '@orderflow/contracts';
import { runService } from '../../../tests/support/run-service';
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { positionGroupAtEnd, probeKafka } from '../../../tests/support/topic-probe';

jest.setTimeout(90_000);

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

test('payment: starts from its environment, serves /health /ready /metrics, logs JSON, and exits 0 on SIGTERM', async () => {
  const db = await scratchDatabase('payment', 'main');
  const serviceName = `payment-main-${randomUUID().slice(0, 8)}`;
  await positionGroupAtEnd(probeKafka(), serviceName, [Topics.OrderCreated, Topics.InventoryUpdated]);
  const port = await freePort();
  const proc = await runService('payment', {
    DATABASE_URL: db.url,
    PORT: String(port),
    SERVICE_NAME: serviceName,
    ORDERFLOW_ENV: 'test',
    LOG_LEVEL: 'info',
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
    // Each readiness check has 2 s; on a loaded 2-core machine one may miss it, so allow a few tries.
    let ready: { status: number; body: unknown } = { status: 0, body: undefined };
    for (let attempt = 0; attempt < 10 && ready.status !== 200; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
      const res = await fetch(`${base}/ready`);
      ready = { status: res.status, body: await res.json() };
    }
    expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('orderflow_outbox_lag_seconds');
    expect(metrics).toContain(`service="${serviceName}"`);
  } finally {
    expect(await proc.stop('SIGTERM')).toBe(0);
    await db.drop();
  }
  const logs = proc.lines.map((l) => JSON.parse(l) as { service?: string; msg?: string; level?: string });
  expect(logs.every((l) => l.service === serviceName)).toBe(true);
  expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['started', 'shutting down', 'stopped']));
  expect(logs.filter((l) => l.level === 'error' || l.level === 'fatal')).toEqual([]);
});
