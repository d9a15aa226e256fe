// A keep-alive connection left idle for longer than Node's default 5 s is still the server's to reuse:
// before the HTTP kit set its own keepAliveTimeout, the server closed it at 5 s, and a client reusing it
// at that moment got ECONNRESET (the saga bench's POSTs did). Nothing but an in-process server is started.
import http from 'node:http';
import { createHttpApp, listen } from './http';
import { createLogger } from './logger';
import { createMetricsRegistry } from './metrics';

jest.setTimeout(20_000);

test('an idle keep-alive connection outlives 5 s and is reused', async () => {
  const app = createHttpApp({
    logger: createLogger({ service: 'keep-alive-test', level: 'silent' }),
    metrics: createMetricsRegistry('keep-alive-test', { defaultMetrics: false }),
    readiness: [],
    routes: (a) => a.get('/ping', (_req, res) => void res.json({ ok: true })),
  });
  const server = await listen(app, 0, '127.0.0.1');
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const localPort = () =>
    new Promise<number>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: server.port, path: '/ping', agent }, (res) => {
          const port = res.socket.localPort ?? -1;
          res.resume();
          res.on('end', () => resolve(port));
        })
        .on('error', reject);
    });
  try {
    const first = await localPort();
    await new Promise((r) => setTimeout(r, 6_000));
    expect(await localPort()).toBe(first);
  } finally {
    agent.destroy();
    await server.close();
  }
});
