import type { Type } from 'avsc';
import { canonicalSchema, parseAvroSchema } from './avro';
import { BodyProblem, compileBodyCheck } from './body-check';
import type { BodyCheck } from './body-check';
import { CodecError, RegistryError } from './errors';
import { FRAME_HEADER_SIZE, MAGIC_BYTE, parseFrame } from './framing';
import type { SchemaRegistration } from './references';
import type { SchemaRegistryClient } from './registry-client';

/** Options of {@link TopicCodec}. */
export interface TopicCodecOptions<T = unknown, TInput = T> {
  topic: string;
  /** Registry subject, `<topic>-value` under TopicNameStrategy. */
  subject: string;
  /** The reader/writer schema (generated from the .avsc) as a JSON object or text, references resolved. */
  schema: object | string;
  /**
   * What is registered under `subject` when the schema takes types from other subjects (schema
   * references): the text naming them and their registrations. Without it, `schema` itself is.
   */
  registration?: SchemaRegistration;
  registry: SchemaRegistryClient;
  /**
   * The Kafka message key of an event (the topic table's `key`: the orderId unless the table says
   * otherwise). A codec without one cannot tell a publisher the key: {@link TopicCodec.key} throws.
   */
  key?(this: void, value: T | TInput): string;
  /**
   * Register the schema on first encode when it is missing (development only). Default false: a
   * missing registration is an error telling you to run `npm run schema -- register`.
   */
  autoRegister?: boolean;
  /**
   * Largest message `decode` accepts, header included (default 1 MiB, Kafka's default
   * `max.message.bytes`); a larger one is CodecError TOO_LARGE before any registry call or decoding.
   */
  maxMessageBytes?: number;
}

/** Default of {@link TopicCodecOptions.maxMessageBytes}: 1 MiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1024 * 1024;
// Array items plus map entries in one message. Items that take no bytes (null, empty records) are
// bounded only by this; every other item takes at least one of the (at most maxMessageBytes) bytes.
const MAX_ITEMS_PER_MESSAGE = 1_000_000;
// Record nesting; only a recursive schema can go deep, and avsc decodes recursively.
const MAX_RECORD_DEPTH = 128;

type Resolver = ReturnType<Type['createResolver']>;

interface WriterEntry {
  /** undefined when the writer schema is the reader schema: decode without resolution. */
  resolver: Resolver | undefined;
  /** Bounded check of a body against the writer schema, run before avsc allocates anything. */
  check: BodyCheck;
}

// Scratch buffer shared by all codecs: encoding happens synchronously, so one is enough.
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Avro codec for one topic with Confluent framing. `encode` resolves the schema id once;
 * `decode` fetches each writer schema by id once and resolves it to this codec's reader schema.
 * After warm-up neither makes a registry call. `T` is the decoded type, `TInput` what encode
 * accepts (the same, with defaulted fields optional).
 */
export class TopicCodec<T, TInput = T> {
  readonly topic: string;
  readonly subject: string;
  /** The avsc Type of the generated reader (and writer) schema. */
  readonly schema: Type;
  /** The canonical text registered and looked up for this schema. */
  readonly schemaText: string;
  private readonly registry: SchemaRegistryClient;
  private readonly registration: SchemaRegistration;
  // The options object, not the function alone: a method type keeps TopicCodec<X> assignable to TopicCodec<unknown>.
  private readonly keying: Pick<TopicCodecOptions<T, TInput>, 'key'>;
  private readonly autoRegister: boolean;
  private readonly maxMessageBytes: number;
  /** The body check of this codec's own schema (writer = reader). */
  private readonly ownCheck: BodyCheck;
  private id: number | undefined;
  private idPromise: Promise<number> | undefined;
  private readonly writers = new Map<number, WriterEntry>();
  private readonly writersLoading = new Map<number, Promise<WriterEntry>>();

  constructor(options: TopicCodecOptions<T, TInput>) {
    this.topic = options.topic;
    this.keying = { ...(options.key === undefined ? {} : { key: options.key }) };
    this.subject = options.subject;
    this.schema = parseAvroSchema(options.schema);
    this.schemaText = canonicalSchema(options.schema);
    this.registry = options.registry;
    this.registration = options.registration ?? { schema: this.schemaText, references: [] };
    this.autoRegister = options.autoRegister ?? false;
    this.maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
    if (!Number.isInteger(this.maxMessageBytes) || this.maxMessageBytes < FRAME_HEADER_SIZE) {
      throw new RangeError(
        `maxMessageBytes must be an integer of at least ${FRAME_HEADER_SIZE}, got ${String(options.maxMessageBytes)}`,
      );
    }
    this.ownCheck = checkFor(this.schema);
  }

  /** The Kafka message key of `value` (see {@link TopicCodecOptions.key}). */
  key(value: T | TInput): string {
    if (this.keying.key === undefined)
      throw new Error(`the ${this.topic} codec was built without a key function; pass \`key\` to TopicCodec`);
    return this.keying.key(value);
  }

  /**
   * The registry id of this codec's schema under its subject, resolved once (looked up, or
   * registered when `autoRegister`). Call it at start-up to fail fast when the schema is not registered.
   */
  schemaId(): Promise<number> {
    if (this.id !== undefined) return Promise.resolve(this.id);
    this.idPromise ??= this.resolveId().then(
      (id) => {
        this.id = id;
        this.writers.set(id, { resolver: undefined, check: this.ownCheck });
        return id;
      },
      (err: unknown) => {
        // A registry outage must not poison the codec: the next call tries again.
        this.idPromise = undefined;
        throw err;
      },
    );
    return this.idPromise;
  }

  /**
   * Encodes `value` as a Confluent-framed Avro message; invalid values reject with CodecError
   * INVALID_DATA. Fields with a schema default may be left out of `value` (TInput).
   */
  encode(value: TInput): Promise<Buffer> {
    if (this.id !== undefined) {
      try {
        return Promise.resolve(this.encodeWith(this.id, value));
      } catch (err) {
        return Promise.reject(asError(err));
      }
    }
    return this.schemaId().then((id) => this.encodeWith(id, value));
  }

  /**
   * Decodes a Confluent-framed Avro message written with any registered, resolvable schema. Untrusted
   * bytes are checked against the writer schema first (lengths, block counts, union and enum indexes
   * against the bytes left): a lying message is CodecError INVALID_DATA without a large allocation,
   * an oversized one TOO_LARGE.
   */
  decode(input: Buffer | Uint8Array): Promise<T> {
    // Hot path without allocations: read the header in place; parseFrame explains bad frames.
    const maybe = input as Buffer | Uint8Array | null | undefined;
    if (
      maybe === null ||
      maybe === undefined ||
      maybe.length < FRAME_HEADER_SIZE ||
      maybe[0] !== MAGIC_BYTE
    ) {
      try {
        parseFrame(maybe, this.topic);
      } catch (err) {
        return Promise.reject(asError(err));
      }
    }
    const bytes = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const schemaId = bytes.readUInt32BE(1);
    if (bytes.length > this.maxMessageBytes) {
      return Promise.reject(
        new CodecError(
          'TOO_LARGE',
          `message on ${this.topic} with schema id ${schemaId} is ${bytes.length} bytes; the limit is ${this.maxMessageBytes} (maxMessageBytes)`,
          { topic: this.topic, schemaId },
        ),
      );
    }
    const writer = this.writers.get(schemaId);
    if (writer !== undefined) {
      try {
        return Promise.resolve(this.decodeWith(writer, schemaId, bytes));
      } catch (err) {
        return Promise.reject(asError(err));
      }
    }
    return this.loadWriter(schemaId).then((entry) => this.decodeWith(entry, schemaId, bytes));
  }

  /** True when `value` is a valid instance of this codec's schema (the generated validators explain why not). */
  isValid(value: unknown): value is T {
    return this.schema.isValid(value);
  }

  private async resolveId(): Promise<number> {
    if (this.autoRegister) {
      if (this.registration.references.length === 0)
        return this.registry.register(this.subject, this.registration.schema);
      return (await this.registry.registerWithReferences(this.subject, this.registration)).id;
    }
    const found = await this.registry.lookupWithReferences(this.subject, this.registration);
    if (found === undefined) {
      const refs = this.registration.references.map((r) => r.subject);
      throw new RegistryError(
        'NOT_FOUND',
        `the schema for topic ${this.topic} is not registered under subject ${this.subject}${refs.length > 0 ? ` (with its references under ${refs.join(', ')})` : ''} at ${this.registry.url}; ` +
          'run `npm run schema -- register` (or set autoRegister in development)',
      );
    }
    return found.id;
  }

  private encodeWith(id: number, value: TInput): Buffer {
    let end: number;
    try {
      end = this.schema.encode(value, scratch, FRAME_HEADER_SIZE);
      while (end < 0) {
        // avsc returns -(bytes needed) when the buffer is too small.
        scratch = Buffer.allocUnsafe(Math.max(scratch.length * 2, FRAME_HEADER_SIZE - end));
        end = this.schema.encode(value, scratch, FRAME_HEADER_SIZE);
      }
    } catch (cause) {
      throw new CodecError(
        'INVALID_DATA',
        `cannot encode ${this.topic} event: ${invalidPaths(this.schema, value) || describe(cause)}`,
        { topic: this.topic, cause },
      );
    }
    const out = Buffer.allocUnsafe(end);
    scratch.copy(out, 0, 0, end);
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(id, 1);
    return out;
  }

  /** Decodes the Avro body that follows the 5-byte header of `bytes`. */
  private decodeWith(writer: WriterEntry, schemaId: number, bytes: Buffer): T {
    try {
      writer.check(bytes, FRAME_HEADER_SIZE, bytes.length);
    } catch (cause) {
      if (!(cause instanceof BodyProblem)) throw cause;
      throw new CodecError(
        'INVALID_DATA',
        `cannot decode ${this.topic} message with schema id ${schemaId}: ${cause.path}: ${cause.problem}`,
        { topic: this.topic, schemaId },
      );
    }
    let result: { value: unknown; offset: number };
    try {
      result = this.schema.decode(bytes, FRAME_HEADER_SIZE, writer.resolver);
    } catch (cause) {
      throw new CodecError(
        'INVALID_DATA',
        `cannot decode ${this.topic} message with schema id ${schemaId}: ${describe(cause)}`,
        { topic: this.topic, schemaId, cause },
      );
    }
    const bodySize = bytes.length - FRAME_HEADER_SIZE;
    if (result.offset < 0) {
      throw new CodecError(
        'INVALID_DATA',
        `cannot decode ${this.topic} message with schema id ${schemaId}: the Avro body (${bodySize} bytes) is truncated`,
        { topic: this.topic, schemaId },
      );
    }
    if (result.offset !== bytes.length) {
      throw new CodecError(
        'INVALID_DATA',
        `cannot decode ${this.topic} message with schema id ${schemaId}: ${bytes.length - result.offset} unexpected bytes after the record`,
        { topic: this.topic, schemaId },
      );
    }
    return result.value as T;
  }

  private loadWriter(schemaId: number): Promise<WriterEntry> {
    let loading = this.writersLoading.get(schemaId);
    if (loading === undefined) {
      loading = this.fetchWriter(schemaId).finally(() => this.writersLoading.delete(schemaId));
      this.writersLoading.set(schemaId, loading);
    }
    return loading;
  }

  private async fetchWriter(schemaId: number): Promise<WriterEntry> {
    let text: string;
    try {
      // References (if the writer has any) fetched and inlined: avsc parses the result alone.
      text = await this.registry.resolvedSchemaById(schemaId);
    } catch (err) {
      if (err instanceof RegistryError && err.code === 'NOT_FOUND') {
        throw new CodecError(
          'UNKNOWN_SCHEMA_ID',
          `message on ${this.topic} names schema id ${schemaId}, which the registry at ${this.registry.url} does not know` +
            (err.registryCode === undefined ? '' : ` (error_code ${err.registryCode})`),
          { topic: this.topic, schemaId, cause: err },
        );
      }
      throw err;
    }
    let entry: WriterEntry;
    try {
      if (canonicalSchema(text) === this.schemaText) {
        entry = { resolver: undefined, check: this.ownCheck };
      } else {
        const writerType = parseAvroSchema(text);
        entry = { resolver: this.schema.createResolver(writerType), check: checkFor(writerType) };
      }
    } catch (cause) {
      throw new CodecError(
        'SCHEMA_MISMATCH',
        `message on ${this.topic} was written with schema id ${schemaId}, which cannot be read as ${this.subject}'s reader schema: ${describe(cause)}`,
        { topic: this.topic, schemaId, cause },
      );
    }
    this.writers.set(schemaId, entry);
    return entry;
  }
}

function checkFor(writer: Type): BodyCheck {
  return compileBodyCheck(writer, { maxItems: MAX_ITEMS_PER_MESSAGE, maxDepth: MAX_RECORD_DEPTH });
}

/** `lines[2].quantity: expected int, got "3"` for each invalid leaf of `value`. */
export function invalidPaths(type: Type, value: unknown): string {
  const issues: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], val: unknown, t: Type) => {
      const where = path.reduce(
        (acc, p) => (/^\d+$/.test(p) ? `${acc}[${p}]` : acc === '' ? p : `${acc}.${p}`),
        '',
      );
      issues.push(`${where === '' ? '(value)' : where}: expected ${typeLabel(t)}, got ${show(val)}`);
    },
  });
  return issues.join('; ');
}

function typeLabel(t: Type): string {
  const name = t.typeName;
  if (name === 'enum') return `one of ${(t as unknown as { symbols: string[] }).symbols.join('|')}`;
  if (name === 'logical:timestamp-millis') return 'a valid Date';
  if (name === 'logical:uuid') return 'a uuid string';
  if (name === 'logical:date') return 'a YYYY-MM-DD date string';
  return t.name ?? name;
}

function show(val: unknown): string {
  if (val === undefined) return 'undefined (missing)';
  if (typeof val === 'string') return JSON.stringify(val.length > 60 ? `${val.slice(0, 57)}...` : val);
  if (val instanceof Date) return `Date(${Number.isNaN(val.getTime()) ? 'invalid' : val.toISOString()})`;
  if (typeof val === 'bigint') return `${val}n`;
  if (Buffer.isBuffer(val)) return `Buffer(${val.length})`;
  try {
    const json = JSON.stringify(val);
    return json.length > 60 ? `${json.slice(0, 57)}...` : json;
  } catch {
    return typeof val;
  }
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
