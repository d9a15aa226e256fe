// Type-aware lint for the whole monorepo. Generated code is linted by its generator's tests,
// not here (STYLE rule 3).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Every workspace is imported by its package name (STYLE rule 7): a relative path into another
// workspace's src/ (tests included) couples to its internals and bypasses its index.ts. tests/ is not a
// workspace, so services may use tests/support; nothing may reach into a workspace's src/ from outside.
const workspaceBoundaries = [
  {
    group: ['**/packages/*/src', '**/packages/*/src/**', '**/services/*/src', '**/services/*/src/**'],
    message:
      "Import a workspace by its package name (@orderflow/...), never another workspace's src/ by path.",
  },
  {
    group: ['@orderflow/*/src', '@orderflow/*/src/**'],
    message: 'Import a workspace by its package name, never its src/.',
  },
];

// Services talk only through topics (DESIGN: Layout); they never import each other.
const serviceBoundaries = [
  {
    group: [
      '@orderflow/*-service',
      '@orderflow/*-service/**',
      '**/services/*/**',
      // A sibling service by a relative path that never names services/ (e.g. '../../../order/src/app').
      ...['order', 'payment', 'inventory', 'notification'].flatMap((s) => [`**/${s}/src`, `**/${s}/src/**`]),
    ],
    message: 'Services never import each other; publish an event instead.',
  },
];

// decide.ts holds a use case's pure decision (STYLE rule 14): no database, Kafka, Redis, HTTP, file
// system, network or process I/O, so it is unit-tested without anything running.
const decideIo = [
  {
    group: [
      'pg',
      'pg/**',
      'pg-*',
      '@prisma/*',
      'kafkajs',
      'ioredis',
      'express',
      'node:fs',
      'node:fs/*',
      'fs',
      'fs/*',
      'node:net',
      'net',
      'node:http',
      'node:https',
      'node:http2',
      'http',
      'https',
      'http2',
      'node:child_process',
      'child_process',
      'node:dgram',
      'node:tls',
      'undici',
      '**/db',
      '**/db/**',
      '**/generated/prisma',
      '**/generated/prisma/**',
    ],
    message: 'decide.ts is a pure decision: do the I/O in handler.ts or route.ts and pass the result in.',
  },
];

export default tseslint.config(
  {
    ignores: [
      '**/node_modules/**',
      '**/dist/**',
      '.stack/**',
      'coverage/**',
      'packages/contracts/src/gen/**',
      'prisma/**/generated/**',
      'services/*/src/generated/**',
      'packages/platform/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: workspaceBoundaries }] },
  },
  {
    files: ['services/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [...serviceBoundaries, ...workspaceBoundaries] }],
    },
  },
  {
    // Flat config replaces (not merges) a rule's options per file, so decide.ts repeats the boundaries.
    files: ['**/decide.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [...decideIo, ...serviceBoundaries, ...workspaceBoundaries] },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: {
        jest: 'readonly',
        require: 'readonly',
        module: 'writable',
        __dirname: 'readonly',
        process: 'readonly',
        console: 'readonly',
      },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The console's page: plain browser JavaScript, no build step (services/console/public).
    files: ['services/console/public/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: {
        document: 'readonly',
        window: 'readonly',
        location: 'readonly',
        sessionStorage: 'readonly',
        fetch: 'readonly',
        Node: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
);
