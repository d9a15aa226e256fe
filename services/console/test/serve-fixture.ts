// Serves the console over the in-memory fixture on a free port (no stack), for the unit and browser tests.
import { createLogger, listen } from '@orderflow/platform';
import { createConsoleApp } from '../src/app';
import { loadConsoleConfig } from '../src/config';
import { FixtureSource } from './fixture-source';

/** A console on 127.0.0.1:<free port> answering from a FixtureSource. */
export async function serveFixture(): Promise<{
  url: string;
  source: FixtureSource;
  close: () => Promise<void>;
}> {
  const source = new FixtureSource();
  const config = loadConsoleConfig({ ORDERFLOW_ENV: 'test', LOG_LEVEL: 'silent' });
  const app = createConsoleApp(config, source, {
    logger: createLogger({ service: 'console', level: 'silent' }),
  });
  const server = await listen(app.http, 0);
  return { url: `http://127.0.0.1:${server.port}`, source, close: server.close };
}
