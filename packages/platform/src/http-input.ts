// What the HTTP kit refuses before any route runs: bodies it cannot read, text a database cannot store,
// malformed ids in the path; and the headers every answer carries. Each refusal is an ApiError, so the
// kit's error handler answers it as problem+json (never a 500).
import type { Express, NextFunction, Request, RequestHandler, Response } from 'express';
import express from 'express';
import { ApiError, type FieldIssue } from './errors';
import { CURRENCY_PATTERN, SKU_PATTERN, UUID_PATTERN } from './ids';

/**
 * Headers on every answer: helmet's defaults that mean something for a JSON API. No
 * Strict-Transport-Security: the services speak plain HTTP on 127.0.0.1 and browsers ignore HSTS
 * sent over HTTP (RFC 6797 §8.1); the proxy that terminates TLS is where it belongs.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'",
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
};

/** Sets SECURITY_HEADERS on the response. */
export function setSecurityHeaders(res: Response): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
}

/**
 * Content-Encodings a body may arrive in. body-parser would also take zstd where Node has it (22.15+);
 * naming the set here keeps the answer the same on every Node version.
 */
const ENCODINGS = ['identity', 'gzip', 'deflate', 'br'];

function hasBody(req: Request): boolean {
  return Number(req.get('content-length') ?? 0) > 0 || req.get('transfer-encoding') !== undefined;
}

/** 415 for a body that is not JSON (or has no Content-Type) or arrives in an encoding not in ENCODINGS. */
export function bodyHeaders(req: Request, _res: Response, next: NextFunction): void {
  if (!hasBody(req)) {
    next();
    return;
  }
  if (!req.is(['application/json', 'application/*+json'])) {
    next(
      new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `expected Content-Type application/json, got ${req.get('content-type') ?? 'none'}`,
      ),
    );
    return;
  }
  const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
  if (!ENCODINGS.includes(encoding)) {
    next(
      new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        `Content-Encoding ${encoding} is not supported; send ${ENCODINGS.join(', ')}`,
        { supportedEncodings: ENCODINGS },
      ),
    );
    return;
  }
  next();
}

/** A value inside a parsed JSON document: its key (array index as text) and its container. */
export interface JsonNode {
  key: string;
  value: unknown;
  parent: JsonNode | undefined;
}

/** The JSON pointer of a node ('' for the root), e.g. /lines/0/sku. */
export function jsonPointer(node: JsonNode): string {
  const keys: string[] = [];
  for (let n: JsonNode | undefined = node; n?.parent !== undefined; n = n.parent)
    keys.push(n.key.replaceAll('~', '~0').replaceAll('/', '~1'));
  return keys
    .reverse()
    .map((key) => `/${key}`)
    .join('');
}

/**
 * Every value in a parsed JSON document, depth first. No recursion (nesting cannot overflow the stack)
 * and no per-value allocation beyond the node: a 64 KB body of 21,000 values takes a few ms.
 */
export function* jsonValues(root: unknown): Generator<JsonNode> {
  const open: { node: JsonNode; keys: string[] | undefined; next: number }[] = [];
  const enter = (node: JsonNode): void => {
    const { value } = node;
    if (typeof value === 'object' && value !== null)
      open.push({ node, keys: Array.isArray(value) ? undefined : Object.keys(value), next: 0 });
  };
  const top: JsonNode = { key: '', value: root, parent: undefined };
  yield top;
  enter(top);
  for (let frame = open.at(-1); frame !== undefined; frame = open.at(-1)) {
    const container = frame.node.value as Record<string, unknown> & unknown[];
    const index = frame.next;
    if (index === (frame.keys ?? container).length) {
      open.pop();
      continue;
    }
    frame.next += 1;
    const key = frame.keys?.[index] ?? String(index);
    const node: JsonNode = { key, value: frame.keys ? container[key] : container[index], parent: frame.node };
    yield node;
    enter(node);
  }
}

// NUL cannot be stored in a PostgreSQL text column; a lone surrogate is not Unicode and cannot be
// encoded as UTF-8 (PostgreSQL, Kafka, Avro). With `u`, a well-formed pair is one code point, not Cs.
// eslint-disable-next-line no-control-regex -- NUL is the character this looks for
const UNSTORABLE = /[\u0000\p{Cs}]/u;

function describeUnstorable(text: string): string {
  return text.includes('\u0000') ? 'NUL (U+0000)' : 'a lone UTF-16 surrogate';
}

/** The first string or key in `body` holding NUL or a lone surrogate, named by its JSON pointer; undefined when none does. */
export function unstorableText(body: unknown): FieldIssue | undefined {
  for (const node of jsonValues(body)) {
    if (UNSTORABLE.test(node.key))
      return { path: jsonPointer(node), message: `field name contains ${describeUnstorable(node.key)}` };
    if (typeof node.value === 'string' && UNSTORABLE.test(node.value))
      return { path: jsonPointer(node), message: `contains ${describeUnstorable(node.value)}` };
  }
  return undefined;
}

/** body-parser's errors (each has a `type`, or a 4xx `status` for a stream it could not decode) as ApiErrors. */
function bodyError(err: unknown, req: Request, limit: string): unknown {
  const { type, status } = err as { type?: unknown; status?: unknown };
  if (type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', `request body exceeds ${limit}`);
  if (type === 'entity.parse.failed') return new ApiError('MALFORMED_JSON', 'request body is not valid JSON');
  if (type === 'charset.unsupported' || type === 'encoding.unsupported')
    return new ApiError('UNSUPPORTED_MEDIA_TYPE', 'unsupported body charset or encoding');
  if (typeof status === 'number' && status >= 400 && status < 500) {
    // A corrupt gzip/deflate/br stream, a body shorter or longer than its Content-Length, an abort.
    const encoding = req.get('content-encoding') ?? 'identity';
    return new ApiError(
      'UNREADABLE_BODY',
      `request body could not be read as Content-Encoding ${encoding}: ${err instanceof Error ? err.message : 'unreadable'}`,
    );
  }
  return err;
}

/** Parses JSON bodies up to `limit` (413 above it, measured after decompression); 400 naming the field for NUL or a lone surrogate. */
export function jsonBody(limit: string): RequestHandler {
  const parse = express.json({ limit, type: ['application/json', 'application/*+json'] });
  return (req, res, next) => {
    void parse(req, res, (err?: unknown) => {
      if (err !== undefined) {
        next(bodyError(err, req, limit));
        return;
      }
      const issue = unstorableText(req.body);
      if (issue) {
        next(new ApiError('VALIDATION_FAILED', `${issue.path || '/'} ${issue.message}`, { errors: [issue] }));
        return;
      }
      next();
    });
  };
}

/** A path parameter's grammar. */
export interface IdFormat {
  pattern: RegExp;
  /** What a valid value looks like, for the 400 answer. */
  message: string;
}

/**
 * Path parameters the kit checks on every route that declares them (400 naming the parameter, before
 * the route runs): a route never hands garbage to the database or the cache.
 */
export const ID_PARAMS: Readonly<Record<string, IdFormat>> = {
  orderId: { pattern: UUID_PATTERN, message: 'must be a UUID' },
  sku: {
    pattern: SKU_PATTERN,
    message: 'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  },
  currency: { pattern: CURRENCY_PATTERN, message: 'must be an ISO-4217 code of 3 capital letters' },
};

/** Registers ID_PARAMS with `app.param`. */
export function checkIdParams(app: Express): void {
  for (const [name, format] of Object.entries(ID_PARAMS)) {
    app.param(name, (_req, _res, next, value: unknown) => {
      if (typeof value === 'string' && format.pattern.test(value)) {
        next();
        return;
      }
      next(
        new ApiError('VALIDATION_FAILED', `path parameter ${name} ${format.message}`, {
          errors: [{ path: `path.${name}`, message: format.message }],
        }),
      );
    });
  }
}
