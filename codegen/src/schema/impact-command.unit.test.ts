import { ScratchRepo } from './run-cli';

// Spawns real processes (tsx, git) on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const V1 = {
  type: 'record',
  name: 'OrderCreated',
  namespace: 'orderflow',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};
const NOTE_REMOVED = { ...V1, fields: [V1.fields[0]] };

describe('schema impact', () => {
  let repo: ScratchRepo;
  beforeAll(() => {
    repo = new ScratchRepo([{ topic: 'order_created', compatibility: 'FULL_TRANSITIVE' }]);
    repo.write('schemas/avro/order_created.avsc', V1);
    repo.commit('v1');
    repo.write('schemas/avro/order_created.avsc', NOTE_REMOVED);
  });
  afterAll(() => repo.remove());

  it('lists each changed field against git and exits 0 (informational)', () => {
    const r = repo.cli(['impact']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^schema impact: git baseline merge base of HEAD and main \([0-9a-f]{7}\)$/);
    expect(lines.slice(1, 5)).toEqual([
      expect.stringMatching(
        /^order_created \(schemas\/avro\/order_created\.avsc\) against git [0-9a-f]{7}:$/,
      ),
      '  OrderCreated.note: removed (was union [null, string], default null)',
      '    old events carry it, new events do not: readers on the old schema read null from new events; new readers ignore it in old events',
      '    no read or write in the services',
    ]);
    expect(lines.at(-1)).toMatch(
      /^impact: 1 changed field\(s\) in 1 topic\(s\); 0 use\(s\) in 0 service\(s\) \[\]; 0 files indexed in \d+ ms\.$/,
    );
  });

  it('gives JSON with --format json', () => {
    const r = repo.cli(['impact', '--format', 'json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { topics: Array<{ fields: Array<{ path: string; kind: string }> }> };
    expect(json.topics[0]?.fields.map((f) => `${f.path} ${f.kind}`)).toEqual(['OrderCreated.note removed']);
  });

  it('exits 2 with a message on bad arguments', () => {
    const unknown = repo.cli(['impact', '--bogus', 'x']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      'schema: impact: unknown option --bogus (options: --against, --registry, --format)\n',
    );
    const format = repo.cli(['impact', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toBe('schema: impact: --format must be one of text, json, github, got "xml"\n');
    const ref = repo.cli(['impact', '--against', 'no-such-ref']);
    expect(ref.code).toBe(2);
    expect(ref.stderr).toMatch(/^schema: --against no-such-ref: not a commit/);
  });

  it('is part of check: the impact section comes before the verdict line', () => {
    const r = repo.cli(['check']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines).toContain('  OrderCreated.note: removed (was union [null, string], default null)');
    expect(lines.at(-1)).toBe('All 1 topics are compatible.');
  });
});
