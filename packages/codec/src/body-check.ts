// A bounded pre-check of untrusted Avro binary against the WRITER schema, run before avsc decodes.
// avsc trusts lengths and block counts: a 99-byte body whose array block count says 2^32−1 makes it
// allocate until the heap is gone. This walker reads every length, count and index once, checks it
// against the bytes left and the schema, allocates nothing on success, and names the field on failure.
import type { Type } from 'avsc';

/** Limits applied while checking one message body. */
export interface BodyCheckLimits {
  /** Array items plus map entries allowed in one message (zero-width items included). */
  maxItems: number;
  /** Record nesting allowed (only recursive schemas can get near it). */
  maxDepth: number;
}

/** Checks `buf[start, end)` is exactly one value of the compiled writer schema; throws BodyProblem. */
export type BodyCheck = (buf: Buffer, start: number, end: number) => void;

/** What is wrong with a body and where: `path` is the field path from the root record. */
export class BodyProblem extends Error {
  override readonly name = 'BodyProblem';
  /** Path segments, innermost last: field names, `[3]`, `["key"]`. */
  readonly segments: string[] = [];
  constructor(readonly problem: string) {
    super(problem);
  }

  /** `lines[3].sku` (or `(record)` for the root). */
  get path(): string {
    let out = '';
    for (const s of this.segments) out += s.startsWith('[') || out === '' ? s : `.${s}`;
    return out === '' ? '(record)' : out;
  }
}

interface Cursor {
  buf: Buffer;
  pos: number;
  end: number;
  items: number;
  depth: number;
  readonly limits: BodyCheckLimits;
}

type Walk = (c: Cursor) => void;

interface Node {
  walk: Walk;
  /** A lower bound of the bytes one value takes; 0 only for types that always take 0 bytes. */
  minWidth: number;
}

/** Compiles a checker for values written with `writer` (an avsc Type, logical types included). */
export function compileBodyCheck(writer: Type, limits: BodyCheckLimits): BodyCheck {
  const root = compile(writer, new Map());
  return (buf, start, end) => {
    const c: Cursor = { buf, pos: start, end, items: 0, depth: 0, limits };
    root.walk(c);
    if (c.pos !== end) throw new BodyProblem(`${end - c.pos} unexpected bytes after the record`);
  };
}

// Structural views of the avsc Type classes (their .d.ts does not expose these fields).
interface AnyType {
  readonly typeName: string;
  readonly name?: string | undefined;
  readonly underlyingType?: AnyType;
  readonly types?: readonly AnyType[];
  readonly itemsType?: AnyType;
  readonly valuesType?: AnyType;
  readonly symbols?: readonly string[];
  readonly size?: number;
  readonly fields?: ReadonlyArray<{ readonly name: string; readonly type: AnyType }>;
}

function compile(type: Type | AnyType, records: Map<AnyType, Node>): Node {
  const t = type as AnyType;
  const name = t.typeName;
  if (name.startsWith('logical:')) return compile(t.underlyingType!, records);
  switch (name) {
    case 'null':
      return { walk: noop, minWidth: 0 };
    case 'boolean':
      return { walk: walkBoolean, minWidth: 1 };
    case 'int':
      return { walk: walkInt, minWidth: 1 };
    case 'long':
      return { walk: walkLong, minWidth: 1 };
    case 'float':
      return { walk: fixedWidth(4, 'float'), minWidth: 4 };
    case 'double':
      return { walk: fixedWidth(8, 'double'), minWidth: 8 };
    case 'string':
      return { walk: lengthPrefixed('string'), minWidth: 1 };
    case 'bytes':
      return { walk: lengthPrefixed('bytes'), minWidth: 1 };
    case 'fixed': {
      const size = t.size ?? 0;
      return { walk: size === 0 ? noop : fixedWidth(size, `fixed(${size})`), minWidth: size };
    }
    case 'enum':
      return {
        walk: indexed(t.symbols?.length ?? 0, t.name === undefined ? 'enum index' : `enum ${t.name} index`),
        minWidth: 1,
      };
    case 'union:unwrapped':
    case 'union:wrapped':
      return compileUnion(t.types ?? [], records);
    case 'array':
      return compileArray(compile(t.itemsType!, records));
    case 'map':
      return compileMap(compile(t.valuesType!, records));
    case 'record':
    case 'error':
      return compileRecord(t, records);
    default:
      throw new TypeError(`cannot check Avro type ${name}`);
  }
}

function compileRecord(t: AnyType, records: Map<AnyType, Node>): Node {
  const seen = records.get(t);
  if (seen) return seen;
  // The walk closes over arrays filled below, so a recursive reference met while the fields are
  // still compiling already gets the final walk. Such a reference counts 1 byte towards minWidth
  // (recursion always goes through a union, array or map, which take at least 1 byte).
  const names: string[] = [];
  const walks: Walk[] = [];
  const node: Node = {
    walk: (c) => {
      if (++c.depth > c.limits.maxDepth)
        throw new BodyProblem(`records nested deeper than ${c.limits.maxDepth} levels`);
      let i = 0;
      try {
        for (; i < walks.length; i++) walks[i]!(c);
      } catch (err) {
        if (err instanceof BodyProblem) err.segments.unshift(names[i]!);
        throw err;
      }
      c.depth -= 1;
    },
    minWidth: 1,
  };
  records.set(t, node);
  let minWidth = 0;
  for (const field of t.fields ?? []) {
    const compiled = compile(field.type, records);
    names.push(field.name);
    walks.push(compiled.walk);
    minWidth += compiled.minWidth;
  }
  node.minWidth = minWidth;
  return node;
}

function compileUnion(types: readonly AnyType[], records: Map<AnyType, Node>): Node {
  const branches = types.map((b) => compile(b, records));
  const walks = branches.map((b) => b.walk);
  const n = walks.length;
  return {
    walk: (c) => {
      const index = readVarint(c, 10, 'union branch index');
      if (!(index >= 0 && index < n))
        throw new BodyProblem(`union branch index ${index} is out of range (the union has ${n} branches)`);
      walks[index]!(c);
    },
    minWidth: 1,
  };
}

function compileArray(item: Node): Node {
  const walkItem = item.walk;
  const width = item.minWidth;
  return {
    walk: (c) => {
      let index = 0;
      for (;;) {
        const blockStart = c.pos;
        let count = readVarint(c, 10, 'array block count');
        if (count === 0) return;
        const size = count < 0 ? blockSize(c, 'array') : -1;
        if (count < 0) count = -count;
        admitItems(c, count, width, 'array block count', 'item');
        const itemsStart = c.pos;
        if (width !== 0) {
          try {
            for (let i = 0; i < count; i++, index++) walkItem(c);
          } catch (err) {
            if (err instanceof BodyProblem) err.segments.unshift(`[${index}]`);
            throw err;
          }
        } else index += count;
        if (size >= 0 && c.pos - itemsStart !== size)
          throw blockSizeLie('array', size, c.pos - itemsStart, blockStart);
      }
    },
    minWidth: 1,
  };
}

function compileMap(value: Node): Node {
  const walkValue = value.walk;
  // Each entry is a string key (at least its length byte) plus the value.
  const width = 1 + value.minWidth;
  return {
    walk: (c) => {
      for (;;) {
        const blockStart = c.pos;
        let count = readVarint(c, 10, 'map block count');
        if (count === 0) return;
        const size = count < 0 ? blockSize(c, 'map') : -1;
        if (count < 0) count = -count;
        admitItems(c, count, width, 'map block count', 'entry');
        const entriesStart = c.pos;
        for (let i = 0; i < count; i++) {
          const keyLength = readLength(c, 'map key');
          const keyStart = c.pos;
          c.pos += keyLength;
          try {
            walkValue(c);
          } catch (err) {
            if (err instanceof BodyProblem) err.segments.unshift(keyLabel(c.buf, keyStart, keyLength));
            throw err;
          }
        }
        if (size >= 0 && c.pos - entriesStart !== size)
          throw blockSizeLie('map', size, c.pos - entriesStart, blockStart);
      }
    },
    minWidth: 1,
  };
}

/** Refuses a block whose count cannot fit in the bytes left, or that exceeds the per-message cap. */
function admitItems(c: Cursor, count: number, width: number, what: string, unit: string): void {
  const left = c.end - c.pos;
  if (width > 0 && count * width > left)
    throw new BodyProblem(
      `${what} ${count} is larger than the ${left} bytes left could hold (each ${unit} takes at least ${width} byte${width === 1 ? '' : 's'})`,
    );
  c.items += count;
  if (c.items > c.limits.maxItems)
    throw new BodyProblem(
      `${what} ${count} brings the message to more than ${c.limits.maxItems} array items and map entries`,
    );
}

function blockSize(c: Cursor, kind: string): number {
  const size = readVarint(c, 10, `${kind} block size`);
  const left = c.end - c.pos;
  if (size < 0 || size > left)
    throw new BodyProblem(`${kind} block size ${size} is out of range (${left} bytes left)`);
  return size;
}

function blockSizeLie(kind: string, said: number, took: number, at: number): BodyProblem {
  return new BodyProblem(`${kind} block at byte ${at} says it is ${said} bytes but its items take ${took}`);
}

function keyLabel(buf: Buffer, start: number, length: number): string {
  const key = buf.toString('utf8', start, start + Math.min(length, 64));
  return `[${JSON.stringify(length > 64 ? `${key}...` : key)}]`;
}

function noop(): void {}

function walkBoolean(c: Cursor): void {
  if (c.pos >= c.end) throw truncated('boolean');
  const b = c.buf[c.pos]!;
  if (b > 1) throw new BodyProblem(`boolean byte is ${b}, expected 0 or 1`);
  c.pos += 1;
}

function walkInt(c: Cursor): void {
  const n = readVarint(c, 5, 'int');
  if (n > 2147483647 || n < -2147483648) throw new BodyProblem(`int ${n} is outside the 32-bit range`);
}

function walkLong(c: Cursor): void {
  readVarint(c, 10, 'long');
}

function fixedWidth(size: number, what: string): Walk {
  return (c) => {
    if (c.end - c.pos < size) throw truncated(what);
    c.pos += size;
  };
}

function lengthPrefixed(what: string): Walk {
  return (c) => {
    // Not `c.pos += readLength(...)`: that would add to the position from before the length.
    const length = readLength(c, what);
    c.pos += length;
  };
}

/** Reads a string/bytes length and checks the bytes are there; leaves the cursor on the first of them. */
function readLength(c: Cursor, what: string): number {
  const length = readVarint(c, 10, `${what} length`);
  if (length < 0) throw new BodyProblem(`${what} length ${length} is negative`);
  const left = c.end - c.pos;
  if (length > left) throw new BodyProblem(`${what} length ${length} is larger than the ${left} bytes left`);
  return length;
}

function indexed(n: number, what: string): Walk {
  return (c) => {
    const index = readVarint(c, 10, what);
    if (!(index >= 0 && index < n)) throw new BodyProblem(`${what} ${index} is out of range (0..${n - 1})`);
  };
}

/** A zig-zag varint of at most `maxBytes` bytes; beyond 2^53 the value is approximate (only bounds are checked). */
function readVarint(c: Cursor, maxBytes: number, what: string): number {
  const buf = c.buf;
  let pos = c.pos;
  if (pos >= c.end) throw truncated(what);
  let b = buf[pos++]!;
  if (b < 0x80) {
    c.pos = pos;
    return b & 1 ? -((b + 1) / 2) : b / 2;
  }
  let n = b & 0x7f;
  let scale = 128;
  for (let i = 1; ; i++) {
    if (i >= maxBytes) throw new BodyProblem(`${what} varint is longer than ${maxBytes} bytes`);
    if (pos >= c.end) throw truncated(what);
    b = buf[pos++]!;
    n += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  c.pos = pos;
  return n % 2 === 1 ? -((n + 1) / 2) : n / 2;
}

function truncated(what: string): BodyProblem {
  return new BodyProblem(`the body is truncated: it ends before the ${what}`);
}
