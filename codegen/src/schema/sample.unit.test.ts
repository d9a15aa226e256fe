// The pure part of `check --sample` on the real payment_failed schema and edited copies of it: each event's
// verdict (decoded / failed / changed), how verdicts group by writer and reason, and the report's text.
import path from 'node:path';
import * as avro from 'avsc';
import { frame, parseAvroSchema } from '@orderflow/codec';
import { parseAvroSchema as parseSchemaModel } from '../compat';
import { readResolvedSchema } from '../generator/shared-types';
import { makeRoot, removeRoots } from '../generator/test-support';
import { parseArgs } from './args';
import { sampleOption } from './check-command';
import { judgeEvent, offsetRanges, sampleFails, sampleText, sampleTopic, writerSide } from './sample';
import type { ReaderSide, SampledMessage, SampleReport, WriterSide } from './sample';
import { workingTreeValidators } from './working-validators';

afterAll(removeRoots);

type Schema = { fields: Array<Record<string, unknown> & { name: string; type: unknown }> };
// Shared types inlined: the Avro payment_failed events are written with.
const REAL = JSON.stringify(
  readResolvedSchema(path.resolve(__dirname, '../../..'), 'schemas/avro/payment_failed.avsc'),
);
/** The real schema with `edit` applied to a copy. */
const edited = (edit: (s: Schema) => void): string => {
  const s = JSON.parse(REAL) as Schema;
  edit(s);
  return JSON.stringify(s);
};
const field = (s: Schema, name: string) => s.fields.find((f) => f.name === name)!;
const customerOf = (s: Schema) => field(s, 'customer').type as Schema;

const reader = (text: string): ReaderSide => ({
  topic: 'payment_failed',
  type: parseAvroSchema(text),
  schema: parseSchemaModel(text),
  // The generator's own validator for this (possibly edited) schema, as `check --sample` builds it.
  validate: validatorOf(text),
});
function validatorOf(text: string): ReaderSide['validate'] {
  const root = makeRoot([{ topic: 'payment_failed', avsc: text, producer: 'payment', consumers: ['order'] }]);
  const { validators, problem } = workingTreeValidators(root);
  if (problem !== undefined) throw new Error(problem);
  return validators.get('payment_failed')!;
}
const event = (extra: object = {}) => ({
  eventId: '0b7e9d2c-4a1f-4c3e-9f5a-2d6b8c1e0f3a',
  occurredAt: new Date('2026-12-01T10:00:00.000Z'),
  orderId: '5f0c7a3e-1b2d-4e6f-8a9b-0c1d2e3f4a5b',
  paymentId: '9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d',
  reason: 'DECLINED',
  message: null,
  amountMinor: 1999,
  currency: 'EUR',
  customer: { id: 'c-1', email: 'ada@example.com', name: null },
  ...extra,
});
const message = (
  partition: number,
  offset: number,
  id: number,
  writer: string,
  value: object,
): SampledMessage => ({
  partition,
  offset: String(offset),
  value: frame(id, parseAvroSchema(writer).toBuffer(value)),
});
const writers = (r: ReaderSide, list: Array<[number, string]>): Map<number, WriterSide> =>
  new Map(list.map(([id, text], i) => [id, writerSide(r, id, i + 1, text)]));

describe('judgeEvent', () => {
  const real = reader(REAL);

  it('decodes an event written with the reader schema itself', () => {
    expect(judgeEvent(real, writers(real, [[1, REAL]]), message(0, 0, 1, REAL, event()))).toEqual({
      verdict: 'decoded',
    });
  });

  it('fails an old event when the new reader adds a field without a default, naming the field', () => {
    const next = reader(edited((s) => s.fields.push({ name: 'retryable', type: 'boolean', doc: 'x' })));
    const v = judgeEvent(next, writers(next, [[1, REAL]]), message(0, 7, 1, REAL, event()));
    expect(v).toMatchObject({ verdict: 'failed', schemaId: 1 });
    expect(v.verdict === 'failed' && v.error).toMatch(
      /^PaymentFailed\.retryable: `retryable` was added without a default/,
    );
  });

  it('changes meaning when a nested field is filled from the reader default', () => {
    const next = reader(
      edited((s) =>
        customerOf(s).fields.push({ name: 'tier', type: 'string', default: 'standard', doc: 'x' }),
      ),
    );
    expect(judgeEvent(next, writers(next, [[1, REAL]]), message(0, 0, 1, REAL, event()))).toEqual({
      verdict: 'changed',
      schemaId: 1,
      changes: [
        {
          kind: 'defaulted',
          path: 'customer.tier',
          detail: `the writer has no tier: filled from the reader's default "standard"`,
        },
      ],
    });
  });

  it('changes meaning when a writer enum symbol falls back to the reader default, and when a writer field is dropped', () => {
    const writer = edited((s) => {
      (field(s, 'reason').type as { symbols: string[] }).symbols.push('FRAUD');
      s.fields.push({ name: 'provider', type: 'string', doc: 'x' });
    });
    const v = judgeEvent(
      real,
      writers(real, [[4, writer]]),
      message(1, 3, 4, writer, event({ reason: 'FRAUD', provider: 'acme' })),
    );
    expect(v.verdict === 'changed' && v.changes.map((c) => `${c.path} ${c.kind}`)).toEqual([
      'reason enum-default',
      'provider dropped',
    ]);
  });

  it('changes meaning when the decoded value fails the generated validator', () => {
    // Written without the generated code: plain avsc takes any string for a uuid.
    const bytes = frame(
      1,
      avro.Type.forSchema(JSON.parse(REAL) as avro.Schema).toBuffer({
        ...event(),
        occurredAt: 0,
        orderId: 'not-a-uuid',
      }),
    );
    const v = judgeEvent(real, writers(real, [[1, REAL]]), { partition: 0, offset: '9', value: bytes });
    expect(v).toEqual({
      verdict: 'changed',
      schemaId: 1,
      changes: [
        { kind: 'invalid', path: 'orderId', detail: 'fails the generated validator: expected a uuid string' },
      ],
    });
  });

  it('fails bad framing and unknown writers, skips tombstones', () => {
    const w = writers(real, [[1, REAL]]);
    expect(
      judgeEvent(real, w, { partition: 0, offset: '1', value: Buffer.from('{"json":1}') }),
    ).toMatchObject({ verdict: 'failed', schemaId: undefined });
    const unknown = new Map([
      [2, { id: 2, version: undefined, problem: 'the registry at http://r does not know schema id 2' }],
    ]);
    expect(judgeEvent(real, unknown, message(0, 2, 2, REAL, event()))).toEqual({
      verdict: 'failed',
      schemaId: 2,
      error: 'the registry at http://r does not know schema id 2',
    });
    expect(judgeEvent(real, w, { partition: 0, offset: '3', value: null })).toEqual({
      verdict: 'skipped',
      reason: 'tombstone (no value)',
    });
  });
});

describe('sampleTopic and the report', () => {
  const next = reader(
    edited((s) => {
      s.fields.push({ name: 'retryable', type: 'boolean', doc: 'x' });
      customerOf(s).fields.push({ name: 'tier', type: 'string', default: 'standard', doc: 'x' });
    }),
  );
  const withRetryable = edited((s) => s.fields.push({ name: 'retryable', type: 'boolean', doc: 'x' }));
  const w = writers(next, [
    [1, REAL],
    [2, withRetryable],
  ]);
  const sample = sampleTopic(next, 'schemas/avro/payment_failed.avsc', w, [
    message(0, 10, 1, REAL, event()),
    message(0, 11, 1, REAL, event()),
    message(0, 13, 1, REAL, event()),
    message(2, 4, 2, withRetryable, event({ retryable: true })),
    message(2, 5, 2, withRetryable, event({ retryable: false })),
  ]);

  it('groups verdicts by writer and reason with their offsets', () => {
    expect(sample).toMatchObject({ sampled: 5, decoded: 0, skipped: 0 });
    expect(sample.ranges).toEqual([
      { partition: 0, from: '10', to: '11' },
      { partition: 0, from: '13', to: '13' },
      { partition: 2, from: '4', to: '5' },
    ]);
    expect(sample.failed).toMatchObject([
      { schemaId: 1, version: 1, count: 3, paths: ['PaymentFailed.retryable'] },
    ]);
    expect(sample.changed).toMatchObject([{ schemaId: 2, version: 2, count: 2, paths: ['customer.tier'] }]);
  });

  it('reads as the report lines, and fails the check', () => {
    const report: SampleReport = { off: undefined, n: 5, brokers: 'localhost:9092', topics: [sample] };
    expect(sampleText(report)).toEqual([
      'sample payment_failed: 5 events (the newest 5: partition 0 offsets 10-11, partition 0 offset 13, partition 2 offsets 4-5)',
      '       0 decode cleanly with the new reader; 3 fail; 2 change meaning',
      '  FAIL 3 cannot be decoded: partition 0 offsets 10-11, partition 0 offset 13 (writer schema id 1, version 1)',
      '         PaymentFailed.retryable: `retryable` was added without a default: a reader on the new schema cannot read old events, which lack it',
      '  CHANGED 2 decode but read differently: partition 2 offsets 4-5 (writer schema id 2, version 2)',
      `         customer.tier: defaulted: the writer has no tier: filled from the reader's default "standard"`,
      'sample: 3 of 5 sampled events would fail to decode.',
    ]);
    expect(sampleFails(report)).toBe(true);
  });

  it('is one line and passes when off', () => {
    const off: SampleReport = {
      off: 'no Kafka broker reachable at localhost:1 (refused); nothing sampled',
      n: 5,
      brokers: 'localhost:1',
      topics: [],
    };
    expect(sampleText(off)).toEqual([
      'sample: off: no Kafka broker reachable at localhost:1 (refused); nothing sampled',
    ]);
    expect(sampleFails(off)).toBe(false);
  });
});

describe('offsets and --sample', () => {
  it('folds consecutive offsets of a partition into ranges', () => {
    expect(
      offsetRanges([
        { partition: 1, offset: '8' },
        { partition: 0, offset: '3' },
        { partition: 1, offset: '7' },
        { partition: 0, offset: '5' },
      ]),
    ).toEqual([
      { partition: 0, from: '3', to: '3' },
      { partition: 0, from: '5', to: '5' },
      { partition: 1, from: '7', to: '8' },
    ]);
  });

  it('takes a positive number of events', () => {
    expect(sampleOption(parseArgs('check', ['--sample', '50'], ['sample']))).toBe(50);
    expect(sampleOption(parseArgs('check', [], ['sample']))).toBeUndefined();
    expect(() => sampleOption(parseArgs('check', ['--sample', '0'], ['sample']))).toThrow(
      'check: --sample takes a number of events from 1 to 999999, got "0"',
    );
  });
});
