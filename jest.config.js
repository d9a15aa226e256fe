// Test scopes are chosen by file suffix (STYLE rule 19): unit tests need nothing running;
// contract, int and e2e tests run against the real stack (`npm run stack -- up`).
const transform = {
  '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' } }],
};
const ignore = ['/node_modules/', '/.stack/', '/dist/'];
const project = (name, suffix, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  transform,
  testMatch: [`<rootDir>/**/*.${suffix}.test.ts`],
  testPathIgnorePatterns: ignore,
  globals: { ORDERFLOW_TEST_SCOPE: name },
  setupFilesAfterEnv: ['<rootDir>/tests/support/timeouts.js'],
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit', 'unit'),
    project('contract', 'contract'),
    project('int', 'int'),
    project('e2e', 'e2e', {
      // Starts the four services when they are not already answering on 8001-8004; stops what it started.
      globalSetup: '<rootDir>/tests/e2e/support/global-setup.ts',
      globalTeardown: '<rootDir>/tests/e2e/support/global-teardown.ts',
    }),
  ],
  // One test file at a time: the int and e2e suites share the stack's topics and the running
  // services, and their assertions count messages per order.
  maxWorkers: 1,
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
};
