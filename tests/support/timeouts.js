// Jest ignores `testTimeout` inside a project's config, so each scope (jest.config.js `globals`)
// sets its own default here; the slowest stack-driven tests still set theirs explicitly.
const byScope = { unit: 5_000, contract: 30_000, int: 60_000, e2e: 180_000 };
jest.setTimeout(byScope[globalThis.ORDERFLOW_TEST_SCOPE] ?? 5_000);
