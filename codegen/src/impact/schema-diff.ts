// The field-level difference between two versions of a schema: what impact analysis looks up in the code.
import { typeLabel } from '../compat';
import type { AvroSchema, RecordField } from '../compat';

export type FieldChangeKind =
  'added' | 'removed' | 'type-changed' | 'logical-type-changed' | 'default-changed' | 'enum-symbols-changed';

/** One changed field of one record, located by the record's name (what the generated type is called). */
export interface FieldChange {
  readonly kind: FieldChangeKind;
  /** Path from the root record as `check` prints it, e.g. `OrderCreated.customer.email`. */
  readonly path: string;
  /** The unqualified record name: the generated TypeScript type (`Customer`, `OrderLine`). */
  readonly record: string;
  readonly field: string;
  /** Records of this schema holding the changed field's record (`OrderCreated` for `Customer`); empty at the root. */
  readonly owners: readonly string[];
  /** Human-readable old and new state (type, default, symbols), absent where the field does not exist. */
  readonly old?: string;
  readonly new?: string;
  /** What readers and writers see with old and new events, independent of any one use. */
  readonly effect: string;
}

type RecordSchema = Extract<AvroSchema, { type: 'record' }>;
type EnumSchema = Extract<AvroSchema, { type: 'enum' }>;

interface Placed {
  readonly record: RecordSchema;
  /** The first path the record is met at. */
  readonly path: string;
  /** Every record with a field of this record's type. */
  readonly owners: string[];
}

/** Every record reachable from `schema`, by unqualified name. */
function recordsOf(schema: AvroSchema): Map<string, Placed> {
  const found = new Map<string, Placed>();
  const walk = (s: AvroSchema, path: string, owner: string | undefined): void => {
    switch (s.type) {
      case 'record': {
        const seen = found.get(s.name);
        if (seen) {
          if (owner !== undefined && !seen.owners.includes(owner)) seen.owners.push(owner);
          return;
        }
        found.set(s.name, { record: s, path, owners: owner === undefined ? [] : [owner] });
        for (const f of s.fields) walk(f.type, `${path}.${f.name}`, s.name);
        return;
      }
      case 'array':
        return walk(s.items, `${path}[]`, owner);
      case 'map':
        return walk(s.values, `${path}{}`, owner);
      case 'union':
        for (const b of s.branches) walk(b, path, owner);
        return;
      default:
        return;
    }
  };
  walk(schema, schema.type === 'record' ? schema.name : '$', undefined);
  // The root record's path is its name; nested records' paths start from it.
  return found;
}

/** The enum a field holds (directly or as a union branch), if any. */
function enumOf(s: AvroSchema): EnumSchema | undefined {
  if (s.type === 'enum') return s;
  if (s.type === 'union') return s.branches.map(enumOf).find((e) => e !== undefined);
  return undefined;
}

/** Type with its logical annotation, e.g. `long (timestamp-millis)`, `union [null, string]`. */
export function describeType(s: AvroSchema): string {
  const logical = (x: AvroSchema): string => {
    if ('logicalType' in x && x.logicalType !== undefined) {
      const decimal = x.logicalType === 'decimal' ? `(${String(x.precision)},${String(x.scale ?? 0)})` : '';
      return `${x.type} (${x.logicalType}${decimal})`;
    }
    if (x.type === 'union') return `union [${x.branches.map(logical).join(', ')}]`;
    if (x.type === 'array') return `array of ${logical(x.items)}`;
    if (x.type === 'map') return `map of ${logical(x.values)}`;
    return typeLabel(x);
  };
  return logical(s);
}

const json = (v: unknown): string => JSON.stringify(v);

function defaultText(f: RecordField): string {
  return f.hasDefault ? `default ${json(f.default)}` : 'no default';
}

/** The field of `old` that `f` (of the new record) reads: same name, or one of its aliases. */
function counterpart(old: RecordSchema, f: RecordField): RecordField | undefined {
  return old.fields.find((o) => o.name === f.name) ?? old.fields.find((o) => f.aliases.includes(o.name));
}

/** Field-level changes from `old` to `next`, per record (records matched by name or alias). */
export function diffSchemas(old: AvroSchema, next: AvroSchema): FieldChange[] {
  const oldRecords = recordsOf(old);
  const changes: FieldChange[] = [];
  for (const [name, { record, path, owners }] of recordsOf(next)) {
    const before =
      oldRecords.get(name)?.record ??
      [...oldRecords.values()].find((o) => record.aliases.includes(o.record.fullName))?.record;
    if (!before) continue; // a new record: its parent field shows up as added
    const seen = new Set<string>();
    for (const f of record.fields) {
      const o = counterpart(before, f);
      const at = { path: `${path}.${f.name}`, record: name, field: f.name, owners };
      if (!o) {
        changes.push({
          ...at,
          kind: 'added',
          new: `${describeType(f.type)}, ${defaultText(f)}`,
          effect: f.hasDefault
            ? `old events do not carry it: new readers read ${json(f.default)}; readers on the old schema ignore it`
            : 'old events do not carry it and it has no default: new readers cannot decode old events',
        });
        continue;
      }
      seen.add(o.name);
      const oldType = describeType(o.type);
      const newType = describeType(f.type);
      const oldEnum = enumOf(o.type);
      const newEnum = enumOf(f.type);
      if (
        oldEnum &&
        newEnum &&
        oldEnum.name === newEnum.name &&
        json(oldEnum.symbols) !== json(newEnum.symbols)
      ) {
        const added = newEnum.symbols.filter((s) => !oldEnum.symbols.includes(s));
        const removed = oldEnum.symbols.filter((s) => !newEnum.symbols.includes(s));
        const fallback = (e: EnumSchema) =>
          e.default === undefined ? 'fail to decode the event (no enum default)' : `read ${e.default}`;
        changes.push({
          ...at,
          kind: 'enum-symbols-changed',
          old: `${oldEnum.name} {${oldEnum.symbols.join(', ')}}`,
          new: `${newEnum.name} {${newEnum.symbols.join(', ')}}`,
          effect: [
            ...(added.length
              ? [`new events may carry ${added.join(', ')}: readers on the old schema ${fallback(oldEnum)}`]
              : []),
            ...(removed.length
              ? [`old events may carry ${removed.join(', ')}: new readers ${fallback(newEnum)}`]
              : []),
            ...(added.length + removed.length === 0 ? ['symbols reordered: code using ordinals shifts'] : []),
          ].join('; '),
        });
      } else if (oldType !== newType) {
        const sameBytes = typeLabel(o.type) === typeLabel(f.type);
        changes.push({
          ...at,
          kind: sameBytes ? 'logical-type-changed' : 'type-changed',
          old: oldType,
          new: newType,
          effect: sameBytes
            ? `same bytes, new meaning: old events' values are read as ${newType}, new events by old readers as ${oldType}`
            : `old events hold ${oldType}, new events ${newType}: each side reads the other's values through Avro promotion, or cannot decode them`,
        });
      }
      if (o.hasDefault !== f.hasDefault || json(o.default) !== json(f.default)) {
        changes.push({
          ...at,
          kind: 'default-changed',
          old: defaultText(o),
          new: defaultText(f),
          effect: f.hasDefault
            ? `events written without the field read as ${json(f.default)} by new readers${o.hasDefault ? `, ${json(o.default)} by old ones` : ''}`
            : 'events written without the field can no longer be decoded by new readers',
        });
      }
    }
    for (const o of before.fields) {
      if (seen.has(o.name)) continue;
      changes.push({
        path: `${path}.${o.name}`,
        record: name,
        field: o.name,
        owners,
        kind: 'removed',
        old: `${describeType(o.type)}, ${defaultText(o)}`,
        effect: o.hasDefault
          ? `old events carry it, new events do not: readers on the old schema read ${json(o.default)} from new events; new readers ignore it in old events`
          : 'old events carry it, new events do not and it had no default: readers on the old schema cannot decode new events',
      });
    }
  }
  return changes;
}
