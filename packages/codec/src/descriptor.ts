import type { SchemaRegistration } from './references';
import type { SchemaRegistryClient } from './registry-client';
import type { TopicCodec } from './topic-codec';

/** One problem found by a generated validator: `lines[2].quantity: expected int, got "3"`. */
export interface ValidationIssue {
  /** Field path from the event root, e.g. `lines[2].quantity`; `` for the root itself. */
  path: string;
  /** What the schema wants, e.g. `int`, `one of RESERVED|OUT_OF_STOCK`. */
  expected: string;
  /** A short rendering of what was found. */
  got: string;
  /** `path: expected X, got Y` — ready for logs and problem+json. */
  message: string;
}

/** Options generated codec factories accept. */
export interface CodecFactoryOptions {
  /** Register the schema when missing (development only; production refuses). Default false. */
  autoRegister?: boolean;
}

/**
 * Everything a transport needs to publish or consume one topic, generated from the topic table:
 * names, key extraction, validation and a codec factory. Transport code (kafkajs, tests) takes a
 * descriptor instead of a topic-name string.
 */
export interface TopicDescriptor<
  T,
  TInput = T,
  TTopic extends string = string,
  TService extends string = string,
> {
  readonly topic: TTopic;
  readonly subject: string;
  /** Dead-letter topic for messages that can never be processed. */
  readonly deadLetterTopic: string;
  /** The Avro record's full name, e.g. `dev.orderflow.events.OrderCreated`. */
  readonly recordName: string;
  /** The schema file, relative to `schemas/`. */
  readonly schemaFile: string;
  /** The reader/writer schema as JSON, every schema reference resolved (inlined at its first use). */
  readonly schema: object;
  /** What is registered under `subject`: the schema text naming shared types, and their registrations. */
  readonly registration: SchemaRegistration;
  readonly compatibility: string;
  readonly producer: TService;
  readonly consumers: readonly TService[];
  readonly partitions: number;
  /** The message key for an event (the orderId: per-order ordering). */
  key(value: TInput | T): string;
  /** Issues that make `value` unpublishable; [] when valid. */
  validate(value: unknown): ValidationIssue[];
  /** A codec bound to `registry`; create one per process and reuse it. */
  codec(registry: SchemaRegistryClient, options?: CodecFactoryOptions): TopicCodec<T, TInput>;
}

/** The decoded event type of a descriptor. */
export type EventOf<D> = D extends TopicDescriptor<infer T, infer _I, infer _N, infer _S> ? T : never;
/** The encodable (input) event type of a descriptor. */
export type InputOf<D> = D extends TopicDescriptor<infer _T, infer I, infer _N, infer _S> ? I : never;

/** Formats validator issues as one line for an error message. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => i.message).join('; ');
}
