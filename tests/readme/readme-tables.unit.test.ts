import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { metricFamilies } from '../support/exported-metrics';

// The README's tables are what a newcomer believes. These tests hold them to the code: the topic
// table to schemas/topics.json, the variable tables to the environment variables the code reads
// (found by scanning the sources, so a new setting without a README row fails here), the metrics table
// to the metrics the services export.

const root = path.resolve(__dirname, '..', '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The rows of the first markdown table after `heading`, each a list of trimmed cells. */
function tableAfter(heading: string, firstHeader: string): string[][] {
  const start = readme.indexOf(heading);
  if (start === -1) throw new Error(`README has no "${heading}"`);
  const lines = readme.slice(start).split('\n');
  const head = lines.findIndex((l) => new RegExp(`^\\|\\s*${firstHeader}\\s*\\|`).test(l));
  if (head === -1) throw new Error(`no table starting with "${firstHeader}" after "${heading}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(head + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  }
  return rows;
}

/** `A`, `B` in a cell → [A, B] (upper-case names only). */
function variablesIn(cell: string): string[] {
  return [...cell.matchAll(/`([A-Z<][A-Z0-9_<>]*)`/g)].map((m) => m[1]!);
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (name === 'node_modules' || name === 'generated' || name === 'dist') continue;
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) out.push(full);
    }
  };
  walk(dir);
  return out;
}

// How the code reads a variable: a setting of packages/platform/src/config.ts (`int('PORT', …)`), a
// helper taking its name (`get('KAFKA_SASL_USERNAME')`, `pem(…)`), or the environment object itself
// (`env.X`, `env['X']`, `process.env.X`), but not an assignment to it (a child process's environment).
const READS = [
  /\b(?:str|int|url|bool|list|address|oneOf|composite|get|pem)\(\s*'([A-Z][A-Z0-9_]*)'/g,
  /\benv\??\.([A-Z][A-Z0-9_]*)\b(?!\s*=[^=])/g,
  /\bvalue\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g, // trace-settings.ts: value(env, 'OTEL_…')
  /\benv\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\](?!\s*=[^=])/g,
  /\benv\[`\$\{\w+\.toUpperCase\(\)\}(_[A-Z0-9_]+)`\]/g, // `${service.toUpperCase()}_DATABASE_URL`
  /\b(POSTGRES_URL_VARIABLE)\b/g,
];

// A config module's own setting helpers (`webhookId('NOTIFY_WEBHOOK_ID')`): any call with a variable name.
const CONFIG_READS = /\b[a-z]\w*\(\s*'([A-Z][A-Z0-9]*_[A-Z0-9_]+)'/g;

/** Every variable the given files read, mapped to the first file that reads it. */
function variablesRead(files: string[]): Map<string, string> {
  const found = new Map<string, string>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    for (const re of path.basename(file) === 'config.ts' ? [...READS, CONFIG_READS] : READS) {
      for (const m of text.matchAll(re)) {
        let name = m[1]!;
        if (name.startsWith('_')) name = `<SERVICE>${name}`;
        if (name === 'POSTGRES_URL_VARIABLE') name = 'ORDERFLOW_POSTGRES_URL';
        if (!found.has(name)) found.set(name, path.relative(root, file));
      }
    }
  }
  return found;
}

const dirs = (...globs: string[]): string[] =>
  globs.flatMap((g) => {
    if (!g.endsWith('/*/src')) return [path.join(root, g)];
    const parent = path.join(root, g.slice(0, -'/*/src'.length));
    return readdirSync(parent).map((n) => path.join(parent, n, 'src'));
  });

function compare(table: string[], code: Map<string, string>): { undocumented: string[]; unread: string[] } {
  return {
    undocumented: [...code.keys()]
      .filter((v) => !table.includes(v))
      .map((v) => `${v} (read in ${code.get(v)})`),
    unread: table.filter((v) => !code.has(v)),
  };
}

describe('README topic table', () => {
  it('lists every topic of schemas/topics.json with its producer and consumers, and nothing else', () => {
    const table = JSON.parse(readFileSync(path.join(root, 'schemas', 'topics.json'), 'utf8')) as {
      topics: { topic: string; producer: string; consumers: string[] }[];
    };
    const rows = tableAfter('## Architecture', 'topic').map(([topic, producer, consumers]) => ({
      topic: topic!.replace(/`/g, ''),
      producer: producer!,
      consumers: consumers!
        .split(',')
        .map((c) => c.trim())
        .sort(),
    }));
    const byTopic = (a: { topic: string }, b: { topic: string }): number => a.topic.localeCompare(b.topic);
    expect(rows.sort(byTopic)).toEqual(
      table.topics
        .map((t) => ({ topic: t.topic, producer: t.producer, consumers: [...t.consumers].sort() }))
        .sort(byTopic),
    );
  });
});

describe('README variable tables', () => {
  it('the Configuration and Authentication tables list exactly what the services read', () => {
    const table = [
      ...tableAfter('## Configuration', 'variable'),
      ...tableAfter('### Authentication', 'variable'),
    ].flatMap(([cell]) => variablesIn(cell!));
    // The services' runtime: the platform, the codec, the services (their demo and the db tool excepted).
    const files = dirs('packages/*/src', 'services/*/src').flatMap(sourceFiles);
    const runtime = files.filter(
      (f) =>
        !f.includes(`${path.sep}demo${path.sep}`) &&
        !f.includes(`${path.sep}db${path.sep}`) &&
        !/test-support\.ts$|fake-registry\.ts$/.test(f),
    );
    expect(compare(table, variablesRead(runtime))).toEqual({ undocumented: [], unread: [] });
  });

  it('the tools table lists exactly what the stack, the db and schema tools and the bench read', () => {
    const table = tableAfter('### Tools', 'variable').flatMap(([cell]) => variablesIn(cell!));
    const files = [
      ...sourceFiles(path.join(root, 'stack', 'src')),
      ...sourceFiles(path.join(root, 'packages', 'platform', 'src', 'db')),
      ...sourceFiles(path.join(root, 'codegen', 'src')),
      ...sourceFiles(path.join(root, 'prisma', 'tools')),
      path.join(root, 'bench', 'cli.ts'),
      path.join(root, 'packages', 'platform', 'src', 'postgres-server.ts'),
    ];
    expect(compare(table, variablesRead(files))).toEqual({ undocumented: [], unread: [] });
  });
});

describe('README metrics table', () => {
  it('lists every metric the services export, with its type and labels, and nothing else', async () => {
    const rows = tableAfter('### Metrics', 'metric').map(([metric, type, labels]) => ({
      name: metric!.replace(/`/g, ''),
      type: type!,
      labels: [...labels!.matchAll(/`(\w+)`/g)].map((m) => m[1]!).sort(),
    }));
    const byName = (a: { name: string }, b: { name: string }): number => a.name.localeCompare(b.name);
    const exported = (await metricFamilies({ defaultMetrics: false })).map((f) => ({
      ...f,
      labels: [...f.labels].sort(),
    }));
    expect(rows.sort(byName)).toEqual(exported.sort(byName));
  });
});
