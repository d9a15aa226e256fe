import { SchemaCliError } from './errors';

/** Parsed `--name value` options; repeatable options keep every value in order. */
export interface ParsedArgs {
  readonly values: ReadonlyMap<string, readonly string[]>;
}

/** Parse `--name value` / `--name=value` pairs, rejecting options the command does not know. */
export function parseArgs(command: string, argv: readonly string[], known: readonly string[]): ParsedArgs {
  const values = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match)
      throw new SchemaCliError(
        'USAGE',
        `${command}: unexpected argument "${arg}" (options: ${known.map((k) => `--${k}`).join(', ')})`,
      );
    const name = match[1] ?? '';
    if (!known.includes(name))
      throw new SchemaCliError(
        'USAGE',
        `${command}: unknown option --${name} (options: ${known.map((k) => `--${k}`).join(', ')})`,
      );
    let value = match[2];
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || value.startsWith('--'))
        throw new SchemaCliError('USAGE', `${command}: --${name} needs a value`);
      i += 1;
    }
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return { values };
}

/** The single value of an option (the last one if repeated), or undefined. */
export function single(args: ParsedArgs, name: string): string | undefined {
  return args.values.get(name)?.at(-1);
}

/** Validate `--format` against the formats a command supports. */
export function formatOption<F extends string>(command: string, args: ParsedArgs, formats: readonly F[]): F {
  const value = single(args, 'format') ?? formats[0];
  if (!(formats as readonly (string | undefined)[]).includes(value)) {
    throw new SchemaCliError(
      'USAGE',
      `${command}: --format must be one of ${formats.join(', ')}, got "${String(value)}"`,
    );
  }
  return value as F;
}

/** Which rules a gate applies: `all` (Avro's plus the semantic rules) or `avro` (Avro's verdict alone). */
export type RuleSet = 'all' | 'avro';

/** Validate `--rules` (default `all`). */
export function rulesOption(command: string, args: ParsedArgs): RuleSet {
  const value = single(args, 'rules') ?? 'all';
  if (value !== 'all' && value !== 'avro')
    throw new SchemaCliError('USAGE', `${command}: --rules must be all or avro, got "${value}"`);
  return value;
}
