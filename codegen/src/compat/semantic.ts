// Semantic rules on top of Avro's resolution rules: changes Avro calls compatible that make readers
// misread data (a timestamp read 1,000× off, an amount in the wrong unit, an enum default that now
// means something else). Avro's verdict (resolution.ts) is never changed by them.
import type { AvroSchema, EnumSchema, RecordField, RecordSchema } from './avro-schema';
import type { CompatibilityLevel, PreviousSchema } from './levels';
import { namesMatch } from './resolution';

/** Stable identifiers of the semantic rules (README "Semantic rules"). */
export type SemanticRule =
  | 'logical-type-precision'
  | 'logical-type-changed'
  | 'logical-type-uuid'
  | 'decimal-scale'
  | 'decimal-precision'
  | 'unit-renamed'
  | 'unit-dropped'
  | 'unit-doc-changed'
  | 'enum-reordered'
  | 'enum-symbol-reused'
  | 'enum-default-changed'
  | 'field-default-changed';

/** `error`: data would be misread and the gate fails; `warning`: risky, printed, never fails. */
export type Severity = 'error' | 'warning';

export interface SemanticRuleInfo {
  /** Severity of a finding; a rule marked `escalates` may report some findings with the other one. */
  readonly severity: Severity;
  readonly catches: string;
  readonly fix: string;
}

/** What each rule catches, its usual severity and the usual fix (the README table is this one). */
export const SEMANTIC_RULES: Readonly<Record<SemanticRule, SemanticRuleInfo>> = {
  'logical-type-precision': {
    severity: 'error',
    catches:
      'timestamp/time precision changed (millis ↔ micros ↔ nanos): the number is read unchanged, 1,000× off',
    fix: 'add a new field with the new precision and deprecate the old one, or keep the precision',
  },
  'logical-type-changed': {
    severity: 'error',
    catches:
      'a logical type added, removed or swapped on the same bytes (date ↔ int, timestamp ↔ long, decimal ↔ bytes)',
    fix: 'add a new field with the new logical type; never re-annotate an existing one',
  },
  'logical-type-uuid': {
    severity: 'warning',
    catches:
      'uuid ↔ string: same text, but old events may hold strings that are not UUIDs (or new readers lose the guarantee)',
    fix: 'make sure every value ever written is a UUID before adding `uuid`; keep `uuid` once added',
  },
  'decimal-scale': {
    severity: 'error',
    catches: "a decimal's scale changed: the unscaled integer is read with the new scale, 10ⁿ× off",
    fix: 'add a new field with the new scale; never change the scale of an existing decimal',
  },
  'decimal-precision': {
    severity: 'warning',
    catches:
      "a decimal's precision changed: values with more digits than a reader's precision do not fit its type",
    fix: 'only widen precision once every reader has the wider schema; never narrow it',
  },
  'unit-renamed': {
    severity: 'error',
    catches:
      'a field renamed (through aliases) to a name with another unit suffix (timeoutMs → timeoutSeconds): old values are not converted',
    fix: 'add a new field in the new unit and write both during a transition; do not alias across units',
  },
  'unit-dropped': {
    severity: 'warning',
    catches:
      'a rename adds or drops a unit suffix (amountMinor → amount): readers can no longer tell the unit',
    fix: 'keep the unit in the name (amountMinor), or state it in the doc and check every producer writes it',
  },
  'unit-doc-changed': {
    severity: 'warning',
    catches:
      "a field's doc names another unit than before (milliseconds → seconds) while the type stays the same",
    fix: 'if the unit really changed, add a new field; if the doc was wrong, say so in the commit',
  },
  'enum-reordered': {
    severity: 'warning',
    catches:
      "enum symbols moved (reordered, or inserted or removed before others): Avro resolves by name, but ordinal readers (sorting, stored indexes) shift; an error when the enum's doc says readers rely on its order",
    fix: 'append new symbols at the end; never reorder or remove',
  },
  'enum-symbol-reused': {
    severity: 'error',
    catches: 'a symbol removed in an earlier version is back: old events carrying it meant the old thing',
    fix: 'pick a new symbol name; never re-use a retired one',
  },
  'enum-default-changed': {
    severity: 'error',
    catches:
      "the enum's default changed (or was removed, a warning): readers on different versions map unknown symbols differently",
    fix: 'keep the enum default once set; add a new enum if the fallback must change',
  },
  'field-default-changed': {
    severity: 'error',
    catches:
      "a field's default changed: events without the field mean one thing to old readers and another to new ones",
    fix: 'keep the default; add a new field if the meaning must change',
  },
};

export interface SemanticFinding {
  /** Field path from the root, as in CompatIssue (`OrderCreated.lines[].quantity`). */
  readonly path: string;
  readonly rule: SemanticRule;
  readonly severity: Severity;
  /** What changed and how data would be misread. */
  readonly message: string;
  readonly fix: string;
}

export interface LevelFinding extends SemanticFinding {
  /** The earlier version the new schema was compared with. */
  readonly against: string;
}

const TIME_LOGICAL = /^(timestamp|local-timestamp|time)-(millis|micros|nanos)$/;
const PER_SECOND: Readonly<Record<string, number>> = { millis: 1e3, micros: 1e6, nanos: 1e9 };

interface Unit {
  readonly base: string;
  readonly unit: string;
}

// camelCase suffixes (timeoutMs) and snake_case ones (timeout_ms); the longest spelling first.
const UNIT_SUFFIXES: ReadonlyArray<readonly [string, string]> = [
  ['Milliseconds', 'milliseconds'],
  ['Millis', 'milliseconds'],
  ['Ms', 'milliseconds'],
  ['Microseconds', 'microseconds'],
  ['Micros', 'microseconds'],
  ['Us', 'microseconds'],
  ['Nanoseconds', 'nanoseconds'],
  ['Nanos', 'nanoseconds'],
  ['Ns', 'nanoseconds'],
  ['Seconds', 'seconds'],
  ['Secs', 'seconds'],
  ['Sec', 'seconds'],
  ['Minutes', 'minutes'],
  ['Mins', 'minutes'],
  ['Hours', 'hours'],
  ['Days', 'days'],
  ['MinorUnits', 'minor units'],
  ['Minor', 'minor units'],
  ['Cents', 'minor units'],
  ['Major', 'major units'],
  ['Bytes', 'bytes'],
  ['Kb', 'kilobytes'],
  ['Mb', 'megabytes'],
  ['Percent', 'percent'],
  ['Pct', 'percent'],
  ['Bps', 'basis points'],
  ['BasisPoints', 'basis points'],
];

/** The unit a field name carries in its suffix (`timeoutMs` → milliseconds), if any. */
export function unitOfName(name: string): Unit | undefined {
  for (const [suffix, unit] of UNIT_SUFFIXES) {
    const snake = `_${suffix.toLowerCase()}`;
    if (
      name.length > suffix.length &&
      name.endsWith(suffix) &&
      /[a-z0-9]/.test(name[name.length - suffix.length - 1] ?? '')
    )
      return { base: name.slice(0, -suffix.length), unit };
    if (name.length > snake.length && name.toLowerCase().endsWith(snake))
      return { base: name.slice(0, -snake.length), unit };
  }
  return undefined;
}

const DOC_UNITS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\bmilli(?:second)?s?\b/i, 'milliseconds'],
  [/\bmicro(?:second)?s?\b/i, 'microseconds'],
  [/\bnano(?:second)?s?\b/i, 'nanoseconds'],
  [/\bseconds?\b/i, 'seconds'],
  [/\bminutes?\b/i, 'minutes'],
  [/\bhours?\b/i, 'hours'],
  [/\bminor units?\b|\bcents\b/i, 'minor units'],
  [/\bmajor units?\b/i, 'major units'],
];

/** Units a doc string names ("in UTC milliseconds since the epoch" → milliseconds). */
export function unitsOfDoc(doc: string | undefined): Set<string> {
  return new Set(doc ? DOC_UNITS.filter(([re]) => re.test(doc)).map(([, unit]) => unit) : []);
}

function sameKind(a: AvroSchema, b: AvroSchema): boolean {
  if (a.type !== b.type) return false;
  return 'fullName' in a && 'fullName' in b ? namesMatch(b, a) || namesMatch(a, b) : true;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(sortKeys(a)) === JSON.stringify(sortKeys(b));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (typeof v === 'object' && v !== null)
    return Object.fromEntries(
      Object.entries(v)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, x]) => [k, sortKeys(x)]),
    );
  return v;
}

const code = (v: unknown) => `\`${JSON.stringify(v)}\``;

class SemanticWalker {
  readonly findings: SemanticFinding[] = [];
  private readonly visited = new Set<string>();

  private add(path: string, rule: SemanticRule, message: string, severity?: Severity): void {
    const info = SEMANTIC_RULES[rule];
    this.findings.push({ path, rule, severity: severity ?? info.severity, message, fix: info.fix });
  }

  walk(old: AvroSchema, next: AvroSchema, path: string, label: string): void {
    if (old.type === 'union' || next.type === 'union') {
      const olds = old.type === 'union' ? old.branches : [old];
      const nexts = next.type === 'union' ? next.branches : [next];
      for (const n of nexts) {
        const o = olds.find((b) => sameKind(b, n));
        if (o) this.walk(o, n, path, label);
      }
      return;
    }
    if (old.type === 'record' && next.type === 'record') return this.records(old, next, path);
    if (old.type === 'enum' && next.type === 'enum') return this.enums(old, next, path, label);
    if (old.type === 'array' && next.type === 'array')
      return this.walk(old.items, next.items, `${path}[]`, `${label}[]`);
    if (old.type === 'map' && next.type === 'map')
      return this.walk(old.values, next.values, `${path}{}`, `${label}{}`);
    if ('fullName' in old && old.type !== 'fixed') return;
    if ('fullName' in next && next.type !== 'fixed') return;
    if (old.type === 'array' || old.type === 'map' || next.type === 'array' || next.type === 'map') return;
    this.logical(old, next, path, label);
  }

  private logical(old: AvroSchema, next: AvroSchema, path: string, label: string): void {
    const o = 'logicalType' in old ? old : undefined;
    const n = 'logicalType' in next ? next : undefined;
    const ol = o?.logicalType;
    const nl = n?.logicalType;
    const was = ol ? `${old.type} with logicalType \`${ol}\`` : `plain ${old.type}`;
    const now = nl ? `${next.type} with logicalType \`${nl}\`` : `plain ${next.type}`;
    if (ol === nl) {
      if (ol !== 'decimal') return;
      if (o?.scale !== n?.scale)
        this.add(
          path,
          'decimal-scale',
          `\`${label}\` is a decimal with scale ${o?.scale ?? 0} in the old schema but ${n?.scale ?? 0} in the new: the same unscaled integer is read ${10 ** Math.abs((o?.scale ?? 0) - (n?.scale ?? 0))}× off (1.23 becomes ${(o?.scale ?? 0) < (n?.scale ?? 0) ? '0.123' : '12.3'})`,
        );
      if (o?.precision !== n?.precision)
        this.add(
          path,
          'decimal-precision',
          `\`${label}\` is a decimal with precision ${String(o?.precision)} in the old schema but ${String(n?.precision)} in the new: values with more digits than a reader's precision do not fit its type`,
        );
      return;
    }
    const ot = ol ? TIME_LOGICAL.exec(ol) : null;
    const nt = nl ? TIME_LOGICAL.exec(nl) : null;
    if (ot && nt && ot[1] === nt[1]) {
      const factor = (PER_SECOND[nt[2] ?? ''] ?? 1) / (PER_SECOND[ot[2] ?? ''] ?? 1);
      this.add(
        path,
        'logical-type-precision',
        `\`${label}\` is \`${ol}\` in the old schema but \`${nl}\` in the new: Avro reads the number unchanged, so every old event is read ${factor > 1 ? factor : 1 / factor}× off (and new events by old readers the other way)`,
      );
      return;
    }
    if ((ol === 'uuid' && nl === undefined) || (ol === undefined && nl === 'uuid')) {
      this.add(
        path,
        'logical-type-uuid',
        `\`${label}\` is ${was} in the old schema but ${now} in the new: ${nl ? 'old events may hold strings that are not UUIDs' : 'readers lose the guarantee that it is a UUID'}`,
      );
      return;
    }
    this.add(
      path,
      'logical-type-changed',
      `\`${label}\` is ${was} in the old schema but ${now} in the new: the same bytes now mean something else`,
    );
  }

  private records(old: RecordSchema, next: RecordSchema, path: string): void {
    const key = `${old.fullName} ${next.fullName} ${path}`;
    if (this.visited.has(key)) return;
    this.visited.add(key);
    for (const field of next.fields) {
      const oldField =
        old.fields.find((f) => f.name === field.name) ??
        old.fields.find((f) => field.aliases.includes(f.name) || f.aliases.includes(field.name));
      if (!oldField) continue;
      const fieldPath = path ? `${path}.${field.name}` : field.name;
      this.field(oldField, field, fieldPath);
      this.walk(oldField.type, field.type, fieldPath, field.name);
    }
  }

  private field(old: RecordField, next: RecordField, path: string): void {
    if (old.name !== next.name) {
      const ou = unitOfName(old.name);
      const nu = unitOfName(next.name);
      if (ou && nu && ou.unit !== nu.unit)
        this.add(
          path,
          'unit-renamed',
          `\`${old.name}\` (${ou.unit}) was renamed to \`${next.name}\` (${nu.unit}): resolution copies the number unchanged, so old events are read in the wrong unit`,
        );
      else if ((ou === undefined) !== (nu === undefined))
        this.add(
          path,
          'unit-dropped',
          `\`${old.name}\` was renamed to \`${next.name}\`, ${ou ? `dropping its unit (${ou.unit})` : `adding a unit (${nu?.unit ?? ''}) the old name did not state`}: readers cannot tell whether old and new values are in the same unit`,
        );
    }
    const ou = unitsOfDoc(old.doc);
    const nu = unitsOfDoc(next.doc);
    if (ou.size > 0 && nu.size > 0 && ![...nu].some((u) => ou.has(u)))
      this.add(
        path,
        'unit-doc-changed',
        `\`${next.name}\`'s doc said ${[...ou].join(', ')} and now says ${[...nu].join(', ')}, but the data is not converted`,
      );
    if (old.hasDefault && next.hasDefault && !deepEqual(old.default, next.default))
      this.add(
        path,
        'field-default-changed',
        `\`${next.name}\`'s default changed from ${code(old.default)} to ${code(next.default)}: events without the field read as ${code(old.default)} to old readers and ${code(next.default)} to new ones`,
      );
  }

  private enums(old: EnumSchema, next: EnumSchema, path: string, label: string): void {
    const moved = next.symbols.filter(
      (s) => old.symbols.includes(s) && old.symbols.indexOf(s) !== next.symbols.indexOf(s),
    );
    if (moved.length > 0) {
      const ordinal =
        /\bordinal|\border(?:ed|ing)?\b/i.test(old.doc ?? '') ||
        /\bordinal|\border(?:ed|ing)?\b/i.test(next.doc ?? '');
      this.add(
        path,
        'enum-reordered',
        `\`${label}\` (enum ${next.name}) moved ${moved.map((s) => `\`${s}\` (${old.symbols.indexOf(s)} → ${next.symbols.indexOf(s)})`).join(', ')}: Avro resolves symbols by name, but anything using ordinals reads another symbol${ordinal ? ", and this enum's doc says readers rely on its order" : ''}`,
        ordinal ? 'error' : 'warning',
      );
    }
    if (old.default !== undefined && old.default !== next.default)
      this.add(
        path,
        'enum-default-changed',
        next.default === undefined
          ? `\`${label}\` (enum ${next.name}) lost its default \`${old.default}\`: readers on the new schema can no longer read symbols they do not know`
          : `\`${label}\` (enum ${next.name})'s default changed from \`${old.default}\` to \`${next.default}\`: an unknown symbol reads as \`${old.default}\` to old readers and \`${next.default}\` to new ones`,
        next.default === undefined ? 'warning' : 'error',
      );
  }
}

function rootName(s: AvroSchema): string {
  return 'fullName' in s ? s.name : '$';
}

/** Semantic findings for a change from `old` to `next` (Avro's own rules are not repeated). */
export function semanticFindings(old: AvroSchema, next: AvroSchema): SemanticFinding[] {
  const walker = new SemanticWalker();
  walker.walk(old, next, rootName(next), rootName(next));
  return walker.findings;
}

/** Every enum's symbols by field path (unions see through their branches). */
function enumsByPath(schema: AvroSchema): Map<string, { name: string; symbols: readonly string[] }> {
  const found = new Map<string, { name: string; symbols: readonly string[] }>();
  const seen = new Set<AvroSchema>();
  const visit = (s: AvroSchema, path: string): void => {
    switch (s.type) {
      case 'enum':
        found.set(path, { name: s.name, symbols: s.symbols });
        return;
      case 'union':
        s.branches.forEach((b) => visit(b, path));
        return;
      case 'array':
        return visit(s.items, `${path}[]`);
      case 'map':
        return visit(s.values, `${path}{}`);
      case 'record':
        if (seen.has(s)) return;
        seen.add(s);
        s.fields.forEach((f) => visit(f.type, `${path}.${f.name}`));
        return;
      default:
        return;
    }
  };
  visit(schema, rootName(schema));
  return found;
}

/** Symbols of `next` that an earlier version had, a later one removed, and `next` brings back. */
export function reusedSymbols(versions: readonly PreviousSchema[], next: AvroSchema): LevelFinding[] {
  const history = versions.map((v) => ({ label: v.label, enums: enumsByPath(v.schema) }));
  const findings: LevelFinding[] = [];
  for (const [path, current] of enumsByPath(next)) {
    for (const symbol of current.symbols) {
      const had = history.findIndex((h) => h.enums.get(path)?.symbols.includes(symbol));
      if (had < 0) continue;
      const dropped = history.slice(had + 1).find((h) => {
        const e = h.enums.get(path);
        return e !== undefined && !e.symbols.includes(symbol);
      });
      if (!dropped) continue;
      findings.push({
        path,
        rule: 'enum-symbol-reused',
        severity: SEMANTIC_RULES['enum-symbol-reused'].severity,
        message: `\`${symbol}\` (enum ${current.name}) was in ${history[had]?.label ?? ''}, removed by ${dropped.label}, and is back: events written before its removal meant the old \`${symbol}\``,
        fix: SEMANTIC_RULES['enum-symbol-reused'].fix,
        against: dropped.label,
      });
    }
  }
  return findings;
}

/**
 * The semantic findings of `next` against the versions a level compares with (the latest one, or all
 * for *_TRANSITIVE), newest first and each finding once; NONE checks nothing. Symbol re-use looks at
 * every version given.
 */
export function checkSemantics(
  level: CompatibilityLevel,
  next: AvroSchema,
  previous: readonly PreviousSchema[],
): LevelFinding[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const seen = new Set<string>();
  const findings: LevelFinding[] = [];
  for (const old of [...against].reverse()) {
    for (const f of semanticFindings(old.schema, next)) {
      const key = `${f.rule} ${f.path} ${f.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      findings.push({ ...f, against: old.label });
    }
  }
  return [...findings, ...reusedSymbols(previous, next)];
}
