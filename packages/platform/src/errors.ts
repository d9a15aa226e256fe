/** Every error code an HTTP API may answer with; the status of each is in PROBLEM_STATUS. */
export type ApiErrorCode =
  | 'VALIDATION_FAILED'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'RATE_LIMITED'
  | 'MALFORMED_JSON'
  | 'UNREADABLE_BODY'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'PRICE_CHANGED'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'SKU_NOT_PRICED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'NOT_READY'
  | 'UNAVAILABLE'
  | 'INTERNAL';

/** The one table from error code to HTTP status. */
export const PROBLEM_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  VALIDATION_FAILED: 400,
  MALFORMED_JSON: 400,
  UNREADABLE_BODY: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PRICE_CHANGED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IDEMPOTENCY_KEY_REUSED: 422,
  SKU_NOT_PRICED: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  NOT_READY: 503,
  UNAVAILABLE: 503,
};

const TITLES: Readonly<Record<ApiErrorCode, string>> = {
  VALIDATION_FAILED: 'The request is invalid',
  MALFORMED_JSON: 'The request body is not valid JSON',
  UNREADABLE_BODY: 'The request body could not be read',
  UNAUTHENTICATED: 'A valid bearer token is required',
  FORBIDDEN: 'The token does not grant this request',
  RATE_LIMITED: 'Too many requests',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Conflict',
  PRICE_CHANGED: "A line's price is not the catalog's current price",
  PAYLOAD_TOO_LARGE: 'The request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported media type',
  IDEMPOTENCY_KEY_REUSED: 'The Idempotency-Key was used with a different request',
  SKU_NOT_PRICED: "A SKU has no price in the order's currency",
  INTERNAL: 'Internal server error',
  NOT_READY: 'Not ready',
  UNAVAILABLE: 'Service unavailable',
};

/** A field-level problem: `path` names the field (e.g. `/lines/0/quantity` or `body.lines[0].quantity`). */
export interface FieldIssue {
  path: string;
  message: string;
}

/** An error meant for the API client; rendered as application/problem+json, with `headers` on the response (e.g. WWW-Authenticate, Retry-After). */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    readonly detail: string,
    readonly extra: { errors?: FieldIssue[]; [key: string]: unknown } = {},
    readonly headers: Readonly<Record<string, string>> = {},
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
  /** At most MAX_LISTED_ERRORS field issues, in the order they were found. */
  errors?: FieldIssue[];
  /** How many issues there were in all; present when `errors` lists only the first of them. */
  errorCount?: number;
  /** True when `errors` lists only the first MAX_LISTED_ERRORS issues. */
  errorsTruncated?: boolean;
  [key: string]: unknown;
}

// A problem answers in a few KB whatever the request held: a 63 KB body can break 63,000 rules, and
// paths echo the client's field names. The issues listed, and each text, are capped.
/** How many field issues a problem lists; the rest are only counted. */
export const MAX_LISTED_ERRORS = 20;
const MAX_ISSUES_IN_DETAIL = 5;
const MAX_CHARS = { path: 100, message: 160, detail: 1500, instance: 300 } as const;

/** `text` made printable (controls and lone surrogates → U+FFFD: JSON would spell each in 6 bytes), cut to `max` characters. */
function clip(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex -- control characters are what this replaces
  const printable = text.replace(/[\u0000-\u001f\u007f\p{Cs}]/gu, '\uFFFD');
  return printable.length <= max ? printable : `${printable.slice(0, max - 1)}…`;
}

/** A 400 VALIDATION_FAILED naming the invalid fields: the first few in `detail`, every one in `errors` (capped by toProblem). */
export function validationFailed(issues: readonly FieldIssue[]): ApiError {
  const named = issues
    .slice(0, MAX_ISSUES_IN_DETAIL)
    .map((i) => `${clip(i.path, MAX_CHARS.path)} ${clip(i.message, MAX_CHARS.message)}`);
  if (issues.length > MAX_ISSUES_IN_DETAIL) named.push(`and ${issues.length - MAX_ISSUES_IN_DETAIL} more`);
  return new ApiError(
    'VALIDATION_FAILED',
    `${issues.length} invalid field${issues.length === 1 ? '' : 's'}: ${named.join('; ')}`,
    { errors: [...issues] },
  );
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
  if (known) problem.detail = clip(known.detail, MAX_CHARS.detail);
  if (instance !== undefined) problem.instance = clip(instance, MAX_CHARS.instance);
  const errors = known?.extra.errors;
  if (errors !== undefined) {
    problem.errors = errors.slice(0, MAX_LISTED_ERRORS).map((e) => ({
      path: clip(e.path, MAX_CHARS.path),
      message: clip(e.message, MAX_CHARS.message),
    }));
    if (errors.length > MAX_LISTED_ERRORS) {
      problem.errorCount = errors.length;
      problem.errorsTruncated = true;
    }
  }
  return problem;
}

/**
 * Why an event can never be processed; such events go to the dead-letter topic. INCONSISTENT_EVENT: a
 * well-formed event that contradicts what the consumer recorded (e.g. a reservation for a declined order).
 */
export type PermanentErrorCode = 'INVALID_EVENT' | 'EMPTY_MESSAGE' | 'UNPROCESSABLE' | 'INCONSISTENT_EVENT';

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
