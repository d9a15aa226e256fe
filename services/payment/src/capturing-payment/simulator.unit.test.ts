import { simulateCharge } from './simulator';

const LIMIT = 1_000_000;
const charge = (paymentToken: string | null, amountMinor = 5_000) =>
  simulateCharge({ amountMinor, currency: 'EUR', paymentToken }, LIMIT);

test.each([
  ['tok_decline', 'DECLINED'],
  ['tok_insufficient', 'INSUFFICIENT_FUNDS'],
  ['tok_insufficient_funds', 'INSUFFICIENT_FUNDS'],
  ['tok_limit', 'LIMIT_EXCEEDED'],
])('test token %s is declined %s', (token, reason) => {
  expect(charge(token)).toMatchObject({ approved: false, reason });
});

test('no token or an unknown token is charged; above the limit it is declined LIMIT_EXCEEDED', () => {
  expect(charge(null)).toEqual({ approved: true });
  expect(charge('tok_visa')).toEqual({ approved: true });
  expect(charge('tok_visa', LIMIT + 1)).toMatchObject({ approved: false, reason: 'LIMIT_EXCEEDED' });
});

// One POST /orders with "paymentToken": "constructor" once stopped every payment: the token was looked
// up on a plain object and found Object.prototype.constructor.
test.each([...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__'])])(
  'the token %p is an ordinary unknown token: charged',
  (token) => {
    expect(charge(token)).toEqual({ approved: true });
    expect(charge(token, LIMIT + 1)).toMatchObject({
      approved: false,
      reason: 'LIMIT_EXCEEDED',
      message: `amount ${LIMIT + 1} EUR exceeds the limit of ${LIMIT} minor units`,
    });
  },
);
