/** Every error code an HTTP API may answer with; the status of each is in PROBLEM_STATUS. */
export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'MALFORMED_JSON'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_READY'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The one table from error code to HTTP status. */
export const PROBLEM_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  INTERNAL: 500,
  NOT_READY: 503,
  UNAVAILABLE: 503,
};

const TITLES: Readonly<Record<ApiErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is invalid',
  MALFORMED_JSON: 'The request body is not valid JSON',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used with a different request',
  INTERNAL: 'Internal server error',
  NOT_READY: 'Not ready',
  UNAVAILABLE: 'Service unavailable',
};

/** A field-level problem: `path` names the field (e.g. `/lines/0/quantity` or `body.lines[0].quantity`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An error meant for the API client; rendered as application/problem+json. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldIssue[]; [key: string]: unknown } = {},
  ) {
    super(detail);
  }
}

/** RFC 9457 problem document. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ApiErrorCode;
  detail?: string;
  instance?: string;
  errors?: FieldIssue[];
  [key: string]: unknown;
}

/** Maps any thrown value to a problem; anything not an ApiError becomes a generic 500 that reveals nothing. */
export function toProblem(err: unknown, instance?: string): Problem {
  const known = err instanceof ApiError ? err : undefined;
  const code: ApiErrorCode = known?.code ?? 'INTERNAL';
  const problem: Problem = {
    ...(known?.extra ?? {}),
    type: `urn:orderflow:problem:${code.toLowerCase().replaceAll('_', '-')}`,
    title: TITLES[code],
    status: PROBLEM_STATUS[code],
    code,
  };
  if (known) problem.detail = known.detail;
  if (instance !== undefined) problem.instance = instance;
  return problem;
}

/** Why an event can never be processed; such events go to the dead-letter topic. */
export type PermanentErrorCode = 'INVALID_EVENT' | 'EMPTY_MESSAGE' | 'UNPROCESSABLE';

/** Thrown (by the platform or a handler) for an event that retrying cannot fix. */
export class PermanentEventError extends Error {
  override readonly name = 'PermanentEventError';
  constructor(
    readonly code: PermanentErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A short stable code for an error, for DLT headers and metrics labels. */
export function errorCode(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'string' ? `${err.name}:${code}` : err.name;
  }
  return 'NonError';
}
