import { loadInventoryConfig } from './config';

test('defaults serve :8003, seed stock, and enable the set-stock test endpoint outside production only', () => {
  expect(loadInventoryConfig({})).toMatchObject({
    port: 8003,
    seedStock: true,
    allowSetStock: true,
    stockCacheTtlSeconds: 30,
  });
  expect(loadInventoryConfig({ ORDERFLOW_ENV: 'production' }).allowSetStock).toBe(false);
  expect(
    loadInventoryConfig({ ORDERFLOW_ENV: 'production', INVENTORY_ALLOW_SET_STOCK: 'true' }).allowSetStock,
  ).toBe(true);
});

test('a bad setting fails naming the variable', () => {
  expect(() => loadInventoryConfig({ STOCK_CACHE_TTL_SECONDS: '0' })).toThrow(
    'STOCK_CACHE_TTL_SECONDS="0" is invalid: out of range 1..86400',
  );
});
