// jest globalSetup of the e2e project: the stack must be up (`npm run stack -- up`); this applies the
// migrations, registers the schemas (both idempotent), starts whichever services are not answering, and
// waits until the order service charges the seeded SKUs' prices (its catalog read model is filled from
// catalog_price_set, which the inventory publishes when it seeds them).
import { waitForCatalog } from '../../support/catalog';
import { SEEDED_SKUS } from './saga';
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
  await waitForCatalog(SEEDED_SKUS);
  process.stdout.write(`\ne2e: services ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
}
