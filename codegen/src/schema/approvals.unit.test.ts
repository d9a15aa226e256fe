import fs from 'node:fs';
import path from 'node:path';
import { SEMANTIC_RULES } from '../compat';
import { schemaFingerprint, validateApprovals } from './approvals';

const ROOT = path.resolve(__dirname, '../../..');
const FINGERPRINT = `sha256:${'a'.repeat(64)}`;
const approval = (extra: object = {}) => ({
  subject: 'order_created-value',
  rule: 'logical-type-precision',
  fingerprint: FINGERPRINT,
  reason: 'occurredAt moves to micros; every consumer reads both (dual-write window until 2027-01).',
  ...extra,
});

describe('approved breaks', () => {
  it("the repository's file is valid and its JSON schema lists exactly the rules the gate knows", () => {
    const file = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'schemas/approved-breaks.json'), 'utf8'),
    ) as unknown;
    expect(validateApprovals(file)).toEqual(expect.any(Array));
    const schema = JSON.parse(
      fs.readFileSync(path.join(ROOT, 'schemas/approved-breaks.schema.json'), 'utf8'),
    ) as { properties: { approvals: { items: { properties: { rule: { enum: string[] } } } } } };
    const listed = schema.properties.approvals.items.properties.rule.enum;
    expect(listed.filter((r) => /^[a-z]/.test(r)).sort()).toEqual(Object.keys(SEMANTIC_RULES).sort());
    expect(() => validateApprovals({ approvals: listed.map((rule) => approval({ rule })) })).not.toThrow();
  });

  it.each([
    [
      { approvals: [approval({ rule: 'logical-type-whatever' })] },
      /approvals\[0\]\.rule: "logical-type-whatever" is not a rule/,
    ],
    [{ approvals: [approval({ fingerprint: 'abc' })] }, /approvals\[0\]\.fingerprint: must be sha256:/],
    [{ approvals: [approval({ reason: 'ok' })] }, /approvals\[0\]\.reason: say why/],
    [{ approvals: [approval({ approvedBy: 'me' })] }, /approvals\[0\]\.approvedBy: unknown key/],
    [{ approvals: {} }, /approvals: must be an array/],
  ])('refuses %j naming the entry and key', (json, message) => {
    expect(() => validateApprovals(json)).toThrow(message);
  });

  it('fingerprints the canonical schema: whitespace and key order do not matter, any other change does', () => {
    const a = schemaFingerprint('{"type": "record", "name": "R", "fields": []}');
    expect(schemaFingerprint('{\n  "name": "R",\n  "fields": [],\n  "type": "record"\n}')).toBe(a);
    expect(schemaFingerprint('{"type": "record", "name": "R", "doc": "x", "fields": []}')).not.toBe(a);
    expect(a).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});
