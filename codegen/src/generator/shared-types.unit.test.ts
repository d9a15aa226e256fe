import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalSchema, parseAvroSchema } from '@orderflow/codec';
import { orderCreated, paymentSuccessful, topicDescriptors } from '@orderflow/contracts';
import { CodegenError } from './errors';
import { generate, GEN_DIR } from './generate';
import { loadSharedTypes, readResolvedSchema, SHARED_DIR } from './shared-types';
import { loadTopicTable } from './topic-table';
import { makeRoot, minimalSchema, removeRoots, REPO_ROOT } from './test-support';

// generate() runs the OpenAPI worker too: seconds on a shared 2-core machine.
jest.setTimeout(60_000);
afterAll(removeRoots);

const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' });

/** The last commit before schemas/avro/shared/ existed (HEAD while it is not committed yet). */
function beforeSharedTypes(): string {
  const added = git('log', '--format=%H', '--diff-filter=A', '--', SHARED_DIR).trim().split('\n').at(-1);
  return added ? `${added}^` : 'HEAD';
}

describe('the real schemas with shared types', () => {
  const table = loadTopicTable(REPO_ROOT);
  const base = beforeSharedTypes();

  it.each(table.topics.map((t) => t.schema))(
    '%s writes the same Avro as before the shared types (canonical text and parsing canonical form)',
    (schema) => {
      const before = JSON.parse(git('show', `${base}:schemas/${schema}`)) as object;
      const after = readResolvedSchema(REPO_ROOT, `schemas/${schema}`) as object;
      expect(canonicalSchema(after)).toBe(canonicalSchema(before));
      // avsc's fingerprint is over the Parsing Canonical Form: the wire schema itself.
      expect(parseAvroSchema(after).fingerprint('sha256').toString('hex')).toBe(
        parseAvroSchema(before).fingerprint('sha256').toString('hex'),
      );
    },
  );

  it('keeps Customer and OrderLine once, in schemas/avro/shared/, and no topic file defines them', () => {
    const { shared, problems } = loadSharedTypes(REPO_ROOT);
    expect(problems).toEqual([]);
    expect(shared.ordered.map((t) => t.file)).toEqual([
      `${SHARED_DIR}/dev.orderflow.events.Customer.avsc`,
      `${SHARED_DIR}/dev.orderflow.events.OrderLine.avsc`,
    ]);
    for (const row of table.topics) {
      const text = fs.readFileSync(path.join(REPO_ROOT, 'schemas', row.schema), 'utf8');
      expect(text).not.toMatch(/"name": "(Customer|OrderLine)"/);
    }
  });

  it('generates one Customer type and validator, in the shared module, that every topic module imports', () => {
    const gen = fs.readdirSync(path.join(REPO_ROOT, GEN_DIR)).map((f) => ({
      f,
      text: fs.readFileSync(path.join(REPO_ROOT, GEN_DIR, f), 'utf8'),
    }));
    const defining = gen.filter((g) => /export interface Customer \{/.test(g.text)).map((g) => g.f);
    expect(defining).toEqual(['shared.ts']);
    expect(gen.filter((g) => /export function validateCustomer\(/.test(g.text)).map((g) => g.f)).toEqual([
      'shared.ts',
    ]);
    const users = gen.filter((g) => /\bcustomer: Customer;/.test(g.text)).map((g) => g.f);
    expect(users).toHaveLength(6);
    for (const g of gen.filter((x) => users.includes(x.f)))
      expect(g.text).toMatch(/^import type \{[^}]*\bCustomer\b[^}]*\} from '\.\/shared';$/m);
  });

  it('gives each topic descriptor what is registered: the file as written, naming its shared types', () => {
    expect(orderCreated.registration?.references.map((r) => `${r.name} @ ${r.subject}`)).toEqual([
      'dev.orderflow.events.Customer @ dev.orderflow.events.Customer',
      'dev.orderflow.events.OrderLine @ dev.orderflow.events.OrderLine',
    ]);
    const written = JSON.parse(paymentSuccessful.registration.schema) as {
      fields: { name: string; type: unknown }[];
    };
    expect(written.fields.find((f) => f.name === 'customer')?.type).toBe('dev.orderflow.events.Customer');
    // A topic without shared types registers its schema alone, as before.
    expect(topicDescriptors.notification_sent.registration?.references).toEqual([]);
    expect(topicDescriptors.notification_sent.registration?.schema).toBe(
      canonicalSchema(topicDescriptors.notification_sent.schema),
    );
  });
});

const NS = 'dev.orderflow.test';
const sharedRecord = (name: string, fields: unknown[]) =>
  JSON.stringify({ type: 'record', name, namespace: NS, doc: `${name}.`, fields }, null, 2);
const writeShared = (root: string, file: string, text: string) => {
  fs.mkdirSync(path.join(root, SHARED_DIR), { recursive: true });
  fs.writeFileSync(path.join(root, SHARED_DIR, file), text);
};
const problemsOf = async (root: string): Promise<string[]> => {
  try {
    await generate(root, { version: '9.9.9' });
  } catch (err) {
    if (err instanceof CodegenError) return err.message.split('\n');
    throw err;
  }
  throw new Error('generate() accepted the input');
};
const usesMoney = (topic: string) =>
  minimalSchema(topic, [{ name: 'price', type: `${NS}.Money`, doc: 'Price.' }]);

describe('shared types in code generation', () => {
  it('emits a shared type used by a single topic in the shared module too', async () => {
    const root = makeRoot([{ topic: 'priced', avsc: usesMoney('Priced') }]);
    writeShared(
      root,
      `${NS}.Money.avsc`,
      sharedRecord('Money', [{ name: 'minor', type: 'long', doc: 'Minor.' }]),
    );
    const files = await generate(root, { version: '9.9.9' });
    const shared = files.find((f) => f.path === `${GEN_DIR}/shared.ts`)!;
    expect(shared.contents.split('\n')[0]).toBe(
      `// Code generated by @orderflow/codegen v9.9.9 from ${SHARED_DIR}/${NS}.Money.avsc. DO NOT EDIT.`,
    );
    expect(shared.contents).toContain('export interface Money {');
    const topic = files.find((f) => f.path === `${GEN_DIR}/priced.ts`)!;
    expect(topic.contents).not.toContain('export interface Money');
    expect(topic.contents).toContain('references: [moneyRegistration],');
  });

  it('names the file, the place and the type when a shared type is missing', async () => {
    const root = makeRoot([{ topic: 'priced', avsc: usesMoney('Priced') }]);
    expect(await problemsOf(root)).toEqual([
      `schemas/avro/priced.avsc: at fields[1].type: unknown type ${NS}.Money: not a primitive, not defined earlier in the file, and no ${SHARED_DIR}/${NS}.Money.avsc`,
    ]);
  });

  it('refuses a topic schema keeping its own copy of a shared type', async () => {
    const copy = minimalSchema('Priced', [
      {
        name: 'price',
        type: { type: 'record', name: 'Money', fields: [{ name: 'minor', type: 'long' }] },
        doc: 'Price.',
      },
    ]);
    const root = makeRoot([{ topic: 'priced', avsc: copy }]);
    writeShared(root, `${NS}.Money.avsc`, sharedRecord('Money', [{ name: 'minor', type: 'long' }]));
    expect(await problemsOf(root)).toEqual([
      `schemas/avro/priced.avsc: at fields[1].type: defines ${NS}.Money, which ${SHARED_DIR}/${NS}.Money.avsc also defines; use the shared type by its name "${NS}.Money" instead of a copy`,
    ]);
  });

  it('refuses shared types that use each other in a cycle, naming each file and type', async () => {
    const root = makeRoot([{ topic: 'priced', avsc: usesMoney('Priced') }]);
    writeShared(root, `${NS}.Money.avsc`, sharedRecord('Money', [{ name: 'c', type: `${NS}.Currency` }]));
    writeShared(
      root,
      `${NS}.Currency.avsc`,
      sharedRecord('Currency', [{ name: 'm', type: ['null', `${NS}.Money`] }]),
    );
    expect(await problemsOf(root)).toEqual([
      `${SHARED_DIR}/${NS}.Currency.avsc: shared types use each other in a cycle, which the registry cannot hold (each subject's version must exist before the schema naming it): ${NS}.Currency (${SHARED_DIR}/${NS}.Currency.avsc) -> ${NS}.Money (${SHARED_DIR}/${NS}.Money.avsc) -> ${NS}.Currency (${SHARED_DIR}/${NS}.Currency.avsc)`,
    ]);
  });

  it('orders shared types so that each comes after those it uses', () => {
    const root = makeRoot([]);
    writeShared(root, `${NS}.A.avsc`, sharedRecord('A', [{ name: 'b', type: `${NS}.B` }]));
    writeShared(root, `${NS}.B.avsc`, sharedRecord('B', [{ name: 'c', type: `${NS}.C` }]));
    writeShared(
      root,
      `${NS}.C.avsc`,
      JSON.stringify({ type: 'enum', name: 'C', namespace: NS, symbols: ['X'] }),
    );
    const { shared, problems } = loadSharedTypes(root);
    expect(problems).toEqual([]);
    expect(shared.ordered.map((t) => t.fullName)).toEqual([`${NS}.C`, `${NS}.B`, `${NS}.A`]);
  });

  it('refuses a file not named by its type, a nested named type and an unknown type, each with file and place', () => {
    const root = makeRoot([]);
    writeShared(root, 'Money.avsc', sharedRecord('Money', [{ name: 'minor', type: 'long' }]));
    writeShared(
      root,
      `${NS}.Line.avsc`,
      sharedRecord('Line', [
        { name: 'unit', type: { type: 'enum', name: 'Unit', symbols: ['PIECE'] } },
        { name: 'tax', type: `${NS}.Tax` },
      ]),
    );
    writeShared(root, `${NS}.Price.avsc`, sharedRecord('Price', [{ name: 'tax', type: `${NS}.Tax` }]));
    expect(loadSharedTypes(root).problems.map((p) => `${p.file} @ ${p.path}: ${p.reason}`)).toEqual([
      `${SHARED_DIR}/Money.avsc @ name: defines ${NS}.Money, so the file must be ${SHARED_DIR}/${NS}.Money.avsc (one file per type, named by its full name)`,
      `${SHARED_DIR}/${NS}.Line.avsc @ fields[0].type: defines ${NS}.Unit inside ${NS}.Line; give it its own file ${SHARED_DIR}/${NS}.Unit.avsc and use it by name`,
      `${SHARED_DIR}/${NS}.Price.avsc @ fields[0].type: unknown type ${NS}.Tax: not a primitive, not defined in the file, and no ${SHARED_DIR}/${NS}.Tax.avsc`,
    ]);
  });
});
