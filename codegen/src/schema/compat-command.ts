// `schema compat --old A.avsc [--old B.avsc ...] --new C.avsc --level LEVEL [--rules all|avro] [--format text|json]`
import path from 'node:path';
import { checkLevel, checkSemantics, COMPATIBILITY_LEVELS, isCompatibilityLevel } from '../compat';
import type { LevelWarning } from '../compat';
import { formatOption, parseArgs, rulesOption, single } from './args';
import { SchemaCliError } from './errors';
import { findRoot, loadShared, readText, resolveSchemaText } from './inputs';
import { NO_SHARED_TYPES } from '../generator/shared-types';
import type { SharedTypes } from '../generator/shared-types';

export const COMPAT_USAGE =
  'compat --old A.avsc [--old B.avsc ...] --new C.avsc --level LEVEL [--rules all|avro] [--format text|json]';

/** Run `compat`; returns the exit code (0 compatible, 1 incompatible or an error-level semantic finding). */
export function compatCommand(argv: readonly string[], out: (line: string) => void): 0 | 1 {
  const args = parseArgs('compat', argv, ['old', 'new', 'level', 'rules', 'format']);
  const format = formatOption('compat', args, ['text', 'json'] as const);
  const rules = rulesOption('compat', args);
  const olds = args.values.get('old') ?? [];
  const next = single(args, 'new');
  const level = single(args, 'level');
  if (olds.length === 0 || next === undefined || level === undefined) {
    throw new SchemaCliError('USAGE', `compat: --old, --new and --level are required: ${COMPAT_USAGE}`);
  }
  if (!isCompatibilityLevel(level))
    throw new SchemaCliError(
      'USAGE',
      `compat: --level must be one of ${COMPATIBILITY_LEVELS.join(', ')}, got "${level}"`,
    );

  // Names of shared types resolve against the repository around the working directory, if any.
  const shared = sharedTypesAround();
  const load = (file: string) =>
    resolveSchemaText(readText(path.resolve(file), file), file, shared, false).schema;
  // --old files are given oldest first; the last one is "the latest" for non-transitive levels.
  const previous = olds.map((file) => ({ label: file, schema: load(file) }));
  const warnings: LevelWarning[] = [];
  const nextSchema = load(next);
  const issues = checkLevel(level, nextSchema, previous, warnings);
  const findings = rules === 'avro' ? [] : checkSemantics(level, nextSchema, previous);
  const errors = findings.filter((f) => f.severity === 'error').length;
  const against = level.endsWith('_TRANSITIVE') ? olds : olds.slice(-1);
  const several = against.length > 1;
  const reported = issues.map((i) => ({
    path: i.path,
    rule: i.rule,
    message: several ? `against ${i.against}: ${i.message}` : i.message,
  }));
  const found = findings.map((f) => ({
    path: f.path,
    rule: f.rule,
    severity: f.severity,
    message: several ? `against ${f.against}: ${f.message}` : f.message,
    fix: f.fix,
  }));
  const warned = warnings.map((w) => ({
    path: w.path,
    rule: w.rule,
    message: several ? `against ${w.against}: ${w.message}` : w.message,
  }));

  if (format === 'json') {
    // `warnings` only appears when there are some, so the documented shape stays as it is otherwise.
    out(
      JSON.stringify(
        {
          compatible: issues.length === 0 && errors === 0,
          issues: reported,
          ...(found.length > 0 && { findings: found }),
          ...(warned.length > 0 && { warnings: warned }),
        },
        null,
        2,
      ),
    );
  } else if (issues.length === 0 && errors === 0) {
    out(
      level === 'NONE'
        ? `${next}: compatible (level NONE checks nothing)`
        : `${next}: compatible with ${against.join(', ')} at ${level}`,
    );
  } else {
    const problems = issues.length + errors;
    out(
      `${next}: NOT compatible with ${against.join(', ')} at ${level}: ${problems} problem${problems > 1 ? 's' : ''}`,
    );
    for (const i of reported) out(`  ${i.path}  ${i.rule}\n    ${i.message}`);
  }
  if (format === 'text')
    for (const f of found)
      out(
        `  ${f.severity === 'error' ? '' : 'warning: '}${f.path}  ${f.rule} (${f.severity})\n    ${f.message}\n    fix: ${f.fix}`,
      );
  if (format === 'text') for (const w of warned) out(`  warning: ${w.path}  ${w.rule}\n    ${w.message}`);
  return issues.length === 0 && errors === 0 ? 0 : 1;
}

function sharedTypesAround(): SharedTypes {
  let root: string;
  try {
    root = findRoot();
  } catch {
    return NO_SHARED_TYPES;
  }
  return loadShared(root);
}
