import { ScratchRepo } from './run-cli';

// Spawns real processes (tsx, git) on a shared 2-core machine; jest's 5 s default is too tight.
jest.setTimeout(60_000);

const NS = 'orderflow';
const customer = (extra: unknown[] = []) => ({
  type: 'record',
  name: 'Customer',
  namespace: NS,
  fields: [{ name: 'id', type: 'string' }, ...extra],
});
const topic = (name: string, customerType: unknown) => ({
  type: 'record',
  name,
  namespace: NS,
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customer', type: customerType },
  ],
});
const inlined = (name: string) =>
  topic(name, { type: 'record', name: 'Customer', fields: [{ name: 'id', type: 'string' }] });
const SHARED = `schemas/avro/shared/${NS}.Customer.avsc`;

describe('schema check with shared types', () => {
  let repo: ScratchRepo;
  beforeEach(() => {
    repo = new ScratchRepo([
      { topic: 'order_created', compatibility: 'FULL_TRANSITIVE' },
      { topic: 'payment_failed', compatibility: 'FULL_TRANSITIVE' },
      { topic: 'order_audited', compatibility: 'FULL_TRANSITIVE' },
    ]);
    // History starts with Customer defined in place in two topic schemas ...
    repo.write('schemas/avro/order_created.avsc', inlined('OrderCreated'));
    repo.write('schemas/avro/payment_failed.avsc', inlined('PaymentFailed'));
    repo.write('schemas/avro/order_audited.avsc', {
      type: 'record',
      name: 'OrderAudited',
      namespace: NS,
      fields: [{ name: 'orderId', type: 'string' }],
    });
    repo.commit('inlined');
    // ... then moves it to a shared file both name.
    repo.write(SHARED, customer());
    repo.write('schemas/avro/order_created.avsc', topic('OrderCreated', `${NS}.Customer`));
    repo.write('schemas/avro/payment_failed.avsc', topic('PaymentFailed', `${NS}.Customer`));
    repo.commit('shared');
  });
  afterEach(() => repo.remove());

  it('sees moving a type to a shared file as no change at all', () => {
    const r = repo.cli(['check', '--against', 'HEAD~1', '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as {
      topics: { topic: string; changes: unknown[]; sharedTypes: string[] }[];
      sharedTypes: { topic: string; subject: string; usedBy: string[]; compatible: boolean }[];
    };
    expect(report.topics.map((t) => [t.topic, t.changes.length, t.sharedTypes])).toEqual([
      ['order_created', 0, [`${NS}.Customer`]],
      ['payment_failed', 0, [`${NS}.Customer`]],
      ['order_audited', 0, []],
    ]);
    expect(report.sharedTypes).toMatchObject([
      {
        topic: `${NS}.Customer`,
        subject: `${NS}.Customer`,
        usedBy: ['order_created', 'payment_failed'],
        compatible: true,
      },
    ]);
  });

  it('checks a breaking change to a shared type in every topic using it, and names each', () => {
    repo.write(SHARED, customer([{ name: 'email', type: 'string' }]));
    const r = repo.cli(['check']);
    expect(r.code).toBe(1);
    // Both topics' histories start with Customer inlined: the change is checked against those too.
    expect(r.stdout).toMatch(
      /FAIL order_created \(schemas\/avro\/order_created\.avsc, FULL_TRANSITIVE\): checked against git [0-9a-f]{7}\n/,
    );
    expect(r.stdout).toMatch(/OrderCreated\.customer\.email: [A-Z_]+ \(against git [0-9a-f]{7}\)/);
    expect(r.stdout).toContain('FAIL payment_failed');
    expect(r.stdout).toMatch(/PaymentFailed\.customer\.email: [A-Z_]+/);
    expect(r.stdout.match(/uses changed shared type orderflow\.Customer/g)).toHaveLength(2);
    expect(r.stdout).toContain('ok   order_audited');
    expect(r.stdout).toContain(
      `FAIL shared type ${NS}.Customer (${SHARED}, subject ${NS}.Customer, FULL_TRANSITIVE)`,
    );
    expect(r.stdout).toContain('checked in every topic using it: order_created FAIL, payment_failed FAIL');
    expect(r.stdout).toContain(
      `2 of 3 topics would break a reader. Shared type subjects that would refuse the change: ${NS}.Customer.`,
    );
  });

  it('passes a compatible change to a shared type and still names the topics it touches', () => {
    repo.write(SHARED, customer([{ name: 'email', type: ['null', 'string'], default: null }]));
    const r = repo.cli(['check']);
    expect(r.stdout).toContain('checked in every topic using it: order_created ok, payment_failed ok');
    expect(r.stdout).toContain('All 3 topics are compatible.');
    expect(r.code).toBe(0);
  });

  it('fails naming the file and the type when a topic names a shared type that does not exist', () => {
    repo.write('schemas/avro/payment_failed.avsc', topic('PaymentFailed', `${NS}.Payer`));
    const r = repo.cli(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      `schemas/avro/payment_failed.avsc: at fields[1].type: unknown type ${NS}.Payer: not a primitive, not defined earlier in the file, and no schemas/avro/shared/${NS}.Payer.avsc`,
    );
  });

  it('compat resolves shared types from the repository: the inlined file and the referencing one agree', () => {
    repo.write('old.avsc', inlined('OrderCreated'));
    const compat = () =>
      repo.cli([
        'compat',
        '--old',
        'old.avsc',
        '--new',
        'schemas/avro/order_created.avsc',
        '--level',
        'FULL',
      ]);
    let r = compat();
    expect(r.stdout).toContain('compatible with old.avsc at FULL');
    expect(r.code).toBe(0);
    repo.write(SHARED, customer([{ name: 'email', type: 'string' }]));
    r = compat();
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('OrderCreated.customer.email');
  });
});
