import { compareReplay } from './generator';

// The bench's Idempotency-Key check: two answers to one key may never name two different orders. A request shed
// under load (503 with Retry-After, 429) places nothing, so it is not a violation (the run of 2026-12-02 failed
// the check on pairs of 503s although no arrival had two orders).
test('the same order, a refusal, or a second order', () => {
  expect(compareReplay({ orderId: 'o-1' }, { orderId: 'o-1' })).toBe('same');
  expect(compareReplay({ failure: '503' }, { failure: '503' })).toBe('refused');
  expect(compareReplay({ orderId: 'o-1' }, { failure: '503' })).toBe('refused');
  expect(compareReplay({ failure: 'ECONNRESET' }, { orderId: 'o-1' })).toBe('refused');
  expect(compareReplay({ orderId: 'o-1' }, { orderId: 'o-2' })).toBe('mismatch');
});
