// Personal data (a customer's email address and name) never reaches a log line, a dead-letter header or
// /ready in clear unless LOG_PERSONAL_DATA=true: structured fields are censored by path (pino `redact`),
// free text (error messages, stacks, log messages) by pattern.
import pino from 'pino';

/** What a censored field or text excerpt is replaced with. */
export const REDACTED = '[redacted]';

/**
 * Log fields that hold personal data, censored unless LOG_PERSONAL_DATA=true (pino `redact` paths; `*`
 * is one level). Log a customer's email or name only under one of these keys: `customer` (an event's
 * `{ email, name }`), `email`, `customerEmail`, `customerName`, `recipient`, or a notice's `to`/`text`.
 */
export const PERSONAL_DATA_LOG_PATHS: readonly string[] = [
  'customer.email',
  'customer.name',
  '*.customer.email',
  '*.customer.name',
  'email',
  'customerEmail',
  'customerName',
  '*.email',
  '*.customerEmail',
  '*.customerName',
  'recipient',
  'to',
  'text',
];

// An address with a dotted domain ending in letters: `ada@example.com`, not `postgres@127.0.0.1` (a
// connection string's user) nor `node_modules/@orderflow/…` (nothing may precede `@` but address characters).
const EMAIL = /[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}/g;
// A validator's or encoder's excerpt of a customer field: `customer.name: expected …, got "Ada"`.
const CUSTOMER_VALUE = /(customer\.(?:email|name)\b[^;\n]*?\bgot )"(?:[^"\\]|\\.)*"/g;

/** `text` with email addresses and excerpts of customer fields replaced by `[redacted]`. */
export function maskPersonalText(text: string): string {
  // Most lines hold neither: skip the replacements (and their allocations) then.
  if (!text.includes('@') && !text.includes('customer.')) return text;
  return text.replace(CUSTOMER_VALUE, `$1"${REDACTED}"`).replace(EMAIL, REDACTED);
}

const MAX_DEPTH = 4;

function maskStrings(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return maskPersonalText(value);
  if (depth >= MAX_DEPTH || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => maskStrings(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = maskStrings(v, depth + 1);
  return out;
}

/**
 * pino's error serializer, then every string in it (message, stack, causes, a database error's
 * `detail`…) masked by {@link maskPersonalText}: an error about an event may quote its data.
 */
export function maskedErrorSerializer(err: unknown): unknown {
  if (!(err instanceof Error)) return maskStrings(err, 0);
  return maskStrings(pino.stdSerializers.err(err), 0);
}

/** The pino options that keep personal data out of the log: censored paths, masked errors and messages. */
export function personalDataRedaction(): Pick<pino.LoggerOptions, 'redact' | 'serializers' | 'hooks'> {
  return {
    redact: { paths: [...PERSONAL_DATA_LOG_PATHS], censor: REDACTED },
    serializers: { err: maskedErrorSerializer },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? maskPersonalText(a) : a));
        method.apply(this, masked as Parameters<pino.LogFn>);
      },
    },
  };
}
