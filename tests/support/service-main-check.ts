// The check every service's real entry point passes: it starts from its environment, answers /health,
// /ready and /metrics, logs JSON, and on SIGTERM stops cleanly (exit 0). Runs on a scratch database, a
// free port and its own consumer group positioned at the end of its topics, so it leaves the running
// stack alone.
import { randomUUID } from 'node:crypto';
import { topicsConsumedBy } from '@orderflow/contracts';
import { createServer } from 'node:net';
import { runService } from './run-service';
import { scratchDatabase } from './scratch-database';
import { positionGroupAtEnd, probeKafka } from './topic-probe';
import { operatorHeaders } from './auth';

/** What differs between services: the metrics /metrics must show. */
export interface ServiceMainExpectations {
  metrics: string[];
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });

/** Declares the entry-point test of `name` (start-up, /health, /ready, /metrics, JSON logs, SIGTERM exit 0). */
export function describeServiceMain(
  name: 'payment' | 'inventory' | 'notification',
  expected: ServiceMainExpectations,
): void {
  jest.setTimeout(90_000);

  test(`${name}: starts from its environment, serves /health /ready /metrics, logs JSON, and exits 0 on SIGTERM`, async () => {
    const db = await scratchDatabase(name, 'main');
    const serviceName = `${name}-main-${randomUUID().slice(0, 8)}`;
    // Every topic the service consumes, from the topic table: a topic added there (order_expired) must
    // not be read from its beginning, poison of the fault suites included.
    await positionGroupAtEnd(probeKafka(), serviceName, [...topicsConsumedBy(name)]);
    const port = await freePort();
    const proc = await runService(name, {
      DATABASE_URL: db.url,
      PORT: String(port),
      SERVICE_NAME: serviceName,
      ORDERFLOW_ENV: 'test',
      LOG_LEVEL: 'info',
    });
    try {
      const base = `http://127.0.0.1:${port}`;
      expect(await (await fetch(`${base}/health`)).json()).toEqual({ status: 'ok' });
      // /ready and /metrics are operators' routes: refused without a token, answered with one.
      expect((await fetch(`${base}/ready`)).status).toBe(401);
      const operator = await operatorHeaders();
      // Each readiness check has 2 s; on a loaded 2-core machine one may miss it, so allow a few tries.
      let ready: { status: number; body: unknown } = { status: 0, body: undefined };
      for (let attempt = 0; attempt < 10 && ready.status !== 200; attempt++) {
        if (attempt > 0) await new Promise((r) => setTimeout(r, 500));
        const res = await fetch(`${base}/ready`, { headers: operator });
        ready = { status: res.status, body: await res.json() };
      }
      expect(ready).toMatchObject({ status: 200, body: { status: 'ready' } });
      const metrics = await (await fetch(`${base}/metrics`, { headers: operator })).text();
      for (const metric of expected.metrics) expect(metrics).toContain(metric);
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

  test(`${name}: refuses to start when SCHEMA_REGISTRY_URL is not a schema registry, saying what to set`, async () => {
    const err = await runService(
      name,
      {
        // Apicurio's root: it answers 404 without a registry error code, so every lookup would be a 404.
        SCHEMA_REGISTRY_URL: 'http://localhost:8081',
        PORT: String(await freePort()),
        SERVICE_NAME: `${name}-misconfigured-${randomUUID().slice(0, 8)}`,
        ORDERFLOW_ENV: 'test',
      },
      30_000,
    ).then(
      async (proc) => {
        await proc.stop('SIGKILL');
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toMatch(/exit 1/);
    expect(message).toMatch(/SCHEMA_REGISTRY_URL/);
    expect(message).toMatch(/\/apis\/ccompat\/v7/);
  });
}
