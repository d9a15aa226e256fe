import { CodecError, frame, parseFrame } from '@orderflow/codec';

describe('Confluent framing', () => {
  it('writes magic byte 0 and a 4-byte big-endian schema id before the body', () => {
    const bytes = frame(0x01020304, Buffer.from([0xaa, 0xbb]));
    expect(bytes.toString('hex')).toBe('0001020304aabb');
    expect(parseFrame(bytes)).toEqual({ schemaId: 0x01020304, payload: Buffer.from([0xaa, 0xbb]) });
  });

  it('reads ids above 2^31 as unsigned', () => {
    expect(parseFrame(frame(0xfffffffe, Buffer.alloc(0))).schemaId).toBe(0xfffffffe);
  });

  it.each([
    ['a tombstone', null, /no value/],
    ['4 bytes', Buffer.from([0, 0, 0, 1]), /4 bytes; a Confluent frame needs at least 5/],
    ['JSON', Buffer.from('{"orderId":1}'), /starts with byte 0x7b/],
  ])('rejects %s with BAD_FRAMING naming the topic', (_label, input, message) => {
    let caught: unknown;
    try {
      parseFrame(input, 'order_created');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CodecError);
    expect((caught as CodecError).code).toBe('BAD_FRAMING');
    expect((caught as CodecError).message).toMatch(message);
    expect((caught as CodecError).message).toContain('order_created');
  });

  it('refuses a schema id that does not fit 4 bytes', () => {
    expect(() => frame(2 ** 32, Buffer.alloc(0))).toThrow(RangeError);
  });
});
