// REST ↔ event drift: the OpenAPI order request and view must agree with the Avro `order_created`
// event on names, types, optionality, enums and declared limits, except where
// schemas/rest-event-mapping.json says they differ on purpose (each difference with a reason).
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { readResolvedSchema } from '../generator/shared-types';

export const MAPPING_FILE = 'schemas/rest-event-mapping.json';

interface Reasoned {
  readonly reason: string;
}
export interface Rename extends Reasoned {
  /** REST path, e.g. `id`, `customer.name`, `lines[].sku`. */
  readonly rest: string;
  /** Event path in the same form. */
  readonly event: string;
}
export interface OneSided extends Reasoned {
  readonly path: string;
}
export interface Comparison {
  /** OpenAPI component schema compared with the event: `CreateOrderRequest`, `Order`. */
  readonly rest: string;
  readonly renames: readonly Rename[];
  readonly restOnly: readonly OneSided[];
  readonly eventOnly: readonly OneSided[];
  /** REST paths whose type, optionality, enum or limits differ from the event's on purpose. */
  readonly differences: readonly OneSided[];
}
export interface RestEventMapping {
  /** OpenAPI document, relative to the repository root. */
  readonly openapi: string;
  /** Avro schema of the event, relative to the repository root. */
  readonly event: string;
  readonly comparisons: readonly Comparison[];
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Limits compared when both sides declare them (Avro: the same keys as extra field attributes). */
const LIMITS = ['minimum', 'maximum', 'minLength', 'maxLength', 'minItems', 'maxItems'] as const;

interface RestNode {
  readonly schema: Json;
  /** JSON pointer of the schema object in the OpenAPI document. */
  readonly pointer: string;
}

function child(comparisonPath: string, name: string): string {
  return comparisonPath ? `${comparisonPath}.${name}` : name;
}

class DriftChecker {
  readonly problems: string[] = [];
  private readonly used = new Set<unknown>();

  constructor(
    private readonly mapping: RestEventMapping,
    private readonly openapi: Json,
  ) {}

  private resolve(schema: Json, pointer: string): RestNode {
    const ref = schema.$ref;
    if (typeof ref !== 'string') return { schema, pointer };
    const target = ref.replace(/^#/, '');
    let node: unknown = this.openapi;
    for (const part of target.split('/').slice(1)) node = isObject(node) ? node[part] : undefined;
    if (!isObject(node)) throw new Error(`${this.mapping.openapi}#${target}: $ref target not found`);
    return this.resolve(node, target);
  }

  private restPlace(c: Comparison, restPath: string, node: RestNode): string {
    return `${c.rest}.${restPath} (${this.mapping.openapi}#${node.pointer})`;
  }

  private eventPlace(record: string, eventPath: string): string {
    return `${record}.${eventPath} (${this.mapping.event})`;
  }

  private declared<T extends Reasoned>(list: readonly T[], match: (t: T) => boolean): T | undefined {
    const found = list.find(match);
    if (found) this.used.add(found);
    return found;
  }

  compare(c: Comparison, event: Json): void {
    const top = this.openapi.components;
    const schemas = isObject(top) ? top.schemas : undefined;
    const rest = isObject(schemas) ? schemas[c.rest] : undefined;
    if (!isObject(rest)) {
      this.problems.push(`${MAPPING_FILE}: ${this.mapping.openapi} has no components.schemas.${c.rest}`);
      return;
    }
    this.objects(c, this.resolve(rest, `/components/schemas/${c.rest}`), event, '', '', String(event.name));
  }

  private objects(
    c: Comparison,
    rest: RestNode,
    record: Json,
    restPath: string,
    eventPath: string,
    root: string,
  ): void {
    const props = isObject(rest.schema.properties) ? rest.schema.properties : {};
    const required = Array.isArray(rest.schema.required) ? (rest.schema.required as string[]) : [];
    const fields = Array.isArray(record.fields) ? (record.fields as Json[]) : [];
    const matched = new Set<Json>();
    for (const [name, raw] of Object.entries(props)) {
      if (!isObject(raw)) continue;
      const rp = child(restPath, name);
      const rename = this.declared(c.renames, (r) => r.rest === rp);
      const eventName = rename ? (rename.event.split('.').at(-1) ?? '').replace(/\[\]$/, '') : name;
      const field = fields.find((f) => f.name === eventName);
      const node = this.resolve(raw, `${rest.pointer}/properties/${name}`);
      if (!field) {
        if (!this.declared(c.restOnly, (o) => o.path === rp))
          this.problems.push(
            `${this.restPlace(c, rp, node)} has no counterpart in the event: no field ${this.eventPlace(root, child(eventPath, eventName))}; add it, or list "${rp}" under restOnly of ${c.rest} in ${MAPPING_FILE} with a reason`,
          );
        continue;
      }
      matched.add(field);
      this.field(c, node, !required.includes(name), field, rp, child(eventPath, String(field.name)), root);
    }
    for (const field of fields) {
      if (matched.has(field)) continue;
      const ep = child(eventPath, String(field.name));
      if (!this.declared(c.eventOnly, (o) => o.path === ep))
        this.problems.push(
          `${this.eventPlace(root, ep)} has no counterpart in ${c.rest}.${child(restPath, String(field.name))} (${this.mapping.openapi}#${rest.pointer}); add it, map it under renames, or list "${ep}" under eventOnly of ${c.rest} in ${MAPPING_FILE} with a reason`,
        );
    }
  }

  private field(
    c: Comparison,
    rest: RestNode,
    restOptional: boolean,
    field: Json,
    restPath: string,
    eventPath: string,
    root: string,
  ): void {
    const branches = Array.isArray(field.type) ? (field.type as unknown[]) : [field.type];
    const nonNull = branches.filter((b) => b !== 'null');
    const eventOptional = nonNull.length < branches.length;
    const restTypes = Array.isArray(rest.schema.type) ? (rest.schema.type as unknown[]) : [rest.schema.type];
    const restNullable = restTypes.includes('null');
    const avro = this.avroNode(nonNull[0]);
    const problems: string[] = [];
    if (restOptional || restNullable ? !eventOptional : eventOptional)
      problems.push(
        `optionality: ${restOptional || restNullable ? 'optional or nullable' : 'required'} in REST but ${eventOptional ? 'nullable' : 'required'} in the event`,
      );
    const rk = restKind(rest.schema);
    const ek = avroKind(avro);
    if (rk !== ek) problems.push(`type: ${rk} in REST but ${ek} in the event`);
    const restEnum = Array.isArray(rest.schema.enum)
      ? (rest.schema.enum as unknown[]).filter((s) => s !== null)
      : undefined;
    if (rk === 'enum' && ek === 'enum' && restEnum) {
      // The event enum's default (UNKNOWN) exists so the enum can grow; REST need not list it.
      const symbols = (avro.symbols as string[]).filter((s) => s !== avro.default);
      const missing = symbols.filter((s) => !restEnum.includes(s));
      const extra = restEnum.filter((s) => !symbols.includes(s as string));
      if (missing.length + extra.length > 0)
        problems.push(
          `enum: ${[...missing.map((s) => `${s} only in the event`), ...extra.map((s) => `${typeof s === 'string' ? s : JSON.stringify(s)} only in REST`)].join(', ')}`,
        );
    }
    for (const limit of LIMITS) {
      const ev = field[limit] ?? avro[limit];
      if (ev === undefined) continue;
      if (rest.schema[limit] !== ev)
        problems.push(
          `${limit}: ${JSON.stringify(rest.schema[limit] ?? 'not declared')} in REST but ${JSON.stringify(ev)} in the event`,
        );
    }
    if (problems.length > 0 && !this.declared(c.differences, (d) => d.path === restPath))
      this.problems.push(
        `${this.restPlace(c, restPath, rest)} and ${this.eventPlace(root, eventPath)} disagree: ${problems.join('; ')}; align them, or list "${restPath}" under differences of ${c.rest} in ${MAPPING_FILE} with a reason`,
      );
    if (rk === 'object' && ek === 'object') this.objects(c, rest, avro, restPath, eventPath, root);
    if (rk === 'array' && ek === 'array' && isObject(rest.schema.items)) {
      const items = this.resolve(rest.schema.items, `${rest.pointer}/items`);
      const avroItems = this.avroNode(avro.items);
      if (restKind(items.schema) === 'object' && avroKind(avroItems) === 'object')
        this.objects(c, items, avroItems, `${restPath}[]`, `${eventPath}[]`, root);
    }
  }

  private avroNode(type: unknown): Json {
    return isObject(type) ? type : { type };
  }

  /** Mapping entries that matched nothing: the difference they describe is gone. */
  unusedEntries(): string[] {
    return this.mapping.comparisons.flatMap((c) =>
      (['renames', 'restOnly', 'eventOnly', 'differences'] as const).flatMap((key) =>
        (c[key] as readonly (Reasoned & { path?: string; rest?: string })[])
          .filter((e) => !this.used.has(e))
          .map(
            (e) =>
              `${MAPPING_FILE}: ${c.rest} ${key} "${e.path ?? e.rest ?? ''}" matches nothing any more; remove it`,
          ),
      ),
    );
  }
}

function restKind(s: Json): string {
  if (Array.isArray(s.enum)) return 'enum';
  const types = (Array.isArray(s.type) ? (s.type as unknown[]) : [s.type]).filter((t) => t !== 'null');
  const t = types[0];
  if (t === 'string') return s.format === 'uuid' ? 'uuid' : s.format === 'date-time' ? 'timestamp' : 'string';
  return typeof t === 'string' ? t : 'unknown';
}

function avroKind(s: Json): string {
  const logical = s.logicalType;
  if (logical === 'uuid') return 'uuid';
  if (typeof logical === 'string' && logical.startsWith('timestamp-')) return 'timestamp';
  switch (s.type) {
    case 'int':
    case 'long':
      return 'integer';
    case 'float':
    case 'double':
      return 'number';
    case 'record':
      return 'object';
    case 'string':
    case 'boolean':
    case 'array':
    case 'enum':
      return s.type;
    default:
      return String(s.type);
  }
}

/** Drift problems between the OpenAPI document and the event under `mapping` (empty = they agree). */
export function checkRestEventDrift(mapping: RestEventMapping, openapi: unknown, event: unknown): string[] {
  if (!isObject(openapi) || !isObject(event))
    return [`${MAPPING_FILE}: the OpenAPI document or the event is not an object`];
  const checker = new DriftChecker(mapping, openapi);
  for (const c of mapping.comparisons) checker.compare(c, event);
  return [...checker.problems, ...checker.unusedEntries()];
}

function reasoned(list: unknown, where: string, keys: readonly string[]): never[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new Error(`${MAPPING_FILE}: ${where} must be an array`);
  list.forEach((e: unknown, i) => {
    if (!isObject(e) || keys.some((k) => typeof e[k] !== 'string' || e[k] === ''))
      throw new Error(`${MAPPING_FILE}: ${where}[${i}] needs non-empty strings ${keys.join(', ')}`);
  });
  return list as never[];
}

/** Validate the mapping file's shape; throws naming the entry. */
export function validateMapping(json: unknown): RestEventMapping {
  if (
    !isObject(json) ||
    typeof json.openapi !== 'string' ||
    typeof json.event !== 'string' ||
    !Array.isArray(json.comparisons)
  )
    throw new Error(`${MAPPING_FILE}: needs "openapi", "event" and "comparisons"`);
  const comparisons = json.comparisons.map((raw: unknown, i): Comparison => {
    const at = `comparisons[${i}]`;
    if (!isObject(raw) || typeof raw.rest !== 'string')
      throw new Error(`${MAPPING_FILE}: ${at}.rest must be a string`);
    return {
      rest: raw.rest,
      renames: reasoned(raw.renames, `${at}.renames`, ['rest', 'event', 'reason']),
      restOnly: reasoned(raw.restOnly, `${at}.restOnly`, ['path', 'reason']),
      eventOnly: reasoned(raw.eventOnly, `${at}.eventOnly`, ['path', 'reason']),
      differences: reasoned(raw.differences, `${at}.differences`, ['path', 'reason']),
    };
  });
  return { openapi: json.openapi, event: json.event, comparisons };
}

/** Read the mapping, the OpenAPI document and the event from `root` and check them. */
export function checkRepositoryDrift(root: string): string[] {
  const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');
  const mapping = validateMapping(JSON.parse(read(MAPPING_FILE)));
  // The event as it is written: shared types (Customer, OrderLine) inlined.
  return checkRestEventDrift(
    mapping,
    parseYaml(read(mapping.openapi)),
    readResolvedSchema(root, mapping.event),
  );
}
