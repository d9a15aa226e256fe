import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { schemaFingerprint } from './approvals';
import { lineOf } from './check-command';
import { runSchemaCli, ScratchRepo } from './run-cli';

// Spawns real processes (tsx, python3, git) on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const rec = (fields: unknown[]) => ({ type: 'record', name: 'OrderCreated', namespace: 'orderflow', fields });
const f = (name: string, type: unknown, extra: object = {}) => ({ name, type, ...extra });

const V1 = rec([f('orderId', 'string'), f('quantity', 'int')]);
const V2_OPTIONAL_ADDED = rec([
  f('orderId', 'string'),
  f('quantity', 'int'),
  f('note', ['null', 'string'], { default: null }),
]);
const QUANTITY_REMOVED = rec([f('orderId', 'string'), f('note', ['null', 'string'], { default: null })]);

describe('schema compat', () => {
  let dir: string;
  const file = (name: string, content: unknown) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
    return p;
  };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-compat-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('exits 0 for a compatible change', () => {
    const r = runSchemaCli(
      [
        'compat',
        '--old',
        file('v1.avsc', V1),
        '--new',
        file('v2.avsc', V2_OPTIONAL_ADDED),
        '--level',
        'FULL',
      ],
      dir,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('compatible with');
  });

  it('exits 1 for a breaking change and explains it', () => {
    const r = runSchemaCli(
      [
        'compat',
        '--old',
        file('v1.avsc', V1),
        '--new',
        file('removed.avsc', QUANTITY_REMOVED),
        '--level',
        'FULL',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('OrderCreated.quantity  FIELD_REMOVED_NO_DEFAULT');
    expect(r.stdout).toContain(
      '`quantity` was removed and has no default: a reader on the old schema cannot read new events',
    );
  });

  it('prints the JSON verdict with --format json', () => {
    const r = runSchemaCli(
      [
        'compat',
        '--old',
        file('v1.avsc', V1),
        '--new',
        file('removed.avsc', QUANTITY_REMOVED),
        '--level',
        'FORWARD',
        '--format',
        'json',
      ],
      dir,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      compatible: false,
      issues: [
        {
          path: 'OrderCreated.quantity',
          rule: 'FIELD_REMOVED_NO_DEFAULT',
          message:
            '`quantity` was removed and has no default: a reader on the old schema cannot read new events',
        },
      ],
    });
    const backward = runSchemaCli(
      [
        'compat',
        '--old',
        file('v1.avsc', V1),
        '--new',
        file('removed.avsc', QUANTITY_REMOVED),
        '--level',
        'BACKWARD',
        '--format',
        'json',
      ],
      dir,
    );
    expect(backward.code).toBe(0);
    expect(JSON.parse(backward.stdout)).toEqual({ compatible: true, issues: [] });
  });

  it('checks every --old for transitive levels and only the last one otherwise', () => {
    // v0 had no `quantity`: adding it without a default breaks only a reader of v0 data.
    const v0 = file('v0.avsc', rec([f('orderId', 'string')]));
    const v1WithDefault = file(
      'v1d.avsc',
      rec([f('orderId', 'string'), f('quantity', 'int', { default: 1 })]),
    );
    const v2 = file('v2.avsc', V1);
    expect(
      runSchemaCli(['compat', '--old', v0, '--old', v1WithDefault, '--new', v2, '--level', 'BACKWARD'], dir)
        .code,
    ).toBe(0);
    const transitive = runSchemaCli(
      [
        'compat',
        '--old',
        v0,
        '--old',
        v1WithDefault,
        '--new',
        v2,
        '--level',
        'BACKWARD_TRANSITIVE',
        '--format',
        'json',
      ],
      dir,
    );
    expect(transitive.code).toBe(1);
    const out = JSON.parse(transitive.stdout) as {
      issues: Array<{ path: string; rule: string; message: string }>;
    };
    expect(out.issues).toEqual([
      {
        path: 'OrderCreated.quantity',
        rule: 'READER_FIELD_MISSING_DEFAULT',
        message: `against ${v0}: \`quantity\` was added without a default: a reader on the new schema cannot read old events, which lack it`,
      },
    ]);
  });

  it.each([
    [
      'a missing file',
      () => ['--old', path.join(dir, 'nope.avsc')],
      /nope\.avsc: cannot read the file \(no such file\)/,
    ],
    [
      'invalid JSON',
      () => ['--old', file('broken.avsc', '{"type": "record",')],
      /broken\.avsc: not valid JSON/,
    ],
    [
      'invalid Avro',
      () => ['--old', file('typo.avsc', rec([f('quantity', 'integer')]))],
      /typo\.avsc: not valid Avro: at \$\.quantity: unknown type "integer"/,
    ],
    [
      'an unknown level',
      () => ['--old', file('v1.avsc', V1), '--level', 'SIDEWAYS'],
      /--level must be one of NONE, BACKWARD/,
    ],
    [
      'a missing --new',
      () => ['--old', file('v1.avsc', V1), '--level', 'FULL', '--new'],
      /--new needs a value/,
    ],
  ])('exits 2 on %s, naming the file and the reason', (_case, args, message) => {
    const a = args();
    const withDefaults = [
      ...a,
      ...(a.includes('--new') ? [] : ['--new', file('v2.avsc', V2_OPTIONAL_ADDED)]),
      ...(a.includes('--level') ? [] : ['--level', 'FULL']),
    ];
    const r = runSchemaCli(['compat', ...withDefaults], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 on an unknown command', () => {
    const r = runSchemaCli(['chek'], dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown command "chek"');
  });
});

describe('schema check', () => {
  let repo: ScratchRepo;
  beforeEach(() => {
    repo = new ScratchRepo([
      { topic: 'order_created', compatibility: 'FULL_TRANSITIVE' },
      { topic: 'order_audited', compatibility: 'BACKWARD' },
    ]);
    repo.write('schemas/avro/order_created.avsc', V1);
    repo.write('schemas/avro/order_audited.avsc', rec([f('orderId', 'string')]));
    repo.commit('v1');
  });
  afterEach(() => repo.remove());

  it('passes when the working tree only adds optional fields', () => {
    repo.git('checkout', '--quiet', '-b', 'feature');
    repo.write('schemas/avro/order_created.avsc', V2_OPTIONAL_ADDED);
    const r = repo.cli(['check']);
    expect(r.stdout).toContain('All 2 topics are compatible.');
    expect(r.stdout).toMatch(/git baseline merge base of HEAD and main \([0-9a-f]{7}\)/);
    expect(r.code).toBe(0);
  });

  it('fails on an uncommitted edit that removes a required field, naming topic, path and rule in words', () => {
    repo.write('schemas/avro/order_created.avsc', QUANTITY_REMOVED);
    const r = repo.cli(['check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL order_created (schemas/avro/order_created.avsc, FULL_TRANSITIVE)');
    expect(r.stdout).toMatch(/OrderCreated\.quantity: FIELD_REMOVED_NO_DEFAULT \(against git [0-9a-f]{7}\)/);
    expect(r.stdout).toContain(
      '`quantity` was removed and has no default: a reader on the old schema cannot read new events',
    );
    expect(r.stdout).toContain('ok   order_audited');
    expect(r.stdout).toContain('1 of 2 topics would break a reader.');
  });

  it('checks every earlier version for transitive levels but only the baseline version otherwise', () => {
    // main: v1 quantity int -> v2 quantity int with a default -> v3 (order_created only) quantity dropped.
    repo.write(
      'schemas/avro/order_audited.avsc',
      rec([f('orderId', 'string'), f('quantity', 'int', { default: 0 })]),
    );
    repo.write(
      'schemas/avro/order_created.avsc',
      rec([f('orderId', 'string'), f('quantity', 'int', { default: 0 })]),
    );
    repo.commit('v2');
    repo.write('schemas/avro/order_created.avsc', rec([f('orderId', 'string')]));
    repo.commit('v3');
    repo.git('checkout', '--quiet', '-b', 'feature');
    // order_audited (BACKWARD): requiring quantity breaks v1 data, but BACKWARD only checks v2.
    repo.write('schemas/avro/order_audited.avsc', rec([f('orderId', 'string'), f('quantity', 'int')]));
    // order_created (FULL_TRANSITIVE): quantity as a string breaks v1 and v2 (int) both ways, not v3.
    repo.write(
      'schemas/avro/order_created.avsc',
      rec([f('orderId', 'string'), f('quantity', 'string', { default: '' })]),
    );
    const r = repo.cli(['check', '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      topics: Array<{
        topic: string;
        compatible: boolean;
        checkedAgainst: string[];
        issues: Array<{ rule: string; direction: string }>;
      }>;
    };
    const audited = report.topics.find((t) => t.topic === 'order_audited');
    expect(audited?.compatible).toBe(true);
    expect(audited?.checkedAgainst).toHaveLength(1);
    const created = report.topics.find((t) => t.topic === 'order_created');
    expect(created?.checkedAgainst).toHaveLength(3);
    expect(created?.issues.map((i) => `${i.rule} ${i.direction}`).sort()).toEqual([
      'TYPE_MISMATCH backward',
      'TYPE_MISMATCH backward',
      'TYPE_MISMATCH forward',
      'TYPE_MISMATCH forward',
    ]);
  });

  it('accepts a schema file that is new since the baseline', () => {
    repo.write('schemas/topics.json', {
      topics: [
        {
          topic: 'order_created',
          schema: 'avro/order_created.avsc',
          subject: 'order_created-value',
          compatibility: 'FULL_TRANSITIVE',
        },
        { topic: 'refund_issued', schema: 'avro/refund_issued.avsc', subject: 'refund_issued-value' },
      ],
    });
    repo.write('schemas/avro/refund_issued.avsc', rec([f('orderId', 'string')]));
    const r = repo.cli(['check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /ok {3}refund_issued \(schemas\/avro\/refund_issued\.avsc, FULL_TRANSITIVE\): nothing to check against/,
    );
    expect(r.stdout).toContain('note: new since');
  });

  it('compares with --against <ref> and writes GitHub annotations with --format github', () => {
    const v1 = repo.git('rev-parse', 'HEAD').trim();
    repo.write('schemas/avro/order_created.avsc', V2_OPTIONAL_ADDED);
    repo.commit('v2');
    repo.write(
      'schemas/avro/order_created.avsc',
      rec([f('orderId', 'string'), f('quantity', 'long'), f('note', ['null', 'string'], { default: null })]),
    );
    const r = repo.cli(['check', '--against', v1, '--format', 'github']);
    expect(r.code).toBe(1);
    // quantity int -> long: new readers read old data, old readers cannot read a long.
    expect(r.stdout).toContain(
      `::error file=schemas/avro/order_created.avsc,line=11,title=order_created%3A TYPE_MISMATCH at OrderCreated.quantity::\`quantity\` is long in the new schema but int in the old schema, and long cannot be read as int: a reader on the old schema cannot read new events (against git ${v1.slice(0, 7)}, level FULL_TRANSITIVE)`,
    );
  });

  it('exits 2 naming the file when a schema on disk is not valid Avro, and when --against is not a commit', () => {
    repo.write('schemas/avro/order_created.avsc', rec([f('orderId', 'strin')]));
    let r = repo.cli(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      'schemas/avro/order_created.avsc: not valid Avro: at $.orderId: unknown type "strin"',
    );
    repo.write('schemas/avro/order_created.avsc', V1);
    r = repo.cli(['check', '--against', 'no-such-branch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--against no-such-branch: not a commit');
  });
});

describe('schema check: semantic rules and approved breaks', () => {
  const MILLIS = rec([
    f('orderId', 'string'),
    f('occurredAt', { type: 'long', logicalType: 'timestamp-millis' }),
  ]);
  const MICROS = rec([
    f('orderId', 'string'),
    f('occurredAt', { type: 'long', logicalType: 'timestamp-micros' }),
  ]);
  let repo: ScratchRepo;
  beforeEach(() => {
    repo = new ScratchRepo([{ topic: 'order_created', compatibility: 'FULL_TRANSITIVE' }]);
    repo.write('schemas/avro/order_created.avsc', MILLIS);
    repo.commit('v1');
    repo.write('schemas/avro/order_created.avsc', MICROS);
  });
  afterEach(() => repo.remove());
  const fingerprint = () =>
    schemaFingerprint(fs.readFileSync(path.join(repo.dir, 'schemas/avro/order_created.avsc'), 'utf8'));
  const approve = (fp: string) =>
    repo.write('schemas/approved-breaks.json', {
      approvals: [
        {
          subject: 'order_created-value',
          rule: 'logical-type-precision',
          path: 'OrderCreated.occurredAt',
          fingerprint: fp,
          reason: 'all consumers read micros since release 42',
        },
      ],
    });

  it('fails on timestamp-millis → timestamp-micros, naming subject, path, rule, explanation and fix; --rules avro passes', () => {
    const r = repo.cli(['check']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /OrderCreated\.occurredAt: logical-type-precision \(error, subject order_created-value, against git [0-9a-f]{7}\)/,
    );
    expect(r.stdout).toContain('so every old event is read 1000× off');
    expect(r.stdout).toContain('fix: add a new field with the new precision');
    expect(r.stdout).toContain(`fingerprint: ${fingerprint()}`);
    const gh = repo.cli(['check', '--format', 'github']);
    expect(gh.stdout).toMatch(
      /^::error file=schemas\/avro\/order_created\.avsc,line=\d+,title=order_created%3A logical-type-precision at OrderCreated\.occurredAt::/m,
    );
    const avro = repo.cli(['check', '--rules', 'avro']);
    expect(avro.stdout).toContain('All 1 topics are compatible.');
    expect(avro.code).toBe(0);
  });

  it('passes an approved break once, saying so, and reports the approval as stale when the change differs', () => {
    approve(fingerprint());
    const r = repo.cli(['check']);
    expect(r.stdout).toContain(
      'approved break: order_created-value OrderCreated.occurredAt: logical-type-precision',
    );
    expect(r.stdout).toContain('reason: all consumers read micros since release 42');
    expect(r.code).toBe(0);
    // A later, different change is not covered: the fingerprint no longer matches.
    repo.write(
      'schemas/avro/order_created.avsc',
      rec([f('orderId', 'string'), f('occurredAt', { type: 'long', logicalType: 'timestamp-nanos' })]),
    );
    const later = repo.cli(['check']);
    expect(later.code).toBe(1);
    expect(later.stdout).toContain(
      'warning: stale approval approvals[0] (order_created-value, logical-type-precision',
    );
    expect(later.stdout).toContain('the change it approved is no longer the one on disk');
  });
});

describe('lineOf', () => {
  it('finds the deepest field of a path that still exists in the file', () => {
    const text = JSON.stringify(
      rec([f('orderId', 'string'), f('lines', { type: 'array', items: rec([f('sku', 'string')]) })]),
      null,
      2,
    );
    expect(lineOf(text, 'OrderCreated.orderId')).toBe(
      text.split('\n').findIndex((l) => l.includes('"orderId"')) + 1,
    );
    expect(lineOf(text, 'OrderCreated.lines[].quantity')).toBe(
      text.split('\n').findIndex((l) => l.includes('"lines"')) + 1,
    );
  });
});
