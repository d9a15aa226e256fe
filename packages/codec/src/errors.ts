/**
 * How a consumer runtime should treat an error, readable as `err.classification` without importing
 * this package's classes:
 * - `permanent`: the message itself is bad; retrying cannot help → dead-letter it at once.
 * - `bounded`: may heal soon (e.g. a schema registered a moment after the event was written) → retry
 *   a limited number of times, then dead-letter.
 * - `transient`: the environment is at fault (outage, misconfiguration) → retry with backoff, never
 *   dead-letter (the message is fine).
 */
export type ErrorClassification = 'permanent' | 'bounded' | 'transient';

/**
 * Why a schema-registry call failed. Every code is `transient` for message processing except the
 * registration refusals:
 * - `UNAVAILABLE` (transient): connection refused, timeout (message says "timed out"), 408/429/5xx.
 * - `MISCONFIGURED` (transient at runtime, fatal at start-up): the URL answers, but not as a schema
 *   registry (404 without a registry `error_code`, a non-JSON or HTML body); fix SCHEMA_REGISTRY_URL.
 * - `NOT_FOUND` (transient): the registry itself says subject/version/schema not found (it carries a
 *   registry `error_code`, e.g. 40401, 40403); at runtime "schema not registered", fixed by registering.
 * - `HTTP` (transient): any other unexpected answer (401/403, malformed body).
 * - `INCOMPATIBLE`, `INVALID_SCHEMA` (permanent): the registry refused a registration.
 */
export type RegistryErrorCode =
  'NOT_FOUND' | 'INCOMPATIBLE' | 'INVALID_SCHEMA' | 'UNAVAILABLE' | 'MISCONFIGURED' | 'HTTP';

/**
 * Why a message could not be encoded or decoded:
 * - `BAD_FRAMING`, `INVALID_DATA`, `TOO_LARGE`, `SCHEMA_MISMATCH` (permanent): the bytes are wrong.
 * - `UNKNOWN_SCHEMA_ID` (bounded): the registry answered "schema not found" (error_code 40403) for
 *   the frame's id; a registration racing the event may fix it, so retry a few times, then dead-letter.
 */
export type CodecErrorCode =
  'BAD_FRAMING' | 'UNKNOWN_SCHEMA_ID' | 'INVALID_DATA' | 'TOO_LARGE' | 'SCHEMA_MISMATCH';

/** The classification of each RegistryError code (see {@link RegistryErrorCode}). */
export const REGISTRY_ERROR_CLASSIFICATION: Readonly<Record<RegistryErrorCode, ErrorClassification>> = {
  UNAVAILABLE: 'transient',
  MISCONFIGURED: 'transient',
  NOT_FOUND: 'transient',
  HTTP: 'transient',
  INCOMPATIBLE: 'permanent',
  INVALID_SCHEMA: 'permanent',
};

/** The classification of each CodecError code (see {@link CodecErrorCode}). */
export const CODEC_ERROR_CLASSIFICATION: Readonly<Record<CodecErrorCode, ErrorClassification>> = {
  BAD_FRAMING: 'permanent',
  INVALID_DATA: 'permanent',
  TOO_LARGE: 'permanent',
  SCHEMA_MISMATCH: 'permanent',
  UNKNOWN_SCHEMA_ID: 'bounded',
};

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

/**
 * A schema-registry request failed; `code` says how and `classification` what a runtime should do:
 * UNAVAILABLE (also timeouts), MISCONFIGURED, NOT_FOUND and HTTP are `transient` (retry with backoff,
 * never dead-letter; a service refuses to start on MISCONFIGURED from `verifyRegistry`);
 * INCOMPATIBLE and INVALID_SCHEMA are `permanent` (a refused registration).
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code: RegistryErrorCode;
  /** What a consumer runtime should do with it (read by name, no import needed). */
  readonly classification: ErrorClassification;
  readonly request: string | undefined;
  readonly status: number | undefined;
  readonly registryCode: number | undefined;

  constructor(code: RegistryErrorCode, message: string, details: RegistryErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    this.classification = REGISTRY_ERROR_CLASSIFICATION[code];
    this.request = details.request;
    this.status = details.status;
    this.registryCode = details.registryCode;
  }
}

/**
 * A message could not be framed, encoded or decoded; `classification` says what a runtime should do:
 * BAD_FRAMING, INVALID_DATA, TOO_LARGE and SCHEMA_MISMATCH are `permanent` (dead-letter at once);
 * UNKNOWN_SCHEMA_ID is `bounded` (retry a limited number of times, then dead-letter).
 */
export class CodecError extends Error {
  override readonly name = 'CodecError';
  readonly code: CodecErrorCode;
  /** What a consumer runtime should do with it (read by name, no import needed). */
  readonly classification: ErrorClassification;
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
    this.classification = CODEC_ERROR_CLASSIFICATION[code];
    this.topic = details.topic;
    this.schemaId = details.schemaId;
  }
}

/** True when retrying the same request later may succeed by itself (registry outage or timeout); false for bad messages and bugs. */
export function isRetriable(err: unknown): boolean {
  return err instanceof RegistryError && err.code === 'UNAVAILABLE';
}
