// Impact analysis: for each changed field of a schema diff, the code that reads or writes it and what
// that code sees with old and new events.
import type { PreviousSchema } from '../compat';
import { escapeData, escapeProperty } from '../schema/github';
import { indexFieldUses } from './code-uses';
import type { FieldUse } from './code-uses';
import type { FieldChange } from './schema-diff';

/** A use of a changed field, with what it sees with old and new events. */
export interface ImpactedUse extends FieldUse {
  readonly sees: string;
  /**
   * The code reaches the field through records of other topics (`PaymentFailed.customer` for a change
   * to `OrderCreated.customer`): the same generated type, so it changes when those schemas follow.
   */
  readonly otherTopics: boolean;
}

export interface FieldImpact extends FieldChange {
  readonly uses: ImpactedUse[];
}

export interface TopicDiff {
  readonly topic: string;
  readonly subject: string;
  readonly schema: string;
  /** The version the working tree is compared with (`git 1a2b3c4`, `registry v3 (id 7)`). */
  readonly against: string | undefined;
  readonly changes: readonly FieldChange[];
}

export interface TopicImpact extends Omit<TopicDiff, 'changes'> {
  readonly fields: FieldImpact[];
}

export interface ImpactReport {
  readonly topics: TopicImpact[];
  /** How much code was read and how long it took; undefined when no field changed (nothing indexed). */
  readonly index: { readonly files: number; readonly millis: number } | undefined;
}

/** The version a diff compares with: the registry's latest when the registry has one, else git's. */
export function latestPrevious<P extends PreviousSchema>(
  fromGit: readonly P[],
  fromRegistry: readonly P[],
): P | undefined {
  return fromRegistry.at(-1) ?? fromGit.at(-1);
}

/** What a reader on the old schema fills in for a field that new events lack. */
function oldReaderFill(old: string | undefined): string {
  const m = /default (.*)$/.exec(old ?? '');
  return m ? `the old default ${m[1]}` : 'nothing: it cannot decode them (no default)';
}

/** What one use sees with old and new events, from the kind of change and whether it reads or writes. */
export function whatItSees(change: FieldChange, access: 'read' | 'write'): string {
  const was = change.old ?? '';
  const now = change.new ?? '';
  const newDefault = /default (.*)$/.exec(now)?.[1];
  if (access === 'read') {
    switch (change.kind) {
      case 'removed':
        return `not regenerated: old events give their value, new events ${oldReaderFill(change.old)}; regenerated: this read no longer compiles`;
      case 'added':
        return newDefault === undefined
          ? 'old events cannot be decoded (no default); new events give their value'
          : `old events give ${newDefault}, new events their value`;
      case 'type-changed':
        return `old events give ${was} values (promoted to ${now} where Avro allows, else undecodable), new events ${now}`;
      case 'logical-type-changed':
        return `old events' ${was} values are read as ${now} (same bytes, another meaning), new events are ${now}`;
      case 'default-changed':
        return `events written without the field give ${newDefault ?? 'a decode failure'} (before: ${was})`;
      case 'enum-symbols-changed':
        return `${change.effect}; branches on it must handle every symbol of ${now}`;
    }
  }
  switch (change.kind) {
    case 'removed':
      return `regenerated: an excess property, no longer compiles; new events without it give readers on the old schema ${oldReaderFill(change.old)}`;
    case 'added':
      return 'new events carry it; readers on the old schema ignore it';
    case 'type-changed':
      return `writes ${was}; once regenerated it must write ${now}, which old readers read only where Avro promotes it`;
    case 'logical-type-changed':
      return `must write values meaning ${now}; readers on the old schema read them as ${was}`;
    case 'default-changed':
      return `writes it explicitly, so neither default (${was} → ${now}) applies to its events`;
    case 'enum-symbols-changed':
      return `may write the symbols of ${now}; ${change.effect}`;
  }
}

/** Join each changed field with the code that uses it (one ts.Program over the services, only if something changed). */
export function analyseImpact(root: string, diffs: readonly TopicDiff[]): ImpactReport {
  const records = new Set(diffs.flatMap((d) => d.changes.map((c) => c.record)));
  const index = records.size === 0 ? undefined : indexFieldUses(root, records);
  const byField = new Map<string, FieldUse[]>();
  for (const u of index?.uses ?? []) {
    const key = `${u.record}.${u.field}`;
    byField.set(key, [...(byField.get(key) ?? []), u]);
  }
  // A change to a shared type shows up in every topic using it: the records whose events carry the
  // same change in this diff.
  const changedAlso = (c: FieldChange): Set<string> =>
    new Set(
      diffs.flatMap((d) =>
        d.changes
          .filter((x) => x.record === c.record && x.field === c.field && x.kind === c.kind)
          .flatMap((x) => x.owners),
      ),
    );
  return {
    topics: diffs
      .filter((d) => d.changes.length > 0)
      .map(({ changes, ...topic }) => ({
        ...topic,
        fields: changes.map((c) => ({
          ...c,
          uses: (byField.get(`${c.record}.${c.field}`) ?? []).map((u) => {
            const otherTopics =
              c.owners.length > 0 && u.via.length > 0 && !u.via.some((v) => c.owners.includes(v));
            const sees = whatItSees(c, u.access);
            const together = otherTopics && u.via.every((v) => changedAlso(c).has(v));
            return {
              ...u,
              otherTopics,
              sees: !otherTopics
                ? sees
                : together
                  ? `through ${u.via.join(', ')} (other topics' events, the same generated ${c.record}, changed in this diff too): ${sees}`
                  : `through ${u.via.join(', ')} (other topics' events, the same generated ${c.record}; they change once those schemas follow): ${sees}`,
            };
          }),
        })),
      })),
    index: index && { files: index.files, millis: index.millis },
  };
}

/** The report as text lines: per topic, per changed field, each use with its handler and what it sees. */
export function impactText(report: ImpactReport): string[] {
  const lines: string[] = [];
  for (const t of report.topics) {
    lines.push(`${t.topic} (${t.schema}) against ${t.against ?? 'nothing'}:`);
    for (const f of t.fields) {
      const change = [f.old && `was ${f.old}`, f.new && `now ${f.new}`].filter(Boolean).join('; ');
      lines.push(`  ${f.path}: ${f.kind} (${change})`);
      lines.push(`    ${f.effect}`);
      if (f.uses.length === 0) lines.push('    no read or write in the services');
      for (const u of f.uses) {
        lines.push(
          `    ${u.access} ${u.service} ${u.file}:${u.line} ${u.handler}${u.exported ? '' : ' (not exported)'}${u.via.length ? ` via ${u.via.join('|')}` : ''}: ${u.text}`,
        );
        lines.push(`      → ${u.sees}`);
      }
    }
  }
  const fields = report.topics.reduce((n, t) => n + t.fields.length, 0);
  const uses = report.topics.flatMap((t) => t.fields.flatMap((f) => f.uses));
  const services = new Set(uses.map((u) => u.service));
  lines.push(
    fields === 0
      ? 'impact: no field changed.'
      : `impact: ${fields} changed field(s) in ${report.topics.length} topic(s); ${uses.length} use(s) in ${services.size} service(s) [${[...services].sort().join(', ')}]${report.index ? `; ${report.index.files} files indexed in ${report.index.millis} ms` : ''}.`,
  );
  return lines;
}

/** One `::notice` per use, on the line of the code that reads or writes the changed field. */
export function impactAnnotations(report: ImpactReport): string[] {
  return report.topics.flatMap((t) =>
    t.fields.flatMap((f) =>
      f.uses.map(
        (u) =>
          `::notice file=${escapeProperty(u.file)},line=${u.line},col=${u.column},title=${escapeProperty(`impact of ${t.topic}: ${f.path} ${f.kind}`)}::${escapeData(`${u.service} ${u.handler} ${u.sees}`)}`,
      ),
    ),
  );
}
