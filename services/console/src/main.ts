// Entry point: `npm start` runs it compiled (services/console/dist/main.js); `tsx services/console/src/main.ts` from source.
import { serviceMain } from '@orderflow/platform';
import { createConsoleApp } from './app';
import { configFromEnvironment } from './config';
import { LiveSource } from './live/live-source';

serviceMain('console', configFromEnvironment, async (config, logger) => {
  const source = new LiveSource(config, logger);
  await source.start();
  return createConsoleApp(config, source, { logger }).start();
});
