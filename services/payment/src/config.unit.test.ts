import { ConfigError } from '@orderflow/platform';
import { loadPaymentConfig } from './config';

test('defaults serve the local stack on :8002 with a 1,000,000 minor-unit payment limit', () => {
  expect(loadPaymentConfig({})).toMatchObject({
    port: 8002,
    paymentLimitMinor: 1_000_000,
    databaseUrl: 'postgresql://postgres@127.0.0.1:5432/orderflow_payment',
  });
  expect(loadPaymentConfig({ PAYMENT_LIMIT_MINOR: '250' }).paymentLimitMinor).toBe(250);
});

test('a bad setting fails naming the variable and what to set', () => {
  expect(() => loadPaymentConfig({ PAYMENT_LIMIT_MINOR: 'lots', PORT: '70000' })).toThrow(ConfigError);
  expect(() => loadPaymentConfig({ PAYMENT_LIMIT_MINOR: 'lots' })).toThrow(
    'PAYMENT_LIMIT_MINOR="lots" is invalid: not an integer',
  );
});
