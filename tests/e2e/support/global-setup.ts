// jest globalSetup of the e2e project: the stack must be up (`npm run stack -- up`); this applies the
// migrations, registers the schemas (both idempotent) and starts whichever services are not answering.
import { ensureServices, npmRun } from './services';
import type { ServiceName } from './services';

declare global {
  var __ORDERFLOW_E2E_STARTED__: ServiceName[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const t0 = Date.now();
  npmRun(['db', '--', 'migrate']);
  npmRun(['schema', '--', 'register']);
  globalThis.__ORDERFLOW_E2E_STARTED__ = await ensureServices((line) => process.stdout.write(`\n${line}`));
  process.stdout.write(`\ne2e: services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
