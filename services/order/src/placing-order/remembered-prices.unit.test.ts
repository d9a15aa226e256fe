import { MAX_REMEMBERED_PRICES, RememberedPrices } from './remembered-prices';

/** Prices that remember A at 100 and B at 250 in EUR. */
function rememberingAB(): RememberedPrices {
  const prices = new RememberedPrices();
  prices.remember(
    'EUR',
    ['A', 'B'],
    new Map([
      ['A', 100],
      ['B', 250],
    ]),
  );
  return prices;
}

test('answers only when every SKU is remembered, in the currency asked', () => {
  const prices = rememberingAB();
  expect(prices.get('EUR', ['B', 'A'])).toEqual(
    new Map([
      ['B', 250],
      ['A', 100],
    ]),
  );
  expect(prices.get('EUR', ['A', 'C'])).toBeUndefined();
  expect(prices.get('USD', ['A'])).toBeUndefined();
});

test('a read that no longer finds a SKU forgets it; a new price replaces the old', () => {
  const prices = rememberingAB();
  prices.remember('EUR', ['A', 'B'], new Map([['A', 120]]));
  expect(prices.get('EUR', ['A'])).toEqual(new Map([['A', 120]]));
  expect(prices.get('EUR', ['B'])).toBeUndefined();
});

test(`holds at most ${MAX_REMEMBERED_PRICES} prices: past that it starts again empty`, () => {
  const prices = new RememberedPrices();
  const skus = Array.from({ length: MAX_REMEMBERED_PRICES }, (_, i) => `S${i}`);
  prices.remember('EUR', skus, new Map(skus.map((s) => [s, 1])));
  expect(prices.size).toBe(MAX_REMEMBERED_PRICES);
  prices.remember('EUR', ['NEW'], new Map([['NEW', 5]]));
  expect(prices.size).toBe(1);
  expect(prices.get('EUR', ['S0'])).toBeUndefined();
  expect(prices.get('EUR', ['NEW'])).toEqual(new Map([['NEW', 5]]));
});
