// Impact analysis on the real schemas and the real services' code: a changed copy of a real schema in a
// temp dir, diffed against the committed one, must name the files and handlers that use each field.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readResolvedSchema } from '../generator/shared-types';
import { loadSchemaFile, parseSchemaText } from '../schema/inputs';
import { analyseImpact, impactAnnotations, impactText } from './impact';
import type { ImpactReport } from './impact';
import { diffSchemas } from './schema-diff';

// One ts.Program over every service (seconds on a shared 2-core machine).
jest.setTimeout(120_000);

const ROOT = path.resolve(__dirname, '../../..');

type Json = { name: string; type: unknown; fields?: Json[]; [key: string]: unknown };

/** A real topic schema with its shared types inlined (the Avro it writes). */
function realSchema(file: string): Json {
  return readResolvedSchema(ROOT, `schemas/avro/${file}`) as Json;
}

const fieldOf = (record: Json, name: string): Json => {
  const found = record.fields?.find((f) => f.name === name);
  if (!found) throw new Error(`no field ${name} in ${record.name}`);
  return found;
};

/** Diff a real schema against a changed copy written to (and read back from) a temp dir. */
function diffChangedCopy(dir: string, file: string, change: (schema: Json) => void) {
  const old = parseSchemaText(JSON.stringify(realSchema(file)), file);
  const copy = realSchema(file);
  change(copy);
  const target = path.join(dir, file);
  fs.writeFileSync(target, JSON.stringify(copy, null, 2));
  return diffSchemas(old, loadSchemaFile(target, file).schema);
}

describe('impact of a change to a shared type', () => {
  it('attributes the field in every topic using it, and says the other topics change in the same diff', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impact-shared-'));
    try {
      // What `check` hands impact analysis when schemas/avro/shared/…Customer.avsc drops `email`.
      const files = [
        'order_created',
        'payment_successful',
        'payment_failed',
        'inventory_updated',
        'payment_refunded',
        'order_expired',
      ];
      const diffs = files.map((topic) => ({
        topic,
        subject: `${topic}-value`,
        schema: `schemas/avro/${topic}.avsc`,
        against: 'git HEAD',
        changes: diffChangedCopy(dir, `${topic}.avsc`, (s) => {
          const customer = fieldOf(s, 'customer').type as Json;
          customer.fields = (customer.fields ?? []).filter((f) => f.name !== 'email');
        }),
      }));
      const report = analyseImpact(ROOT, diffs);
      expect(
        report.topics.map((t) => t.fields.map((f) => `${f.path} ${f.record}.${f.field} ${f.kind}`)),
      ).toEqual(
        [
          'OrderCreated',
          'PaymentSuccessful',
          'PaymentFailed',
          'InventoryUpdated',
          'PaymentRefunded',
          'OrderExpired',
        ].map((record) => [`${record}.customer.email Customer.email removed`]),
      );
      const read = report.topics[0]!.fields[0]!.uses.find((u) => u.access === 'read')!;
      expect(read.file).toBe('services/notification/src/notifying-customer/decide.ts');
      expect(read.sees).toMatch(
        /^through InventoryUpdated, OrderExpired, PaymentFailed, PaymentRefunded \(other topics' events, the same generated Customer, changed in this diff too\)/,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('impact of changes to the real schemas', () => {
  let dir: string;
  let report: ImpactReport;
  const field = (p: string) => {
    const found = report.topics.flatMap((t) => t.fields).find((f) => f.path === p);
    if (!found) throw new Error(`no change at ${p}`);
    return found;
  };
  const where = (p: string) => field(p).uses.map((u) => `${u.access} ${u.service} ${u.file} ${u.handler}`);

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impact-'));
    const orderCreated = diffChangedCopy(dir, 'order_created.avsc', (s) => {
      const customer = fieldOf(s, 'customer').type as Json;
      customer.fields = (customer.fields ?? []).filter((f) => f.name !== 'email');
      const line = (fieldOf(s, 'lines').type as { items: Json }).items;
      fieldOf(line, 'quantity').type = 'long';
      fieldOf(s, 'occurredAt').type = { type: 'long', logicalType: 'timestamp-micros' };
      s.fields?.push({ name: 'giftMessage', type: ['null', 'string'], default: null });
    });
    const inventoryUpdated = diffChangedCopy(dir, 'inventory_updated.avsc', (s) => {
      const status = fieldOf(s, 'status').type as { symbols: string[] };
      status.symbols.push('PARTIALLY_RESERVED');
    });
    report = analyseImpact(ROOT, [
      {
        topic: 'order_created',
        subject: 'order_created-value',
        schema: 'schemas/avro/order_created.avsc',
        against: 'git HEAD',
        changes: orderCreated,
      },
      {
        topic: 'inventory_updated',
        subject: 'inventory_updated-value',
        schema: 'schemas/avro/inventory_updated.avsc',
        against: 'git HEAD',
        changes: inventoryUpdated,
      },
    ]);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds exactly the changed fields, nested records under their own generated types', () => {
    expect(
      report.topics.flatMap((t) => t.fields.map((f) => `${f.path} ${f.record}.${f.field} ${f.kind}`)),
    ).toEqual([
      'OrderCreated.occurredAt OrderCreated.occurredAt logical-type-changed',
      'OrderCreated.giftMessage OrderCreated.giftMessage added',
      'OrderCreated.customer.email Customer.email removed',
      'OrderCreated.lines[].quantity OrderLine.quantity type-changed',
      'InventoryUpdated.status InventoryUpdated.status enum-symbols-changed',
    ]);
  });

  it('names the notification service reading the customer email and the order service writing it', () => {
    expect(where('OrderCreated.customer.email')).toEqual(
      expect.arrayContaining([
        'read notification services/notification/src/notifying-customer/decide.ts decideNotification',
        'write order services/order/src/placing-order/place-order.ts insert',
      ]),
    );
    const [read, write] = ['read', 'write'].map((a) =>
      field('OrderCreated.customer.email').uses.find((u) => u.access === a),
    );
    expect(read?.text).toBe('event.customer.email');
    expect(read?.sees).toMatch(/new events nothing: it cannot decode them \(no default\)/);
    expect(read?.sees).toMatch(/regenerated: this read no longer compiles/);
    // The notification service gets the customer from other topics' events that share the generated
    // Customer type: reported, and said so.
    expect(read?.via).toEqual(['InventoryUpdated', 'OrderExpired', 'PaymentFailed', 'PaymentRefunded']);
    expect(read?.otherTopics).toBe(true);
    expect(write?.via).toEqual(['OrderCreated']);
    expect(write?.otherTopics).toBe(false);
  });

  it('resolves array items to their record: the inventory service reads each line quantity', () => {
    expect(where('OrderCreated.lines[].quantity')).toContain(
      'read inventory services/inventory/src/reserving-stock/decide.ts demandOf',
    );
    expect(field('OrderCreated.lines[].quantity').uses[0]?.sees).toMatch(/old events give int values/);
  });

  it('says what a re-annotated timestamp and a new field with a default mean for old events', () => {
    expect(field('OrderCreated.occurredAt').effect).toMatch(/same bytes, new meaning/);
    expect(field('OrderCreated.giftMessage').effect).toBe(
      'old events do not carry it: new readers read null; readers on the old schema ignore it',
    );
    expect(field('OrderCreated.giftMessage').uses).toEqual([]);
  });

  it('lists every service branching on an enum that gains a symbol, and the one writing it', () => {
    const services = new Set(field('InventoryUpdated.status').uses.map((u) => `${u.access} ${u.service}`));
    expect([...services].sort()).toEqual([
      'read inventory',
      'read notification',
      'read order',
      'read payment',
      'write inventory',
    ]);
    expect(field('InventoryUpdated.status').effect).toBe(
      'new events may carry PARTIALLY_RESERVED: readers on the old schema read UNKNOWN',
    );
  });

  it('prints text with file:line and handler, and one ::notice annotation per use', () => {
    const text = impactText(report);
    expect(text).toContain('  OrderCreated.customer.email: removed (was string, no default)');
    expect(
      text.some((l) =>
        /^ {4}read notification services\/notification\/src\/notifying-customer\/decide\.ts:\d+ decideNotification via [A-Za-z|]+: event\.customer\.email$/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(text.at(-1)).toMatch(
      /^impact: 5 changed field\(s\) in 2 topic\(s\); \d+ use\(s\) in 4 service\(s\) \[inventory, notification, order, payment\]; \d+ files indexed in \d+ ms\.$/,
    );
    const notices = impactAnnotations(report);
    expect(notices).toHaveLength(report.topics.flatMap((t) => t.fields.flatMap((f) => f.uses)).length);
    expect(notices).toContainEqual(
      expect.stringMatching(
        /^::notice file=services\/notification\/src\/notifying-customer\/decide\.ts,line=\d+,col=\d+,title=impact of order_created%3A OrderCreated\.customer\.email removed::notification decideNotification /,
      ),
    );
  });
});

describe('diffSchemas', () => {
  const rec = (fields: unknown[]) => loadFrom({ type: 'record', name: 'R', fields });
  const loadFrom = (json: unknown) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'impact-diff-'));
    try {
      const file = path.join(dir, 'r.avsc');
      fs.writeFileSync(file, JSON.stringify(json));
      return loadSchemaFile(file, 'r.avsc').schema;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('reports a changed default and follows a rename through aliases', () => {
    const changes = diffSchemas(
      rec([
        { name: 'a', type: 'int', default: 1 },
        { name: 'b', type: 'string' },
      ]),
      rec([
        { name: 'a', type: 'int', default: 2 },
        { name: 'c', type: 'string', aliases: ['b'] },
      ]),
    );
    expect(changes.map((c) => `${c.path} ${c.kind} ${c.old ?? ''} → ${c.new ?? ''}`)).toEqual([
      'R.a default-changed default 1 → default 2',
    ]);
  });

  it('reports a removed enum symbol as what old events may still carry', () => {
    const e = (symbols: string[]) =>
      rec([{ name: 's', type: { type: 'enum', name: 'S', symbols, default: 'A' } }]);
    expect(diffSchemas(e(['A', 'B']), e(['A']))[0]?.effect).toBe(
      'old events may carry B: new readers read A',
    );
  });
});
