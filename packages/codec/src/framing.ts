import { CodecError } from './errors';

/** Confluent wire format: magic byte 0, 4-byte big-endian schema id, then the Avro binary body. */
export const MAGIC_BYTE = 0;
/** Bytes before the Avro body in a Confluent frame. */
export const FRAME_HEADER_SIZE = 5;

/** A parsed Confluent frame; `payload` is a view into the original buffer (no copy). */
export interface Frame {
  schemaId: number;
  payload: Buffer;
}

/** Prepends the Confluent header for `schemaId` to an Avro body. */
export function frame(schemaId: number, payload: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) {
    throw new RangeError(`schema id must be an unsigned 32-bit integer, got ${String(schemaId)}`);
  }
  const out = Buffer.allocUnsafe(FRAME_HEADER_SIZE + payload.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId, 1);
  payload.copy(out, FRAME_HEADER_SIZE);
  return out;
}

/** Splits a Confluent frame into schema id and body; throws CodecError BAD_FRAMING when it is not one. */
export function parseFrame(bytes: Buffer | Uint8Array | null | undefined, topic?: string): Frame {
  const where = topic === undefined ? '' : ` on topic ${topic}`;
  if (bytes === null || bytes === undefined) {
    throw new CodecError(
      'BAD_FRAMING',
      `message${where} has no value (tombstone?); expected a Confluent-framed Avro record`,
      topicOnly(topic),
    );
  }
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < FRAME_HEADER_SIZE) {
    throw new CodecError(
      'BAD_FRAMING',
      `message${where} is ${buf.length} bytes; a Confluent frame needs at least ${FRAME_HEADER_SIZE} (magic byte + 4-byte schema id)`,
      topicOnly(topic),
    );
  }
  if (buf[0] !== MAGIC_BYTE) {
    throw new CodecError(
      'BAD_FRAMING',
      `message${where} starts with byte 0x${buf[0]!.toString(16).padStart(2, '0')}; a Confluent frame starts with magic byte 0x00 (was it written as JSON or without a registry serializer?)`,
      topicOnly(topic),
    );
  }
  return { schemaId: buf.readUInt32BE(1), payload: buf.subarray(FRAME_HEADER_SIZE) };
}

function topicOnly(topic: string | undefined): { topic?: string } {
  return topic === undefined ? {} : { topic };
}
