import { randomUUID } from 'node:crypto';
import avro from 'avsc';
import type { Schema, Type } from 'avsc';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/** `long` + `timestamp-millis` ↔ JS Date (writer `long` or `int` promote to it). */
class TimestampMillisType extends avro.types.LogicalType {
  protected override _fromValue(val: number): Date {
    return new Date(val);
  }
  protected override _toValue(date: unknown): number | undefined {
    return date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : undefined;
  }
  protected override _resolve(type: Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:timestamp-millis')) return (v) => v;
    if (avro.Type.isType(type, 'long', 'int')) return (v) => new Date(v as number);
    return undefined;
  }
}

/** `string` + `uuid` ↔ JS string in canonical 8-4-4-4-12 form (anything else is invalid data). */
class UuidType extends avro.types.LogicalType {
  protected override _fromValue(val: string): string {
    return val;
  }
  protected override _toValue(val: unknown): string | undefined {
    return typeof val === 'string' && UUID_RE.test(val) ? val : undefined;
  }
  protected override _resolve(type: Type): ((v: unknown) => unknown) | undefined {
    return avro.Type.isType(type, 'string', 'logical:uuid') ? (v) => v : undefined;
  }
  // avsc's default would produce a random non-uuid string, which this type then refuses to encode.
  override random(): avro.types.LogicalType {
    // avsc's typings say random() returns a Type; at run time it returns a value.
    return randomUUID() as unknown as avro.types.LogicalType;
  }
}

/** `int` + `date` ↔ `YYYY-MM-DD` string (days since the epoch, UTC; a string avoids time-zone surprises). */
class DateType extends avro.types.LogicalType {
  protected override _fromValue(val: number): string {
    return new Date(val * MS_PER_DAY).toISOString().slice(0, 10);
  }
  protected override _toValue(val: unknown): number | undefined {
    if (typeof val !== 'string' || !ISO_DATE_RE.test(val)) return undefined;
    const ms = Date.parse(`${val}T00:00:00Z`);
    return Number.isNaN(ms) ? undefined : ms / MS_PER_DAY;
  }
  protected override _resolve(type: Type): ((v: unknown) => unknown) | undefined {
    if (avro.Type.isType(type, 'logical:date')) return (v) => v;
    if (avro.Type.isType(type, 'int')) return (v) => this._fromValue(v as number);
    return undefined;
  }
}

/** The logical types the generated TypeScript relies on; every Type in Orderflow is parsed with them. */
export const logicalTypes = {
  'timestamp-millis': TimestampMillisType,
  uuid: UuidType,
  date: DateType,
};

/** Parses an Avro schema (JSON text, object or Type) with Orderflow's logical types; throws avsc's error when invalid. */
export function parseAvroSchema(schema: string | object | Type): Type {
  if (avro.Type.isType(schema)) return schema as Type;
  const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
  return avro.Type.forSchema(json as Schema, { logicalTypes });
}

// Fixed key order so a schema object serialises the same way whoever built it (codegen, the
// register command, a test): registries compare schema text on lookup (Apicurio in particular).
const KEY_ORDER = [
  'name',
  'type',
  'namespace',
  'aliases',
  'doc',
  'fields',
  'symbols',
  'items',
  'values',
  'size',
  'logicalType',
  'precision',
  'scale',
  'default',
  'order',
];

function orderKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(orderKeys);
  if (value === null || typeof value !== 'object') return value;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).sort((a, b) => {
    const ia = KEY_ORDER.indexOf(a);
    const ib = KEY_ORDER.indexOf(b);
    if (ia !== -1 || ib !== -1)
      return (ia === -1 ? KEY_ORDER.length : ia) - (ib === -1 ? KEY_ORDER.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, unknown> = {};
  // Field defaults are data, not schema: their keys keep the author's order.
  for (const k of keys) out[k] = k === 'default' ? obj[k] : orderKeys(obj[k]);
  return out;
}

/**
 * The one text form Orderflow registers and looks up: the schema as authored (docs, defaults, enum
 * defaults and logical types kept — the registry's compatibility checks need them), keys in a fixed
 * order, no whitespace.
 */
export function canonicalSchema(schema: string | object): string {
  const json: unknown = typeof schema === 'string' ? JSON.parse(schema) : schema;
  return JSON.stringify(orderKeys(json));
}
