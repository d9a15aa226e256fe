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
  /** The Kafka message key of an event (the topic table's `key`; the orderId for saga events). */
  key(value: T): string;
}

/**
 * Every event carries an eventId (the inbox's key); every saga event also carries its orderId (DESIGN:
 * Contracts). Reference data keyed otherwise (catalog_price_set, keyed by sku:currency) has none.
 */
export interface EventEnvelope {
  eventId: string;
  orderId?: string;
}
