// Avro schema resolution (specification 1.11, "Schema Resolution") as a reader/writer check,
// deciding exactly what Apache Avro's reference checkers decide (Java `SchemaCompatibility`,
// Python `avro.compatibility`), and explaining each break in words.
import type {
  AvroSchema,
  EnumSchema,
  FixedSchema,
  NamedSchema,
  RecordSchema,
  UnionSchema,
} from './avro-schema';
import { typeLabel } from './avro-schema';

/** Stable identifiers of the ways a reader can fail to read a writer's data. */
export type CompatRule =
  | 'TYPE_MISMATCH'
  | 'NAME_MISMATCH'
  | 'FIXED_SIZE_MISMATCH'
  | 'ENUM_SYMBOL_MISSING'
  | 'READER_FIELD_MISSING_DEFAULT'
  | 'FIELD_REMOVED_NO_DEFAULT'
  | 'UNION_BRANCH_UNREADABLE';

/** Findings that do not make schemas incompatible under the specification but may still bite. */
export type CompatWarningRule = 'NAMESPACE_CHANGED';

export interface CompatWarning {
  readonly path: string;
  readonly rule: CompatWarningRule;
  readonly message: string;
}

export interface CompatIssue {
  /** Field path from the root, e.g. `OrderCreated.lines[].quantity` (`[]` array items, `{}` map values). */
  readonly path: string;
  readonly rule: CompatRule;
  /** Plain-English reason, written for the direction being checked. */
  readonly message: string;
}

/**
 * Which schema is the old one decides how a break is worded: `forward` = the reader is the old schema
 * and the writer the new one; `backward` = the reader is the new schema reading old events.
 */
export type Direction = 'forward' | 'backward' | 'generic';

interface Wording {
  readonly reader: string;
  readonly writer: string;
  readonly consequence: string;
}

const WORDING: Record<Direction, Wording> = {
  forward: {
    reader: 'the old schema',
    writer: 'the new schema',
    consequence: 'a reader on the old schema cannot read new events',
  },
  backward: {
    reader: 'the new schema',
    writer: 'the old schema',
    consequence: 'a reader on the new schema cannot read old events',
  },
  generic: {
    reader: "the reader's schema",
    writer: "the writer's schema",
    consequence: "the reader cannot read data written with the writer's schema",
  },
};

const PROMOTIONS: Readonly<Record<string, readonly string[]>> = {
  // writer type -> reader types it may be read as (specification: "promoted")
  int: ['long', 'float', 'double'],
  long: ['float', 'double'],
  float: ['double'],
  string: ['bytes'],
  bytes: ['string'],
};

const isNamed = (s: AvroSchema): s is NamedSchema =>
  s.type === 'record' || s.type === 'enum' || s.type === 'fixed';

/**
 * Names match when the unqualified names are equal or the reader lists the writer's full name
 * among its aliases (what Avro's Java checker does and the specification describes).
 */
export function namesMatch(reader: NamedSchema, writer: NamedSchema): boolean {
  return reader.name === writer.name || reader.aliases.includes(writer.fullName);
}

interface Position {
  /** Path of the current node. */
  readonly path: string;
  /** How to refer to the current node in a sentence (the field name, or the path at the root). */
  readonly label: string;
}

class Checker {
  private readonly inProgress = new Map<AvroSchema, Set<AvroSchema>>();
  readonly warnings: CompatWarning[] = [];

  constructor(
    private readonly words: Wording,
    private readonly direction: Direction,
  ) {}

  check(reader: AvroSchema, writer: AvroSchema, at: Position): CompatIssue[] {
    // A recursive type brings the same pair back while it is still being checked; like the reference
    // checkers, treat the inner occurrence as compatible (the outer one decides).
    let writers = this.inProgress.get(reader);
    if (writers?.has(writer)) return [];
    if (!writers) this.inProgress.set(reader, (writers = new Set()));
    writers.add(writer);
    try {
      return this.calculate(reader, writer, at);
    } finally {
      writers.delete(writer);
    }
  }

  private calculate(reader: AvroSchema, writer: AvroSchema, at: Position): CompatIssue[] {
    if (writer.type === 'union')
      return reader.type === 'union'
        ? this.unionToUnion(reader, writer, at)
        : this.writerUnion(reader, writer, at);
    if (reader.type === 'union') return this.readerUnion(reader, writer, at);
    if (reader.type !== writer.type) {
      if (PROMOTIONS[writer.type]?.includes(reader.type)) return [];
      return [this.typeMismatch(reader, writer, at)];
    }
    switch (reader.type) {
      case 'array':
        return this.check(reader.items, (writer as typeof reader).items, {
          path: `${at.path}[]`,
          label: `${at.label}[]`,
        });
      case 'map':
        return this.check(reader.values, (writer as typeof reader).values, {
          path: `${at.path}{}`,
          label: `${at.label}{}`,
        });
      case 'fixed':
        return [
          ...this.names(reader, writer as FixedSchema, at),
          ...this.fixedSize(reader, writer as FixedSchema, at),
        ];
      case 'enum':
        return [
          ...this.names(reader, writer as EnumSchema, at),
          ...this.enumSymbols(reader, writer as EnumSchema, at),
        ];
      case 'record':
        return [
          ...this.names(reader, writer as RecordSchema, at),
          ...this.fields(reader, writer as RecordSchema, at),
        ];
      default:
        return [];
    }
  }

  private typeMismatch(reader: AvroSchema, writer: AvroSchema, at: Position): CompatIssue {
    return {
      path: at.path,
      rule: 'TYPE_MISMATCH',
      message: `\`${at.label}\` is ${typeLabel(writer)} in ${this.words.writer} but ${typeLabel(reader)} in ${this.words.reader}, and ${typeLabel(writer)} cannot be read as ${typeLabel(reader)}: ${this.words.consequence}`,
    };
  }

  private names(reader: NamedSchema, writer: NamedSchema, at: Position): CompatIssue[] {
    if (namesMatch(reader, writer)) {
      if (reader.fullName !== writer.fullName && !reader.aliases.includes(writer.fullName)) {
        // Avro compares unqualified names, but avsc (the generated codecs' decoder) compares full names.
        this.warnings.push({
          path: at.path,
          rule: 'NAMESPACE_CHANGED',
          message: `\`${at.label}\` is \`${writer.fullName}\` in ${this.words.writer} but \`${reader.fullName}\` in ${this.words.reader}: Avro matches them by unqualified name, but avsc (which the generated codecs decode with) matches full names and will refuse; keep the namespace, or add the alias \`${writer.fullName}\` to ${this.words.reader}`,
        });
      }
      return [];
    }
    return [
      {
        path: at.path,
        rule: 'NAME_MISMATCH',
        message: `\`${at.label}\` is the ${writer.type} \`${writer.fullName}\` in ${this.words.writer} but \`${reader.fullName}\` in ${this.words.reader}, and ${this.words.reader} has no alias \`${writer.fullName}\`: ${this.words.consequence}`,
      },
    ];
  }

  private fixedSize(reader: FixedSchema, writer: FixedSchema, at: Position): CompatIssue[] {
    if (reader.size === writer.size) return [];
    return [
      {
        path: at.path,
        rule: 'FIXED_SIZE_MISMATCH',
        message: `\`${at.label}\` is fixed ${writer.size} bytes in ${this.words.writer} but ${reader.size} bytes in ${this.words.reader}: ${this.words.consequence}`,
      },
    ];
  }

  private enumSymbols(reader: EnumSchema, writer: EnumSchema, at: Position): CompatIssue[] {
    const missing = writer.symbols.filter((s) => !reader.symbols.includes(s));
    // Avro 1.9+: a reader enum's default stands in for symbols it does not know.
    if (missing.length === 0 || reader.default !== undefined) return [];
    const list = missing.map((s) => `\`${s}\``).join(', ');
    return [
      {
        path: at.path,
        rule: 'ENUM_SYMBOL_MISSING',
        message: `\`${at.label}\` (enum ${writer.name}) has symbol${missing.length > 1 ? 's' : ''} ${list} in ${this.words.writer} that ${this.words.reader} lacks, and ${this.words.reader}'s enum has no default to fall back to: ${this.words.consequence} that carry ${missing.length > 1 ? 'them' : 'it'}`,
      },
    ];
  }

  private fields(reader: RecordSchema, writer: RecordSchema, at: Position): CompatIssue[] {
    const issues: CompatIssue[] = [];
    for (const field of reader.fields) {
      const path = at.path ? `${at.path}.${field.name}` : field.name;
      const writerField =
        writer.fields.find((f) => f.name === field.name) ?? firstAlias(writer, field.aliases);
      if (writerField) {
        issues.push(...this.check(field.type, writerField.type, { path, label: field.name }));
      } else if (!field.hasDefault) {
        // Writer-side aliases do not take part in resolution: a rename only helps readers that list the old name.
        const renamedTo = writer.fields.find((f) => f.aliases.includes(field.name));
        issues.push(
          this.direction === 'forward'
            ? {
                path,
                rule: 'FIELD_REMOVED_NO_DEFAULT',
                message: renamedTo
                  ? `\`${field.name}\` was renamed to \`${renamedTo.name}\` and has no default: the alias lets the new schema read old events, but a reader on the old schema still looks for \`${field.name}\` and cannot read new events`
                  : `\`${field.name}\` was removed and has no default: a reader on the old schema cannot read new events`,
              }
            : this.direction === 'backward'
              ? {
                  path,
                  rule: 'READER_FIELD_MISSING_DEFAULT',
                  message: `\`${field.name}\` was added without a default: a reader on the new schema cannot read old events, which lack it`,
                }
              : {
                  path,
                  rule: 'READER_FIELD_MISSING_DEFAULT',
                  message: `\`${field.name}\` is in the reader's schema without a default and the writer's schema lacks it: ${this.words.consequence}`,
                },
        );
      }
    }
    return issues;
  }

  /** The reader is a union and the writer is not: some reader branch must read it. */
  private readerUnion(reader: UnionSchema, writer: AvroSchema, at: Position): CompatIssue[] {
    let closest: CompatIssue[] | undefined;
    for (const branch of reader.branches) {
      const issues = this.check(branch, writer, at);
      if (issues.length === 0) return [];
      // Explain through the branch the writer evidently meant (same name or same kind), if any.
      if (
        !closest &&
        (isNamed(branch) && isNamed(writer)
          ? branch.type === writer.type && namesMatch(branch, writer)
          : branch.type === writer.type)
      ) {
        closest = issues;
      }
    }
    return closest ?? [this.typeMismatch(reader, writer, at)];
  }

  /** The writer is a union and the reader is not: every branch the writer may write must be readable. */
  private writerUnion(reader: AvroSchema, writer: UnionSchema, at: Position): CompatIssue[] {
    return writer.branches.flatMap((branch) => {
      const issues = this.check(reader, branch, at);
      if (issues.length === 0) return [];
      return issues.every((i) => i.rule === 'TYPE_MISMATCH' && i.path === at.path)
        ? [this.unreadableBranch(reader, branch, at)]
        : issues;
    });
  }

  /** Both are unions: each writer branch must be readable by some reader branch. */
  private unionToUnion(reader: UnionSchema, writer: UnionSchema, at: Position): CompatIssue[] {
    return writer.branches.flatMap((branch) => {
      const issues = this.readerUnion(reader, branch, at);
      if (issues.length === 0) return [];
      return issues.every((i) => i.rule === 'TYPE_MISMATCH' && i.path === at.path)
        ? [this.unreadableBranch(reader, branch, at)]
        : issues;
    });
  }

  private unreadableBranch(reader: AvroSchema, branch: AvroSchema, at: Position): CompatIssue {
    return {
      path: at.path,
      rule: 'UNION_BRANCH_UNREADABLE',
      message: `\`${at.label}\` may be ${typeLabel(branch)} in ${this.words.writer}, which ${this.words.reader}'s ${typeLabel(reader)} cannot read: ${this.words.consequence} where it is ${typeLabel(branch)}`,
    };
  }
}

function firstAlias(
  writer: RecordSchema,
  aliases: readonly string[],
): RecordSchema['fields'][number] | undefined {
  for (const alias of aliases) {
    const f = writer.fields.find((w) => w.name === alias);
    if (f) return f;
  }
  return undefined;
}

function rootPosition(reader: AvroSchema): Position {
  const name = isNamed(reader) ? reader.name : '$';
  return { path: name, label: name };
}

/**
 * Can data written with `writer` be read with `reader`? Returns the reasons it cannot (empty = yes).
 * `direction` only changes the wording (and FIELD_REMOVED_NO_DEFAULT vs READER_FIELD_MISSING_DEFAULT).
 */
export function canReaderRead(
  reader: AvroSchema,
  writer: AvroSchema,
  direction: Direction = 'generic',
): CompatIssue[] {
  return new Checker(WORDING[direction], direction).check(reader, writer, rootPosition(reader));
}

/** canReaderRead plus warnings about changes Avro allows but the runtime may not (never affect the verdict). */
export function compareSchemas(
  reader: AvroSchema,
  writer: AvroSchema,
  direction: Direction = 'generic',
): { issues: CompatIssue[]; warnings: CompatWarning[] } {
  const checker = new Checker(WORDING[direction], direction);
  const issues = checker.check(reader, writer, rootPosition(reader));
  return { issues, warnings: checker.warnings };
}
