// `schema check [--against <git-ref>] [--registry <url>] [--rules all|avro] [--sample <n>] [--format text|json|github]`:
// every schema in the topic table (as it is on disk) against its git history and, optionally, the live
// registry; Avro's resolution rules plus the semantic rules, minus approved breaks. `--sample` also reads
// the newest n events of each changed topic from Kafka with the new schema (sample-run.ts).
import path from 'node:path';
import { RegistryError, registryAuthOption, SchemaRegistryClient } from '@orderflow/codec';
import { checkLevel, checkSemantics } from '../compat';
import type { LevelFinding, LevelIssue, LevelWarning, PreviousSchema } from '../compat';
import { approvalFor, loadApprovals, schemaFingerprint, staleApprovals } from './approvals';
import type { Approval } from './approvals';
import { formatOption, parseArgs, rulesOption, single } from './args';
import type { ParsedArgs, RuleSet } from './args';
import { SchemaCliError } from './errors';
import { escapeData, escapeProperty } from './github';
import { analyseImpact, impactAnnotations, impactText, latestPrevious } from '../impact/impact';
import type { ImpactReport, TopicDiff } from '../impact/impact';
import { diffSchemas } from '../impact/schema-diff';
import type { FieldChange } from '../impact/schema-diff';
import { historyWithShared, resolveBaseline, versionLabel } from './git-history';
import { canonicalSchema } from '@orderflow/codec';
import { definitionIn } from '../generator/shared-types';
import { DEFAULT_REGISTRY_URL } from './config';
import { sampleAnnotations, sampleFails, sampleText } from './sample';
import type { SampleReport } from './sample';
import {
  findRoot,
  loadDefaultCompatibility,
  loadResolvedSchemaFile,
  loadShared,
  loadTopicTable,
  parseSchemaText,
  readText,
  resolveSchemaText,
  sharedTypes,
} from './inputs';
import type { ResolvedSchemaText, TopicEntry } from './inputs';

export const CHECK_USAGE =
  'check [--against <git-ref>] [--registry <url>] [--rules all|avro] [--sample <n>] [--format text|json|github]';

export interface TopicCheck {
  readonly topic: string;
  readonly subject: string;
  readonly schema: string;
  readonly level: string;
  readonly compatible: boolean;
  /** Labels of every earlier version this schema was checked against. */
  readonly checkedAgainst: string[];
  readonly issues: LevelIssue[];
  /** Semantic findings (empty with `--rules avro`); error-level ones fail the check. */
  readonly findings: LevelFinding[];
  /** Breaks that schemas/approved-breaks.json approves for exactly this schema; they do not fail. */
  readonly approved: ApprovedBreak[];
  /** `sha256:` of the schema's canonical JSON: what an approval names. */
  readonly fingerprint: string;
  /** Changes the specification allows but the runtime decoder may not (never fail the check). */
  readonly warnings: LevelWarning[];
  /** Things worth knowing that do not fail the check (skipped history, registry level differs). */
  readonly notes: string[];
  /** Field-level changes since the latest earlier version (the registry's, else git's): what impact analysis looks up. */
  readonly changes: FieldChange[];
  /** The version `changes` are against; undefined for a schema new since the baseline. */
  readonly changedSince: string | undefined;
  /** The shared types (schemas/avro/shared/) the schema uses; checked here as part of it. */
  readonly sharedTypes: readonly string[];
  /** Those of `sharedTypes` whose definition differs from the one in the version `changes` are against. */
  readonly changedSharedTypes: readonly string[];
}

/** A shared type's own subject, checked like a topic's, with the topics whose schemas use it. */
export interface SharedTypeCheck extends TopicCheck {
  /** Every topic whose schema uses the type (directly or through another shared type). */
  readonly usedBy: readonly string[];
}

export interface ApprovedBreak {
  readonly path: string;
  readonly rule: string;
  readonly against: string;
  readonly approval: string;
  readonly reason: string;
}

export interface CheckReport {
  readonly compatible: boolean;
  readonly rules: RuleSet;
  /** Approvals that no longer match a break (each with why); reported, never failing. */
  readonly staleApprovals: string[];
  readonly baseline: string;
  readonly registry: string | undefined;
  readonly topics: TopicCheck[];
  /** Each shared type's own subject (`topic` is the type's full name); a change is also checked in every topic using it. */
  readonly sharedTypes: SharedTypeCheck[];
}

function transitive(level: string): boolean {
  return level.endsWith('_TRANSITIVE');
}

/** An earlier version with its resolved text (canonical JSON, shared types inlined). */
export interface Previous extends PreviousSchema {
  readonly text: string;
}

function gitPrevious(root: string, entry: TopicEntry, commit: string, notes: string[]): Previous[] {
  const versions = historyWithShared(root, entry.schemaPath, commit);
  // Each version resolved with the shared types of its own commit; a commit that changed neither the
  // file nor a shared type it uses is no new version.
  const resolved: Previous[] = [];
  let last: string | undefined;
  let lastFileText: string | undefined;
  for (const v of versions) {
    const label =
      lastFileText !== undefined && v.text === lastFileText
        ? `${versionLabel(v, entry.schemaPath)} (shared types)`
        : versionLabel(v, entry.schemaPath);
    lastFileText = v.text;
    try {
      const where = `${entry.schemaPath} at ${label}`;
      const r = resolveSchemaText(v.text, where, sharedTypes(v.shared, `at ${label}`), false);
      if (r.text === last) continue;
      last = r.text;
      resolved.push({ label, schema: r.schema, text: r.text });
    } catch (err) {
      // An unparseable old version cannot be fixed any more; say so and check the others.
      notes.push(`skipped ${label}: ${(err as Error).message}`);
    }
  }
  if (versions.length === 0) notes.push(`new since ${commit.slice(0, 7)}: no earlier version in git`);
  return transitive(entry.compatibility) ? resolved : resolved.slice(-1);
}

async function registryPrevious(
  client: SchemaRegistryClient,
  entry: TopicEntry,
  notes: string[],
): Promise<Previous[]> {
  const versions = await client.listVersions(entry.subject);
  if (versions.length === 0) {
    notes.push(`subject ${entry.subject} is not registered yet`);
    return [];
  }
  const level = await client.getCompatibility(entry.subject);
  if (level !== undefined && level !== entry.compatibility) {
    notes.push(
      `the registry has ${entry.subject} at ${level} but the topic table says ${entry.compatibility}; run \`npm run schema -- register\``,
    );
  }
  const chosen = transitive(entry.compatibility) ? versions : versions.slice(-1);
  const previous: Previous[] = [];
  for (const version of chosen) {
    const v = await client.getVersion(entry.subject, version);
    const label = `registry v${v.version} (id ${v.id})`;
    // A version naming shared types is compared with them inlined, as registered at the time.
    const text = await client.resolve(v, `${entry.subject} ${label}`);
    previous.push({
      label,
      schema: parseSchemaText(text, `${entry.subject} ${label} at ${client.url}`),
      text,
    });
  }
  return previous;
}

/** A registry client for `url` that answered a probe, or undefined without a URL; unreachable → exit 2. */
export async function openRegistry(url: string | undefined): Promise<SchemaRegistryClient | undefined> {
  if (url === undefined) return undefined;
  const client = new SchemaRegistryClient({ url, ...registryAuthOption() });
  // A URL that is not a registry answers 404 to every subject, which would read as "nothing
  // registered yet" and pass the check without comparing anything: refuse it first.
  try {
    await client.probe();
  } catch (err) {
    if (err instanceof RegistryError)
      throw new SchemaCliError('REGISTRY', `registry ${client.url}: ${err.message}`, 2);
    throw err;
  }
  return client;
}

/**
 * The earlier versions of a topic's schema the level compares with, from git (up to `commit`) and the
 * registry (when given), oldest first; what could not be read is explained in `notes`.
 */
export async function previousVersions(
  root: string,
  entry: TopicEntry,
  commit: string | undefined,
  client: SchemaRegistryClient | undefined,
  notes: string[],
): Promise<{ fromGit: Previous[]; fromRegistry: Previous[] }> {
  const fromGit = commit ? gitPrevious(root, entry, commit, notes) : [];
  let fromRegistry: Previous[] = [];
  if (client) {
    try {
      fromRegistry = await registryPrevious(client, entry, notes);
    } catch (err) {
      if (err instanceof RegistryError)
        throw new SchemaCliError(
          'REGISTRY',
          `registry ${client.url}, subject ${entry.subject}: ${err.message}`,
          2,
        );
      throw err;
    }
  }
  return { fromGit, fromRegistry };
}

/** Check every topic; throws SchemaCliError for unusable input (a schema file, git ref or registry). */
export async function runCheck(
  root: string,
  options: { against?: string; registry?: string; rules?: RuleSet },
): Promise<CheckReport> {
  const rules = options.rules ?? 'all';
  const table = loadTopicTable(root);
  const approvals = loadApprovals(root);
  const used = new Set<Approval>();
  const fingerprints = new Map<string, string>();
  const baseline = resolveBaseline(root, options.against);
  const client = await openRegistry(options.registry);
  const shared = loadShared(root);
  const ctx: CheckContext = { root, rules, approvals, used, fingerprints, commit: baseline.commit, client };
  // Each topic's git versions, for shared types new as files: their definitions inlined in topics.
  const gitVersions = new Map<string, { schema: string; versions: Previous[] }>();
  const topics: TopicCheck[] = [];
  for (const entry of table) {
    const current = loadResolvedSchemaFile(path.join(root, entry.schemaPath), entry.schemaPath, shared);
    topics.push(await checkSubject(ctx, entry, current, undefined, gitVersions));
  }
  const level = loadDefaultCompatibility(root);
  const sharedChecks: SharedTypeCheck[] = [];
  for (const t of shared.ordered) {
    const entry: TopicEntry = {
      topic: t.fullName,
      subject: t.subject,
      schemaPath: t.file,
      compatibility: level,
    };
    // A shared type's file defines the type itself: not a copy.
    const current = loadResolvedSchemaFile(path.join(root, t.file), t.file, shared, false);
    const usedBy = topics.filter((c) => c.sharedTypes.includes(t.fullName)).map((c) => c.topic);
    const inlined = inlinedDefinitions(t.fullName, usedBy, gitVersions);
    sharedChecks.push({ ...(await checkSubject(ctx, entry, current, inlined)), usedBy });
  }
  return {
    compatible: topics.every((t) => t.compatible) && sharedChecks.every((t) => t.compatible),
    rules,
    staleApprovals: staleApprovals(approvals, used, fingerprints),
    baseline: baseline.description,
    registry: client?.url,
    topics,
    sharedTypes: sharedChecks,
  };
}

/** The shared types among `names` defined differently in resolved texts `now` and `before`. */
function changedDefinitions(names: readonly string[], now: string, before: string): string[] {
  const nowJson: unknown = JSON.parse(now);
  const beforeJson: unknown = JSON.parse(before);
  return names.filter((n) => {
    const a = definitionIn(nowJson, n);
    const b = definitionIn(beforeJson, n);
    return a === undefined || b === undefined || canonicalSchema(a) !== canonicalSchema(b);
  });
}

/** `fullName` as each topic in `usedBy` defined it in its earlier git versions, each definition once. */
function inlinedDefinitions(
  fullName: string,
  usedBy: readonly string[],
  gitVersions: ReadonlyMap<string, { schema: string; versions: Previous[] }>,
): Previous[] {
  const out: Previous[] = [];
  const seen = new Set<string>();
  for (const topic of usedBy) {
    const entry = gitVersions.get(topic);
    for (const v of entry?.versions ?? []) {
      const def = definitionIn(JSON.parse(v.text), fullName);
      if (def === undefined) continue;
      const text = canonicalSchema(def);
      if (seen.has(text)) continue;
      seen.add(text);
      try {
        out.push({ label: `${v.label} in ${entry!.schema}`, schema: parseSchemaText(text, fullName), text });
      } catch {
        // A definition leaning on types defined elsewhere in that version cannot stand alone: skip it.
      }
    }
  }
  return out;
}

interface CheckContext {
  readonly root: string;
  readonly rules: RuleSet;
  readonly approvals: Approval[];
  readonly used: Set<Approval>;
  readonly fingerprints: Map<string, string>;
  readonly commit: string | undefined;
  readonly client: SchemaRegistryClient | undefined;
}

/** One subject (a topic's, or a shared type's) as it is now against its git history and the registry. */
async function checkSubject(
  ctx: CheckContext,
  entry: TopicEntry,
  current: ResolvedSchemaText,
  /** For a shared type without git history of its own file: its definitions inlined in earlier topic versions. */
  inlinedBefore?: Previous[],
  /** Where to record this subject's git versions. */
  gitVersions?: Map<string, { schema: string; versions: Previous[] }>,
): Promise<TopicCheck> {
  const { root, rules, approvals, used, fingerprints } = ctx;
  const { schema, text } = current;
  const fingerprint = schemaFingerprint(text);
  fingerprints.set(entry.subject, fingerprint);
  const notes: string[] = [];
  const found = await previousVersions(root, entry, ctx.commit, ctx.client, notes);
  const { fromRegistry } = found;
  let { fromGit } = found;
  gitVersions?.set(entry.topic, { schema: entry.schemaPath, versions: fromGit });
  if (fromGit.length === 0 && inlinedBefore !== undefined && inlinedBefore.length > 0) {
    fromGit = inlinedBefore;
    notes.push('checked against its definitions inlined in earlier versions of the topic schemas using it');
  }
  const latest = latestPrevious(fromGit, fromRegistry);
  // Each source has its own "latest" for non-transitive levels, so check them separately.
  const warnings: LevelWarning[] = [];
  const allIssues = [
    ...checkLevel(entry.compatibility, schema, fromGit, warnings),
    ...checkLevel(entry.compatibility, schema, fromRegistry, warnings),
  ];
  const allFindings =
    rules === 'avro'
      ? []
      : [
          ...checkSemantics(entry.compatibility, schema, fromGit),
          ...checkSemantics(entry.compatibility, schema, fromRegistry),
        ];
  // An approved break passes, and says so; everything else stands.
  const approved: ApprovedBreak[] = [];
  const unapproved = <T extends { rule: string; path: string; against: string }>(item: T): boolean => {
    const a = approvalFor(approvals, used, entry.subject, fingerprint, item);
    if (a)
      approved.push({
        path: item.path,
        rule: item.rule,
        against: item.against,
        approval: a.at,
        reason: a.reason,
      });
    return a === undefined;
  };
  const issues = allIssues.filter(unapproved);
  const findings = allFindings.filter(unapproved);
  const checkedAgainst = [fromGit, fromRegistry].flatMap((list) =>
    (entry.compatibility === 'NONE' ? [] : transitive(entry.compatibility) ? list : list.slice(-1)).map(
      (p) => p.label,
    ),
  );
  return {
    topic: entry.topic,
    subject: entry.subject,
    schema: entry.schemaPath,
    level: entry.compatibility,
    compatible: issues.length === 0 && !findings.some((f) => f.severity === 'error'),
    checkedAgainst,
    issues,
    findings,
    approved,
    fingerprint,
    warnings,
    notes,
    changes: latest ? diffSchemas(latest.schema, schema) : [],
    changedSince: latest?.label,
    sharedTypes: current.uses,
    changedSharedTypes: latest ? changedDefinitions(current.uses, current.text, latest.text) : [],
  };
}

/** `runCheck` in the repository around the working directory, with the `--against` and `--registry` of `args`. */
export async function runCheckWith(
  args: ParsedArgs,
  rules: RuleSet,
): Promise<{ root: string; report: CheckReport }> {
  const against = single(args, 'against');
  const registry = single(args, 'registry');
  const root = findRoot();
  const report = await runCheck(root, {
    ...(against !== undefined && { against }),
    ...(registry !== undefined && { registry }),
    rules,
  });
  return { root, report };
}

/**
 * Run `check`; returns the exit code (0 every topic compatible, 1 some reader would break or, with
 * `--sample`, some sampled event would fail to decode). Progress of long reads goes to `progress`.
 */
export async function checkCommand(
  argv: readonly string[],
  out: (line: string) => void,
  progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): Promise<0 | 1> {
  const args = parseArgs('check', argv, ['against', 'registry', 'rules', 'format', 'sample']);
  const format = formatOption('check', args, ['text', 'json', 'github'] as const);
  const n = sampleOption(args);
  const { root, report } = await runCheckWith(args, rulesOption('check', args));
  const impact = analyseImpact(root, topicDiffs(report));
  let sample: SampleReport | undefined;
  if (n !== undefined) {
    // Loaded only with --sample: it brings Kafka in.
    const { runSample } = await import('./sample-run');
    sample = await runSample(root, report, {
      n,
      registryUrl: single(args, 'registry') ?? DEFAULT_REGISTRY_URL,
      progress,
    });
  }
  if (format === 'json') out(JSON.stringify({ ...report, impact, ...(sample && { sample }) }, null, 2));
  else if (format === 'github') printGithub(root, report, impact, sample, out);
  else printText(report, impact, sample, out);
  return report.compatible && !sampleFails(sample) ? 0 : 1;
}

/** `--sample <n>`: a positive whole number of events per changed topic, or undefined without it. */
export function sampleOption(args: ParsedArgs): number | undefined {
  const value = single(args, 'sample');
  if (value === undefined) return undefined;
  if (!/^[1-9]\d{0,5}$/.test(value))
    throw new SchemaCliError(
      'USAGE',
      `check: --sample takes a number of events from 1 to 999999, got "${value}"`,
    );
  return Number(value);
}

/** Each topic's field changes, as impact analysis takes them. */
export function topicDiffs(report: CheckReport): TopicDiff[] {
  return report.topics.map((t) => ({
    topic: t.topic,
    subject: t.subject,
    schema: t.schema,
    against: t.changedSince,
    changes: t.changes,
  }));
}

function printText(
  report: CheckReport,
  impact: ImpactReport,
  sample: SampleReport | undefined,
  out: (line: string) => void,
): void {
  out(
    `schema check: git baseline ${report.baseline}${report.registry ? `; registry ${report.registry}` : ''}`,
  );
  const changedShared = new Set([
    ...report.sharedTypes.filter((t) => t.changes.length > 0).map((t) => t.topic),
    ...report.topics.flatMap((t) => t.changedSharedTypes),
  ]);
  for (const t of report.topics) {
    const via = t.changedSharedTypes;
    printSubject(t, `${t.topic} (${t.schema}, ${t.level})`, out);
    if (via.length > 0) out(`       uses changed shared type ${via.join(', ')}`);
  }
  for (const t of report.sharedTypes) {
    printSubject(t, `shared type ${t.topic} (${t.schema}, subject ${t.subject}, ${t.level})`, out);
    if (changedShared.has(t.topic)) {
      const verdicts = report.topics
        .filter((c) => t.usedBy.includes(c.topic))
        .map((c) => `${c.topic} ${c.compatible ? 'ok' : 'FAIL'}`);
      out(
        `       changed${t.changedSince === undefined ? '' : ` since ${t.changedSince}`}; checked in every topic using it: ${verdicts.join(', ') || 'none uses it'}`,
      );
    } else out(`       used by ${t.usedBy.join(', ') || 'no topic'}`);
  }
  for (const s of report.staleApprovals) out(`warning: stale approval ${s}`);
  if (impact.topics.length > 0) for (const line of impactText(impact)) out(line);
  if (sample) for (const line of sampleText(sample)) out(line);
  out(verdictLine(report));
}

/** The report's last line: how many topics (and shared types' subjects) would break a reader. */
function verdictLine(report: CheckReport): string {
  const broken = report.topics.filter((t) => !t.compatible).length;
  const sharedBroken = report.sharedTypes.filter((t) => !t.compatible).map((t) => t.topic);
  const shared =
    sharedBroken.length === 0
      ? ''
      : ` Shared type subjects that would refuse the change: ${sharedBroken.join(', ')}.`;
  return broken === 0 && sharedBroken.length === 0
    ? `All ${report.topics.length} topics are compatible.`
    : `${broken} of ${report.topics.length} topics would break a reader.${shared}`;
}

/** One subject's verdict, issues, findings, approvals, warnings and notes. */
function printSubject(t: TopicCheck, label: string, out: (line: string) => void): void {
  const against = t.checkedAgainst.length
    ? `checked against ${t.checkedAgainst.join(', ')}`
    : t.level === 'NONE'
      ? 'level NONE checks nothing'
      : 'nothing to check against';
  out(`${t.compatible ? 'ok  ' : 'FAIL'} ${label}: ${against}`);
  for (const i of t.issues) out(`       ${i.path}: ${i.rule} (against ${i.against})\n         ${i.message}`);
  for (const f of t.findings)
    out(
      `       ${f.severity === 'error' ? '' : 'warning '}${f.path}: ${f.rule} (${f.severity}, subject ${t.subject}, against ${f.against})\n         ${f.message}\n         fix: ${f.fix}`,
    );
  for (const a of t.approved)
    out(
      `       approved break: ${t.subject} ${a.path}: ${a.rule} (against ${a.against}, ${a.approval}), reason: ${a.reason}`,
    );
  if (t.findings.length + t.issues.length > 0) out(`       fingerprint: ${t.fingerprint}`);
  for (const w of t.warnings)
    out(`       warning ${w.path}: ${w.rule} (against ${w.against})\n         ${w.message}`);
  for (const n of t.notes) out(`       note: ${n}`);
}

/** The line in the schema text where the deepest field of `issuePath` that still exists is declared. */
export function lineOf(text: string, issuePath: string): number | undefined {
  const segments = issuePath.split('.').map((s) => s.replace(/(\[\]|\{\})+$/, ''));
  for (const name of segments.reverse()) {
    const index = text.search(new RegExp(`"name"\\s*:\\s*"${name.replace(/[^A-Za-z0-9_]/g, '')}"`));
    if (index >= 0) return text.slice(0, index).split('\n').length;
  }
  return undefined;
}

function printGithub(
  root: string,
  report: CheckReport,
  impact: ImpactReport,
  sample: SampleReport | undefined,
  out: (line: string) => void,
): void {
  for (const t of [...report.topics, ...report.sharedTypes]) {
    // The file as written: annotations point at its lines.
    const text = readText(path.join(root, t.schema), t.schema);
    // One annotation per finding, on the line declaring the field (or the file when it is gone).
    const annotate = (kind: 'error' | 'warning', item: { rule: string; path: string }, message: string) => {
      const line = lineOf(text, item.path);
      const props = [
        `file=${escapeProperty(t.schema)}`,
        ...(line ? [`line=${line}`] : []),
        `title=${escapeProperty(`${t.topic}: ${item.rule} at ${item.path}`)}`,
      ];
      out(`::${kind} ${props.join(',')}::${escapeData(message)}`);
    };
    for (const i of t.issues) annotate('error', i, `${i.message} (against ${i.against}, level ${t.level})`);
    for (const f of t.findings)
      annotate(
        f.severity,
        f,
        `${f.message}. Fix: ${f.fix} (against ${f.against}, subject ${t.subject}; to approve an intended break: ${t.fingerprint})`,
      );
    for (const a of t.approved)
      out(
        `::notice file=${escapeProperty(t.schema)},title=${escapeProperty(`${t.topic}: approved break`)}::${escapeData(`approved break: ${t.subject} ${a.path}: ${a.rule}, reason: ${a.reason}`)}`,
      );
    for (const w of t.warnings) annotate('warning', w, `${w.message} (against ${w.against})`);
    for (const n of t.notes)
      out(
        `::notice file=${escapeProperty(t.schema)},title=${escapeProperty(`${t.topic}`)}::${escapeData(n)}`,
      );
  }
  for (const s of report.staleApprovals)
    out(`::warning file=schemas/approved-breaks.json,title=stale approval::${escapeData(s)}`);
  for (const line of impactAnnotations(impact)) out(line);
  if (sample)
    for (const line of sampleAnnotations(sample, (schema, p) =>
      lineOf(readText(path.join(root, schema), schema), p),
    ))
      out(line);
  out(verdictLine(report));
}
