// Runs the generated code (STYLE rule 5): the kitchen-sink fixture's output is type-checked with the
// repository's compiler settings and executed, and the committed @orderflow/contracts is exercised
// against an in-process fake registry.
import path from 'node:path';
import ts from 'typescript';
import { SchemaRegistryClient } from '@orderflow/codec';
import type { TopicCodec, ValidationIssue } from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';
import {
  createOrderApiClient,
  orderCreated,
  orderCreatedCodec,
  paymentFailed,
  Topics,
  InventoryStatus,
  topicDescriptors,
} from '@orderflow/contracts';
import type { OrderCreatedInput } from '@orderflow/contracts';
import { diffAgainstDisk, generate, writeFiles } from './generate';
import { fixture, makeRoot, removeRoots, REPO_ROOT } from './test-support';

jest.setTimeout(120_000);

interface SinkModule {
  validateKitchenSink(value: unknown): ValidationIssue[];
  kitchenSinkCodec(
    registry: SchemaRegistryClient,
  ): TopicCodec<Record<string, unknown>, Record<string, unknown>>;
  Topics: Record<string, string>;
}

const sinkValue = (): Record<string, unknown> => ({
  orderId: '7d3c2b1a-0f9e-4d8c-b7a6-5f4e3d2c1b0a',
  at: new Date('2026-03-04T05:06:07.089Z'),
  day: '2026-02-28',
  flag: true,
  count: -5,
  total: 9_007_199_254_740_990,
  ratio: 0.5,
  precise: Math.PI,
  blob: Buffer.from([1, 2, 3]),
  hash: Buffer.alloc(16, 7),
  colour: 'GREEN',
  tags: ['a', 'b'],
  attributes: { x: 1, y: -2 },
  note: null,
  choice: { 'dev.orderflow.test.Colour': 'RED' },
  either: 42,
  child: { label: 'root', children: [{ label: 'leaf', children: [], weight: 3 }], weight: 1 },
  nodes: { a: null, b: { label: 'b', children: [], weight: 2 } },
  stamps: new Date(0),
});

describe('generated kitchen-sink code', () => {
  let root: string;
  let sink: SinkModule;
  let fake: FakeRegistry;

  beforeAll(async () => {
    root = makeRoot([
      { topic: 'kitchen_sink', avsc: fixture('kitchen_sink.avsc') },
      { topic: 'sink_twin', avsc: fixture('sink_twin.avsc') },
    ]);
    const files = await generate(root);
    writeFiles(root, files, diffAgainstDisk(root, files));
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is generated at test time
    sink = require(path.join(root, 'packages', 'contracts', 'src', 'gen', 'kitchen-sink.ts')) as SinkModule;
    fake = await startFakeRegistry();
  });
  afterAll(async () => {
    await fake.close();
    removeRoots();
  });

  it('type-checks under the repository strict settings', () => {
    const base = ts.readConfigFile(path.join(REPO_ROOT, 'tsconfig.base.json'), (p) => ts.sys.readFile(p));
    const { options } = ts.parseJsonConfigFileContent(base.config, ts.sys, REPO_ROOT);
    const genDir = path.join(root, 'packages', 'contracts', 'src');
    const rootNames = [path.join(genDir, 'index.ts')];
    const program = ts.createProgram(rootNames, { ...options, noEmit: true });
    const diagnostics = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName.startsWith(root));
    expect(
      diagnostics.map(
        (d) =>
          `${path.relative(root, d.file!.fileName)}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`,
      ),
    ).toEqual([]);
  });

  it('validates a value using every construct, and reports each bad field by path', () => {
    expect(sink.validateKitchenSink(sinkValue())).toEqual([]);
    const bad = {
      ...sinkValue(),
      count: 2 ** 31,
      total: 9_007_199_254_740_991,
      day: '2026-13-45',
      hash: Buffer.alloc(3),
      colour: 'BLUE',
      tags: ['a', 3],
      attributes: { 'a key': 'x' },
      choice: { int: 1 },
      either: true,
      child: { label: 'root', children: [{ label: 'leaf', children: [], weight: '3' }] },
      nodes: { b: { label: 7, children: [] } },
      stamps: new Date('nope'),
      extra: 1,
    };
    expect(sink.validateKitchenSink(bad).map((i) => i.message)).toEqual([
      'day: expected a YYYY-MM-DD date string, got "2026-13-45"',
      'count: expected int, got 2147483648',
      'total: expected long, got 9007199254740991',
      'hash: expected a 16-byte Buffer (Md5), got Buffer(3 bytes)',
      'colour: expected one of UNKNOWN|RED|GREEN, got "BLUE"',
      'tags[1]: expected string, got 3',
      'attributes["a key"]: expected long, got "x"',
      'choice: expected null | string | long | Colour, got object',
      'either: expected string | int, got true',
      'child.children[0].weight: expected int, got "3"',
      'nodes["b"].label: expected string, got 7',
      'stamps: expected a valid Date (timestamp-millis), got Invalid Date',
      'extra: KitchenSink has no field "extra" (fields: orderId, at, day, flag, count, total, ratio, precise, blob, hash, colour, tags, attributes, note, choice, either, child, nodes, stamps)',
    ]);
  });

  it('round-trips every construct through its codec and fills defaults for omitted fields', async () => {
    const registry = new SchemaRegistryClient({ url: fake.url });
    const codec = sink.kitchenSinkCodec(registry);
    fake.add('kitchen_sink-value', codec.schemaText);
    const value = sinkValue();
    expect(await codec.decode(await codec.encode(value))).toEqual(value);
    const { note: _note, choice: _choice, either: _either, stamps: _stamps, ...required } = value;
    const child = { label: 'c', children: [] };
    const decoded = await codec.decode(await codec.encode({ ...required, child }));
    expect(decoded).toMatchObject({
      note: null,
      choice: null,
      either: 'x',
      stamps: null,
      child: { label: 'c', children: [], weight: 1 },
    });
  });
});

describe('@orderflow/contracts (committed generated package)', () => {
  let fake: FakeRegistry;
  beforeAll(async () => {
    fake = await startFakeRegistry();
  });
  afterAll(() => fake.close());

  const order = (): OrderCreatedInput => ({
    eventId: '0d7c5e1a-2b3c-4d5e-8f90-a1b2c3d4e5f6',
    occurredAt: new Date(1_764_000_000_000),
    orderId: '5f0c6a2e-7a3b-4c1d-9e8f-0a1b2c3d4e5f',
    customer: { id: 'c-1', email: 'ada@example.com' },
    lines: [
      { sku: 'A', quantity: 1, unitPriceMinor: 100 },
      { sku: 'B', quantity: 2, unitPriceMinor: 200 },
      { sku: 'C', quantity: 3, unitPriceMinor: 300 },
    ],
    amountMinor: 1400,
    currency: 'EUR',
  });

  it('names field paths in validation issues', () => {
    const bad = {
      ...order(),
      lines: [...order().lines.slice(0, 2), { sku: 'C', quantity: '3', unitPriceMinor: 300 }],
    };
    expect(orderCreated.validate(bad).map((i) => i.message)).toEqual([
      'lines[2].quantity: expected int, got "3"',
    ]);
    expect(paymentFailed.validate({}).map((i) => i.path)).toEqual([
      'eventId',
      'occurredAt',
      'orderId',
      'paymentId',
      'reason',
      'amountMinor',
      'currency',
      'customer',
    ]);
  });

  it('encodes an input with defaults omitted and decodes the full event', async () => {
    const codec = orderCreatedCodec(new SchemaRegistryClient({ url: fake.url }), { autoRegister: true });
    const decoded = await codec.decode(await codec.encode(order()));
    expect(decoded).toEqual({
      ...order(),
      customer: { ...order().customer, name: null },
      paymentToken: null,
    });
    expect(orderCreated.key(decoded)).toBe(order().orderId);
    // The outbox and publishEvent take the key from the codec: the same one.
    expect(codec.key(decoded)).toBe(order().orderId);
  });

  it('exposes topic names, enum symbols and descriptors without string literals at call sites', () => {
    expect(Topics.OrderCreated).toBe('order_created');
    expect(InventoryStatus.OUT_OF_STOCK).toBe('OUT_OF_STOCK');
    expect(topicDescriptors.order_created).toBe(orderCreated);
    expect(orderCreated.deadLetterTopic).toBe('order_created.DLT');
  });

  it('builds typed order-API requests with openapi-fetch', async () => {
    const seen: { method: string; url: string; body: string; key: string | null }[] = [];
    const client = createOrderApiClient('http://orders.test', {
      fetch: async (request: Request) => {
        seen.push({
          method: request.method,
          url: request.url,
          body: await request.text(),
          key: request.headers.get('Idempotency-Key'),
        });
        return new Response(JSON.stringify({ type: 'about:blank', title: 'Not found', status: 404 }), {
          status: 404,
          headers: { 'Content-Type': 'application/problem+json' },
        });
      },
    });
    const created = await client.POST('/orders', {
      params: { header: { 'Idempotency-Key': 'k-1' } },
      body: {
        customer: { id: 'c', email: 'a@b.c' },
        lines: [{ sku: 'A', quantity: 1, unitPriceMinor: 5 }],
        currency: 'EUR',
      },
    });
    expect(created.error).toEqual({ type: 'about:blank', title: 'Not found', status: 404 });
    await client.GET('/orders/{orderId}', { params: { path: { orderId: 'abc' } } });
    await client.GET('/orders', { params: { query: { status: 'CONFIRMED', limit: 5 } } });
    expect(seen.map((s) => `${s.method} ${s.url}`)).toEqual([
      'POST http://orders.test/orders',
      'GET http://orders.test/orders/abc',
      'GET http://orders.test/orders?status=CONFIRMED&limit=5',
    ]);
    expect(seen[0]).toMatchObject({ key: 'k-1' });
    expect(JSON.parse(seen[0]!.body)).toMatchObject({ currency: 'EUR' });
  });
});
