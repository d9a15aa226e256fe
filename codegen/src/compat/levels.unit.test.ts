import { parseAvroJson } from './avro-schema';
import { checkLevel } from './levels';
import type { CompatibilityLevel } from './levels';

const rec = (fields: unknown[]) => parseAvroJson({ type: 'record', name: 'R', fields });
const v1 = { label: 'v1', schema: rec([{ name: 'a', type: 'int' }]) };
const v2 = {
  label: 'v2',
  schema: rec([
    { name: 'a', type: 'int' },
    { name: 'b', type: 'string', default: '' },
  ]),
};
// Adds a field without a default (breaks BACKWARD) and keeps the rest.
const addedRequired = rec([
  { name: 'a', type: 'int' },
  { name: 'b', type: 'string', default: '' },
  { name: 'c', type: 'int' },
]);
// Drops `b` (which had a default, fine for old readers) — compatible with v2 both ways.
const droppedOptional = rec([{ name: 'a', type: 'int' }]);
// Drops `a`, which v1 and v2 readers need.
const droppedRequired = rec([{ name: 'b', type: 'string', default: '' }]);

const summary = (level: CompatibilityLevel, next: ReturnType<typeof rec>) =>
  checkLevel(level, next, [v1, v2]).map((i) => `${i.direction} ${i.against} ${i.rule} ${i.path}`);

describe('checkLevel', () => {
  it('BACKWARD: the new schema must read the latest old one', () => {
    expect(summary('BACKWARD', addedRequired)).toEqual(['backward v2 READER_FIELD_MISSING_DEFAULT R.c']);
    expect(summary('BACKWARD', droppedRequired)).toEqual([]);
  });

  it('FORWARD: the latest old schema must read the new one', () => {
    expect(summary('FORWARD', droppedRequired)).toEqual(['forward v2 FIELD_REMOVED_NO_DEFAULT R.a']);
    expect(summary('FORWARD', addedRequired)).toEqual([]);
  });

  it('FULL checks both directions', () => {
    expect(summary('FULL', addedRequired)).toEqual(['backward v2 READER_FIELD_MISSING_DEFAULT R.c']);
    expect(summary('FULL', droppedRequired)).toEqual(['forward v2 FIELD_REMOVED_NO_DEFAULT R.a']);
    expect(summary('FULL', droppedOptional)).toEqual([]);
  });

  it('*_TRANSITIVE checks every earlier version, newest first', () => {
    expect(summary('FORWARD_TRANSITIVE', droppedRequired)).toEqual([
      'forward v2 FIELD_REMOVED_NO_DEFAULT R.a',
      'forward v1 FIELD_REMOVED_NO_DEFAULT R.a',
    ]);
    // v1 never had `b`, so re-adding a required `b` only breaks against v1.
    const reAddedRequiredB = rec([
      { name: 'a', type: 'int' },
      { name: 'b', type: 'string' },
    ]);
    expect(summary('BACKWARD', reAddedRequiredB)).toEqual([]);
    expect(summary('BACKWARD_TRANSITIVE', reAddedRequiredB)).toEqual([
      'backward v1 READER_FIELD_MISSING_DEFAULT R.b',
    ]);
    expect(summary('FULL_TRANSITIVE', reAddedRequiredB)).toEqual([
      'backward v1 READER_FIELD_MISSING_DEFAULT R.b',
    ]);
  });

  it('NONE accepts anything, and a first version has nothing to break', () => {
    expect(summary('NONE', droppedRequired)).toEqual([]);
    expect(checkLevel('FULL_TRANSITIVE', droppedRequired, [])).toEqual([]);
  });
});
