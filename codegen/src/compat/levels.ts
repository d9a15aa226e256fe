// Compatibility levels as schema registries define them, built on the reader/writer check.
import type { AvroSchema } from './avro-schema';
import type { CompatIssue, CompatWarning } from './resolution';
import { compareSchemas } from './resolution';

export const COMPATIBILITY_LEVELS = [
  'NONE',
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
] as const;

export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

/** True when `value` names a compatibility level. */
export function isCompatibilityLevel(value: unknown): value is CompatibilityLevel {
  return typeof value === 'string' && (COMPATIBILITY_LEVELS as readonly string[]).includes(value);
}

/** An earlier schema version, labelled for messages (a file, a git commit, a registry version). */
export interface PreviousSchema {
  readonly label: string;
  readonly schema: AvroSchema;
}

export interface LevelWarning extends CompatWarning {
  readonly against: string;
  readonly direction: 'backward' | 'forward';
}

export interface LevelIssue extends CompatIssue {
  /** Which earlier version the new schema breaks against. */
  readonly against: string;
  /** backward: the new schema cannot read it; forward: it cannot read the new schema. */
  readonly direction: 'backward' | 'forward';
}

/**
 * Check `next` against earlier versions (oldest first) at `level`: BACKWARD = the new schema reads
 * the latest old one, FORWARD = the latest old one reads the new, FULL = both; *_TRANSITIVE = against
 * every earlier version; NONE = nothing.
 */
export function checkLevel(
  level: CompatibilityLevel,
  next: AvroSchema,
  previous: readonly PreviousSchema[],
  warnings?: LevelWarning[],
): LevelIssue[] {
  if (level === 'NONE' || previous.length === 0) return [];
  const against = level.endsWith('_TRANSITIVE') ? previous : previous.slice(-1);
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const issues: LevelIssue[] = [];
  const seenWarnings = new Set<string>();
  const collect = (
    result: ReturnType<typeof compareSchemas>,
    old: PreviousSchema,
    direction: 'backward' | 'forward',
  ) => {
    for (const i of result.issues) issues.push({ ...i, against: old.label, direction });
    for (const w of result.warnings) {
      // The same renamed namespace shows up in both directions; report it once per version.
      const key = `${old.label} ${w.path}`;
      if (!seenWarnings.has(key)) warnings?.push({ ...w, against: old.label, direction });
      seenWarnings.add(key);
    }
  };
  // Newest first: the most relevant break is the one against the version just before this one.
  for (const old of [...against].reverse()) {
    if (backward) collect(compareSchemas(next, old.schema, 'backward'), old, 'backward');
    if (forward) collect(compareSchemas(old.schema, next, 'forward'), old, 'forward');
  }
  return issues;
}
