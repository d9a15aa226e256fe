import type { CatalogPriceSet } from '@orderflow/contracts';
import { newerPrices, unusablePrice } from './decide';

let n = 0;
const priceSet = (over: Partial<CatalogPriceSet> = {}): CatalogPriceSet => ({
  eventId: `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  occurredAt: new Date(1_764_000_000_000 + n),
  sku: 'SKU-1',
  currency: 'EUR',
  unitPriceMinor: 1999,
  version: 1,
  ...over,
});
const summary = (prices: ReturnType<typeof newerPrices>) =>
  prices.map((p) => `${p.sku}:${p.currency}=${p.unitPriceMinor} v${p.version}`);

describe('newerPrices: the highest version of each SKU and currency wins (last writer wins)', () => {
  it('records a price the model does not hold yet', () => {
    expect(summary(newerPrices(new Map(), [priceSet()]))).toEqual(['SKU-1:EUR=1999 v1']);
  });

  it('replaces a stored price only with a higher version', () => {
    const stored = new Map([['SKU-1:EUR', 3]]);
    expect(newerPrices(stored, [priceSet({ version: 2, unitPriceMinor: 1 })])).toEqual([]);
    expect(newerPrices(stored, [priceSet({ version: 3, unitPriceMinor: 1 })])).toEqual([]);
    expect(summary(newerPrices(stored, [priceSet({ version: 4, unitPriceMinor: 2499 })]))).toEqual([
      'SKU-1:EUR=2499 v4',
    ]);
  });

  it('is the same whatever the arrival order within a chunk: the highest version wins', () => {
    const events = [
      priceSet({ version: 2, unitPriceMinor: 2000 }),
      priceSet({ version: 5, unitPriceMinor: 5000 }),
      priceSet({ version: 3, unitPriceMinor: 3000 }),
    ];
    const expected = ['SKU-1:EUR=5000 v5'];
    expect(summary(newerPrices(new Map(), events))).toEqual(expected);
    expect(summary(newerPrices(new Map(), [...events].reverse()))).toEqual(expected);
  });

  it('changes nothing for a duplicate or a replay of what is stored', () => {
    const event = priceSet({ version: 7 });
    expect(newerPrices(new Map([['SKU-1:EUR', 7]]), [event, event])).toEqual([]);
    expect(summary(newerPrices(new Map(), [event, { ...event }]))).toEqual(['SKU-1:EUR=1999 v7']);
  });

  it('keeps SKUs and currencies apart', () => {
    const prices = newerPrices(new Map([['SKU-1:EUR', 9]]), [
      priceSet({ currency: 'USD', unitPriceMinor: 2199 }),
      priceSet({ sku: 'SKU-2', unitPriceMinor: 4500 }),
      priceSet({ version: 2 }),
    ]);
    expect(summary(prices)).toEqual(['SKU-1:USD=2199 v1', 'SKU-2:EUR=4500 v1']);
  });

  it('records when the inventory set the price', () => {
    const event = priceSet();
    expect(newerPrices(new Map(), [event])[0]?.setAt).toEqual(event.occurredAt);
  });
});

describe('unusablePrice: what the consumer dead-letters instead of recording', () => {
  it.each([
    [{ unitPriceMinor: 0 }, /unitPriceMinor 0 is outside 1/],
    [{ unitPriceMinor: -5 }, /outside/],
    [{ unitPriceMinor: 1_000_000_001 }, /outside/],
    [{ version: 0 }, /version 0/],
    [{ currency: 'eur' }, /currency "eur"/],
    [{ sku: '-x' }, /sku "-x"/],
  ])('%j', (over, reason) => {
    expect(unusablePrice(priceSet(over))).toMatch(reason);
  });

  it('accepts a valid price', () => {
    expect(unusablePrice(priceSet({ unitPriceMinor: 1_000_000_000, version: 12 }))).toBeUndefined();
  });
});
