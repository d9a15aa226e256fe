// Decoding untrusted bytes is bounded (DESIGN: Reliability rules): a small message that lies about a
// length, a block count or an index is refused as INVALID_DATA naming the field, instead of making
// avsc allocate until the heap is gone; an oversized message is TOO_LARGE.
import { CodecError, SchemaRegistryClient, TopicCodec, canonicalSchema, frame } from '@orderflow/codec';
import { startFakeRegistry } from '@orderflow/codec/testing';
import type { FakeRegistry } from '@orderflow/codec/testing';

const LINE = {
  type: 'record',
  name: 'Line',
  fields: [
    { name: 'sku', type: 'string' },
    { name: 'quantity', type: 'int' },
  ],
};
const SCHEMA = {
  type: 'record',
  name: 'Probe',
  namespace: 'test',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['A', 'B', 'C'] } },
    { name: 'lines', type: { type: 'array', items: LINE } },
    { name: 'tags', type: { type: 'map', values: 'string' } },
    { name: 'matrix', type: { type: 'array', items: { type: 'array', items: 'int' } } },
    { name: 'gaps', type: { type: 'array', items: 'null' } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

interface Probe {
  id: string;
  status: 'A' | 'B' | 'C';
  lines: { sku: string; quantity: number }[];
  tags: Record<string, string>;
  matrix: number[][];
  gaps: null[];
  note: string | null;
}

const VALUE: Probe = {
  id: 'order-1',
  status: 'B',
  lines: [
    { sku: 'A-1', quantity: 2 },
    { sku: 'B-2', quantity: 1 },
  ],
  tags: { colour: 'red', size: 'L' },
  matrix: [[1, 2], [], [3]],
  gaps: [null, null, null],
  note: 'hi',
};

// Avro binary building blocks: zig-zag varints (BigInt, so 2^32−1 and beyond are exact) and strings.
function long(n: number | bigint): Buffer {
  let z = BigInt(n) >= 0n ? BigInt(n) * 2n : -BigInt(n) * 2n - 1n;
  const out: number[] = [];
  do {
    const low = Number(z & 0x7fn);
    z >>= 7n;
    out.push(z > 0n ? low | 0x80 : low);
  } while (z > 0n);
  return Buffer.from(out);
}
const str = (s: string) => Buffer.concat([long(Buffer.byteLength(s)), Buffer.from(s)]);
const body = (...parts: Buffer[]) => Buffer.concat(parts);

// A valid prefix up to (not including) `lines`, and valid encodings of each later field.
const ID_STATUS = body(str('order-1'), long(1));
const LINES = body(long(1), str('A-1'), long(2), long(0));
const TAGS = body(long(1), str('k'), str('v'), long(0));
const MATRIX = body(long(1), long(2), long(1), long(2), long(0), long(0));
const GAPS = body(long(2), long(0));
const NOTE = long(0);

/** Pads a frame with zero bytes to exactly `size` bytes (the bomb in issue 7 is 99 bytes). */
function padTo(bytes: Buffer, size: number): Buffer {
  return Buffer.concat([bytes, Buffer.alloc(size - bytes.length)]);
}

describe('TopicCodec.decode of untrusted bytes (bounded)', () => {
  let fake: FakeRegistry;
  let codec: TopicCodec<Probe>;
  let id: number;
  beforeEach(async () => {
    fake = await startFakeRegistry();
    id = fake.add('probe-value', canonicalSchema(SCHEMA));
    codec = new TopicCodec<Probe>({
      topic: 'probe',
      subject: 'probe-value',
      schema: SCHEMA,
      registry: new SchemaRegistryClient({ url: fake.url }),
    });
  });
  afterEach(() => fake.close());

  const rejection = async (bytes: Buffer): Promise<CodecError> => {
    const err = await codec.decode(bytes).then(
      () => new Error('decoded a message that should have been refused'),
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CodecError);
    return err as CodecError;
  };

  it('still decodes valid messages exactly, including nested arrays, maps and zero-width items', async () => {
    const bytes = await codec.encode(VALUE);
    expect(await codec.decode(bytes)).toEqual(VALUE);
    const hand = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, GAPS, NOTE));
    expect(await codec.decode(hand)).toEqual({
      id: 'order-1',
      status: 'B',
      lines: [{ sku: 'A-1', quantity: 2 }],
      tags: { k: 'v' },
      matrix: [[1, 2]],
      gaps: [null, null],
      note: null,
    });
  });

  it('decodes negative-count blocks whose byte size is right (as Java writers may send them)', async () => {
    // lines: one block of -2 items, 12 bytes; matrix: one block of -1 inner array, 3 bytes.
    const items = body(str('A-1'), long(2), str('B-2'), long(1));
    const inner = body(long(1), long(7), long(0));
    const bytes = frame(
      id,
      body(
        ID_STATUS,
        long(-2),
        long(items.length),
        items,
        long(0),
        TAGS,
        long(-1),
        long(inner.length),
        inner,
        long(0),
        GAPS,
        NOTE,
      ),
    );
    const decoded = await codec.decode(bytes);
    expect(decoded.lines).toEqual([
      { sku: 'A-1', quantity: 2 },
      { sku: 'B-2', quantity: 1 },
    ]);
    expect(decoded.matrix).toEqual([[7]]);
  });

  it('refuses the 99-byte bomb whose array block count is 2^32−1, naming the field', async () => {
    const bomb = padTo(frame(id, body(ID_STATUS, long(2 ** 32 - 1))), 99);
    expect(bomb).toHaveLength(99);
    const err = await rejection(bomb);
    expect(err).toMatchObject({ code: 'INVALID_DATA', schemaId: id, topic: 'probe' });
    expect(err.message).toContain(
      `cannot decode probe message with schema id ${id}: lines: array block count 4294967295`,
    );
    expect(err.message).toMatch(/larger than the 8\d bytes left/);
    // The codec is still usable afterwards.
    expect(await codec.decode(await codec.encode(VALUE))).toEqual(VALUE);
  });

  it('refuses a map block count of 2^32−1 and a string length of 2^40', async () => {
    const mapBomb = padTo(frame(id, body(ID_STATUS, LINES, long(2 ** 32 - 1))), 99);
    expect((await rejection(mapBomb)).message).toMatch(/: tags: map block count 4294967295 is larger than/);

    const stringBomb = padTo(frame(id, body(long(2n ** 40n))), 99);
    const err = await rejection(stringBomb);
    expect(err.code).toBe('INVALID_DATA');
    expect(err.message).toMatch(/: id: string length 1099511627776 is larger than the \d+ bytes left/);

    const negative = frame(id, body(long(-5), Buffer.alloc(20)));
    expect((await rejection(negative)).message).toMatch(/: id: string length -5 is negative/);
  });

  it('names the path inside nested arrays and maps', async () => {
    // matrix[1] claims 2^31 ints; the first inner array is fine.
    const nested = frame(
      id,
      body(ID_STATUS, LINES, TAGS, long(2), long(1), long(5), long(0), long(2 ** 31), Buffer.alloc(30)),
    );
    expect((await rejection(nested)).message).toMatch(
      /: matrix\[1\]: array block count 2147483648 is larger than/,
    );

    const badLine = frame(id, body(ID_STATUS, long(2), str('A-1'), long(2), long(1000), Buffer.alloc(10)));
    expect((await rejection(badLine)).message).toMatch(
      /: lines\[1\]\.sku: string length 1000 is larger than/,
    );

    const badTag = frame(id, body(ID_STATUS, LINES, long(1), str('colour'), long(500), Buffer.alloc(10)));
    expect((await rejection(badTag)).message).toMatch(/: tags\["colour"\]: string length 500 is larger than/);
  });

  it('refuses union and enum indexes out of range', async () => {
    const union = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, GAPS, long(2), str('x')));
    expect((await rejection(union)).message).toMatch(
      /: note: union branch index 2 is out of range \(the union has 2 branches\)/,
    );
    const negativeUnion = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, GAPS, long(-1)));
    expect((await rejection(negativeUnion)).message).toMatch(/: note: union branch index -1 is out of range/);

    const enumBad = frame(id, body(str('order-1'), long(3), LINES, TAGS, MATRIX, GAPS, NOTE));
    expect((await rejection(enumBad)).message).toMatch(
      /: status: enum test\.Status index 3 is out of range \(0\.\.2\)/,
    );
  });

  it('refuses a negative-count block whose byte size lies', async () => {
    const items = body(str('A-1'), long(2));
    const tooBig = frame(id, body(ID_STATUS, long(-1), long(1000), items, long(0), TAGS, MATRIX, GAPS, NOTE));
    expect((await rejection(tooBig)).message).toMatch(/: lines: array block size 1000 is out of range/);
    const wrong = frame(id, body(ID_STATUS, long(-1), long(2), items, long(0), TAGS, MATRIX, GAPS, NOTE));
    expect((await rejection(wrong)).message).toMatch(
      /: lines: array block .* says it is 2 bytes but its items take 5/,
    );
  });

  it('caps zero-width items (array of null) at 1,000,000 per message', async () => {
    const many = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, long(2 ** 32 - 1), long(0), NOTE));
    expect((await rejection(many)).message).toMatch(
      /: gaps: array block count 4294967295 brings the message to more than 1000000 array items/,
    );
    const fine = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, long(1000), long(0), NOTE));
    expect((await codec.decode(fine)).gaps).toHaveLength(1000);
  });

  it('refuses over-long varints, trailing bytes and a truncated body', async () => {
    const longVarint = frame(id, body(str('order-1'), Buffer.alloc(10, 0x80), Buffer.from([0x01])));
    expect((await rejection(longVarint)).message).toMatch(
      /: status: enum test\.Status index varint is longer than 10 bytes/,
    );
    const trailing = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX, GAPS, NOTE, Buffer.from([1, 2])));
    expect((await rejection(trailing)).message).toMatch(/2 unexpected bytes after the record/);
    const truncated = frame(id, body(ID_STATUS, LINES, TAGS, MATRIX));
    expect((await rejection(truncated)).message).toMatch(/: gaps: the body is truncated/);
  });

  it('refuses a message over maxMessageBytes with TOO_LARGE before asking the registry', async () => {
    const small = new TopicCodec<Probe>({
      topic: 'probe',
      subject: 'probe-value',
      schema: SCHEMA,
      registry: new SchemaRegistryClient({ url: fake.url }),
      maxMessageBytes: 64,
    });
    const big = frame(id, Buffer.alloc(100));
    const err = await small.decode(big).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CodecError);
    expect(err).toMatchObject({ code: 'TOO_LARGE', schemaId: id, classification: 'permanent' });
    expect((err as Error).message).toContain('is 105 bytes; the limit is 64 (maxMessageBytes)');
    expect(fake.requests).toEqual([]);
    // The default is 1 MiB.
    const huge = frame(id, Buffer.alloc(1024 * 1024));
    await expect(codec.decode(huge)).rejects.toMatchObject({ code: 'TOO_LARGE' });
  });
});
