// Builds throw-away repository roots for the generator's unit tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The real repository root (for copying the OpenAPI document and schemas). */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
/** The generator's test fixtures. */
export const FIXTURES = path.join(REPO_ROOT, 'codegen', 'test-fixtures');

const created: string[] = [];

/** Removes every root made by makeRoot in this test file (call from afterAll). */
export function removeRoots(): void {
  for (const root of created.splice(0)) fs.rmSync(root, { recursive: true, force: true });
}

/** A topic row for a fixture root. */
export interface FixtureTopic {
  topic: string;
  /** .avsc text. */
  avsc: string;
  producer?: string;
  consumers?: string[];
  /** The row's `key` and `config`, written as given (tests of the table's validation pass bad ones). */
  key?: unknown;
  config?: unknown;
}

/**
 * Creates a repository-shaped directory in the OS temp dir with schemas/topics.json, the given
 * .avsc files and the real OpenAPI document. Its node_modules links to the repository's, so code
 * generated into it can import the workspace packages.
 */
export function makeRoot(topics: FixtureTopic[]): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codegen-'));
  created.push(root);
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.mkdirSync(path.join(root, 'schemas', 'avro'), { recursive: true });
  fs.mkdirSync(path.join(root, 'schemas', 'openapi'), { recursive: true });
  fs.copyFileSync(
    path.join(REPO_ROOT, 'schemas', 'openapi', 'order-api.yaml'),
    path.join(root, 'schemas', 'openapi', 'order-api.yaml'),
  );
  for (const t of topics) fs.writeFileSync(path.join(root, 'schemas', 'avro', `${t.topic}.avsc`), t.avsc);
  const table = {
    defaults: { compatibility: 'FULL_TRANSITIVE', partitions: 3 },
    services: ['order', 'payment', 'inventory', 'notification'],
    topics: topics.map((t) => ({
      topic: t.topic,
      schema: `avro/${t.topic}.avsc`,
      subject: `${t.topic}-value`,
      producer: t.producer ?? 'order',
      consumers: t.consumers ?? ['payment'],
      ...(t.key === undefined ? {} : { key: t.key }),
      ...(t.config === undefined ? {} : { config: t.config }),
    })),
  };
  fs.writeFileSync(path.join(root, 'schemas', 'topics.json'), JSON.stringify(table, null, 2));
  return root;
}

/** The text of a fixture schema. */
export function fixture(name: string): string {
  return fs.readFileSync(path.join(FIXTURES, name), 'utf8');
}

/** A minimal valid topic schema whose record is `name`, with extra fields appended. */
export function minimalSchema(name: string, extraFields: unknown[] = []): string {
  return JSON.stringify(
    {
      type: 'record',
      name,
      namespace: 'dev.orderflow.test',
      doc: `${name} event.`,
      fields: [
        { name: 'orderId', type: { type: 'string', logicalType: 'uuid' }, doc: 'Key.' },
        ...extraFields,
      ],
    },
    null,
    2,
  );
}
