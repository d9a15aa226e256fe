// jest globalTeardown of the e2e project: stops only the services globalSetup started (ones that were
// already running stay up). ORDERFLOW_E2E_KEEP_SERVICES=1 leaves them running for a faster next run.
import { stopServices } from './services';

export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__ORDERFLOW_E2E_STARTED__ ?? [];
  // Read here, not in a config module: a test-harness switch, not a service setting.
  if (process.env.ORDERFLOW_E2E_KEEP_SERVICES === '1') return;
  await stopServices(started);
}
