/** Why a schema-registry call failed; only UNAVAILABLE is worth retrying. */
export type RegistryErrorCode = 'NOT_FOUND' | 'INCOMPATIBLE' | 'INVALID_SCHEMA' | 'UNAVAILABLE' | 'HTTP';

/** Why a message could not be encoded or decoded; none of these get better on retry. */
export type CodecErrorCode = 'BAD_FRAMING' | 'UNKNOWN_SCHEMA_ID' | 'INVALID_DATA' | 'SCHEMA_MISMATCH';

/** Details of a failed registry request, kept for logs and dead-letter headers. */
export interface RegistryErrorDetails {
  /** HTTP method and path relative to the registry base URL, e.g. `GET /schemas/ids/7`. */
  request?: string;
  /** HTTP status, absent when no response arrived. */
  status?: number;
  /** The registry's numeric `error_code` (Confluent: 40401, 40403, 409, 42201, ...). */
  registryCode?: number;
  cause?: unknown;
}

/** A schema-registry request failed; `code` says how (UNAVAILABLE is retriable). */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  readonly request: string | undefined;
  readonly status: number | undefined;
  readonly registryCode: number | undefined;

  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.request = details.request;
    this.status = details.status;
    this.registryCode = details.registryCode;
  }
}

/** A message could not be framed, encoded or decoded; never retriable (dead-letter it). */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  readonly code: CodecErrorCode;
  /** The topic whose codec raised it. */
  readonly topic: string | undefined;
  /** The schema id in the frame, when one was read. */
  readonly schemaId: number | undefined;

  constructor(
    code: CodecErrorCode,
    message: string,
    details: { topic?: string; schemaId?: number; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.topic = details.topic;
    this.schemaId = details.schemaId;
  }
}

/** True when retrying the same operation later may succeed (registry outage); false for bad messages and bugs. */
export function isRetriable(err: unknown): boolean {
  return err instanceof RegistryError && err.code === 'UNAVAILABLE';
}
