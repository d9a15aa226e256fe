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
  ...extra,
});

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    project('unit', 'unit'),
    project('contract', 'contract', { testTimeout: 30_000 }),
    project('int', 'int', { testTimeout: 60_000 }),
    project('e2e', 'e2e', { testTimeout: 180_000 }),
  ],
  reporters: ['default', '<rootDir>/tests/support/summary-reporter.js'],
};
