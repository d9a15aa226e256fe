// schemas/approved-breaks.json: intentional breaks, reviewed in the repository. An approval names the
// subject, the rule (semantic or Avro), optionally the field path, and the fingerprint of the exact new
// schema, so it covers that change once and never a later, different one.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalSchema } from '@orderflow/codec';
import { SEMANTIC_RULES } from '../compat';
import { SchemaCliError } from './errors';

export const APPROVALS_FILE = 'schemas/approved-breaks.json';

const AVRO_RULES = [
  'TYPE_MISMATCH',
  'NAME_MISMATCH',
  'FIXED_SIZE_MISMATCH',
  'ENUM_SYMBOL_MISSING',
  'READER_FIELD_MISSING_DEFAULT',
  'FIELD_REMOVED_NO_DEFAULT',
  'UNION_BRANCH_UNREADABLE',
];

export interface Approval {
  /** Where it is in the file, for messages: `approvals[0]`. */
  readonly at: string;
  readonly subject: string;
  readonly rule: string;
  readonly path?: string;
  readonly fingerprint: string;
  readonly reason: string;
}

/** What an approval can cover: an Avro incompatibility or a semantic finding. */
export interface Approvable {
  readonly rule: string;
  readonly path: string;
}

/** `sha256:<hex>` of the schema's canonical JSON (keys ordered, whitespace dropped), as registered. */
export function schemaFingerprint(text: string): string {
  return `sha256:${createHash('sha256').update(canonicalSchema(text)).digest('hex')}`;
}

/** Load and validate schemas/approved-breaks.json; no file means no approvals. */
export function loadApprovals(root: string): Approval[] {
  const file = path.join(root, APPROVALS_FILE);
  if (!fs.existsSync(file)) return [];
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SchemaCliError(
      'UNUSABLE_INPUT',
      `${APPROVALS_FILE}: not valid JSON: ${(err as Error).message}`,
    );
  }
  return validateApprovals(json);
}

const fail = (where: string, reason: string): never => {
  throw new SchemaCliError('UNUSABLE_INPUT', `${APPROVALS_FILE}: ${where}: ${reason}`);
};

/** The checks of schemas/approved-breaks.schema.json, with messages naming the entry and the key. */
export function validateApprovals(json: unknown): Approval[] {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return fail('$', 'must be an object with "approvals"');
  const doc = json as Record<string, unknown>;
  for (const key of Object.keys(doc))
    if (key !== '$schema' && key !== 'approvals') fail(key, 'unknown key (expected $schema, approvals)');
  if (!Array.isArray(doc.approvals)) return fail('approvals', 'must be an array');
  const rules = [...AVRO_RULES, ...Object.keys(SEMANTIC_RULES)];
  return doc.approvals.map((raw: unknown, i): Approval => {
    const at = `approvals[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return fail(at, 'must be an object');
    const a = raw as Record<string, unknown>;
    for (const key of Object.keys(a))
      if (!['subject', 'rule', 'path', 'fingerprint', 'reason'].includes(key))
        fail(`${at}.${key}`, 'unknown key (expected subject, rule, path, fingerprint, reason)');
    for (const key of ['subject', 'rule', 'fingerprint', 'reason'] as const)
      if (typeof a[key] !== 'string' || a[key] === '') fail(`${at}.${key}`, 'must be a non-empty string');
    if (!rules.includes(a.rule as string))
      fail(`${at}.rule`, `"${String(a.rule)}" is not a rule (one of ${rules.join(', ')})`);
    if (!/^sha256:[0-9a-f]{64}$/.test(a.fingerprint as string))
      fail(`${at}.fingerprint`, 'must be sha256:<64 hex digits> (printed by `npm run schema -- check`)');
    if ((a.reason as string).trim().length < 10) fail(`${at}.reason`, 'say why the break is intended');
    if (a.path !== undefined && (typeof a.path !== 'string' || a.path === ''))
      fail(`${at}.path`, 'must be a non-empty string when given');
    return {
      at,
      subject: a.subject as string,
      rule: a.rule as string,
      ...(typeof a.path === 'string' && { path: a.path }),
      fingerprint: a.fingerprint as string,
      reason: a.reason as string,
    };
  });
}

/** The approval covering `item` of `subject` at `fingerprint`, if any (and mark it used). */
export function approvalFor(
  approvals: readonly Approval[],
  used: Set<Approval>,
  subject: string,
  fingerprint: string,
  item: Approvable,
): Approval | undefined {
  const found = approvals.find(
    (a) =>
      a.subject === subject &&
      a.rule === item.rule &&
      a.fingerprint === fingerprint &&
      (a.path === undefined || a.path === item.path),
  );
  if (found) used.add(found);
  return found;
}

/** Why each unused approval is stale, given the subjects checked and their current fingerprints. */
export function staleApprovals(
  approvals: readonly Approval[],
  used: ReadonlySet<Approval>,
  fingerprints: ReadonlyMap<string, string>,
): string[] {
  return approvals
    .filter((a) => !used.has(a))
    .map((a) => {
      const what = `${a.at} (${a.subject}, ${a.rule}${a.path ? ` at ${a.path}` : ''})`;
      const current = fingerprints.get(a.subject);
      if (current === undefined) return `${what}: no topic in schemas/topics.json has this subject`;
      if (current !== a.fingerprint)
        return `${what}: the schema is now ${current}, not the approved ${a.fingerprint}; the change it approved is no longer the one on disk — remove it once merged, or approve the new change`;
      return `${what}: the change it names is no longer there (no such finding); remove it`;
    });
}
