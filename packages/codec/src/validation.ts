import type { ValidationIssue } from './descriptor';

// Runtime support for the validators generated into @orderflow/contracts.

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

/** Records `path: expected X, got <value>` in `issues`. */
export function pushIssue(issues: ValidationIssue[], path: string, expected: string, value: unknown): void {
  const got = describeValue(value);
  issues.push({
    path,
    expected,
    got,
    message: `${path === '' ? '(value)' : path}: expected ${expected}, got ${got}`,
  });
}

/** `customer.email` from `customer` and `email`. */
export function fieldPath(path: string, field: string): string {
  return path === '' ? field : `${path}.${field}`;
}

/** `lines[2]` from `lines` and 2. */
export function itemPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

/** `attributes["colour"]` from `attributes` and `colour` (map keys may contain anything). */
export function keyPath(path: string, key: string): string {
  return `${path}[${JSON.stringify(key)}]`;
}

/** An Avro int: a 32-bit signed integer. */
export function isAvroInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

// avsc's own bound for longs as JS numbers (one below Number.MAX_SAFE_INTEGER).
const MAX_LONG = 9_007_199_254_740_990;

/** An Avro long as a JS number: an integer within ±(2^53 − 2), the range avsc encodes without precision loss. */
export function isAvroLong(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -MAX_LONG && v <= MAX_LONG;
}

/** A uuid string in 8-4-4-4-12 hex form. */
export function isUuid(v: unknown): v is string {
  return typeof v === 'string' && UUID_RE.test(v);
}

/** A Date that holds a time (not `new Date('garbage')`). */
export function isValidDate(v: unknown): v is Date {
  return v instanceof Date && !Number.isNaN(v.getTime());
}

/** A calendar date as `YYYY-MM-DD`. */
export function isIsoDate(v: unknown): v is string {
  return typeof v === 'string' && ISO_DATE_RE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`));
}

/** A plain object usable as an Avro record or map (not null, an array, a Buffer or a Date). */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v) && !(v instanceof Date)
  );
}

/** A short, safe rendering of a value for an issue message. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'undefined (missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'Invalid Date' : `Date(${v.toISOString()})`;
  if (Buffer.isBuffer(v)) return `Buffer(${v.length} bytes)`;
  if (Array.isArray(v)) return `array(${v.length})`;
  if (typeof v === 'object') return 'object';
  return typeof v;
}

/** Records an issue for each key of `value` that is not one of the record's `fields` (a typo would otherwise be dropped silently). */
export function pushUnknownFields(
  issues: ValidationIssue[],
  path: string,
  value: Record<string, unknown>,
  fields: readonly string[],
  record: string,
): void {
  for (const key of Object.keys(value)) {
    if (fields.includes(key)) continue;
    const at = fieldPath(path, key);
    issues.push({
      path: at,
      expected: `a field of ${record}`,
      got: describeValue(value[key]),
      message: `${at}: ${record} has no field "${key}" (fields: ${fields.join(', ')})`,
    });
  }
}
