/**
 * What the platform needs from a topic codec: @orderflow/codec's TopicCodec<T> (and the generated
 * `orderCreatedCodec(...)` etc.) satisfies it structurally.
 */
export interface EventCodec<T> {
  readonly topic: string;
  /** The reader schema (an avsc Type): Avro JSON encoding for the outbox's payload column. */
  readonly schema: { toString(value?: unknown): string; fromString(json: string): unknown };
  encode(value: T): Promise<Buffer>;
  decode(bytes: Buffer): Promise<T>;
}

/** Every saga event carries these fields (DESIGN: Contracts). */
export interface EventEnvelope {
  eventId: string;
  orderId: string;
}
