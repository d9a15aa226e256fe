import { toProblem } from '@orderflow/platform';
import { orderTotal, priceOrder, pricingRefused, requestFingerprint, type Pricing } from './decide';

describe('placing an order', () => {
  it('totals quantity × unit price in minor units', () => {
    expect(
      orderTotal([
        { quantity: 3, unitPriceMinor: 1999 },
        { quantity: 1, unitPriceMinor: 1 },
      ]),
    ).toBe(5998);
  });

  it('fingerprints a request by content, not key order or spacing', () => {
    const a = requestFingerprint(
      JSON.parse('{"currency":"EUR","lines":[{"sku":"A","quantity":1,"unitPriceMinor":5}]}'),
    );
    const b = requestFingerprint(
      JSON.parse('{ "lines": [ {"unitPriceMinor":5, "quantity":1, "sku":"A"} ], "currency": "EUR" }'),
    );
    expect(a).toBe(b);
    expect(
      requestFingerprint({ currency: 'EUR', lines: [{ sku: 'A', quantity: 2, unitPriceMinor: 5 }] }),
    ).not.toBe(a);
  });
});

describe('pricing an order from the catalog (the client never chooses the price)', () => {
  const catalog = new Map([
    ['SKU-1', 1999],
    ['SKU-2', 4500],
  ]);
  const refused = (p: Pricing) => {
    if (p.kind === 'priced') throw new Error('the order was priced');
    return toProblem(pricingRefused(p), '/orders');
  };

  it('prices lines without a price at the catalog price and totals them', () => {
    expect(
      priceOrder(
        {
          currency: 'EUR',
          lines: [
            { sku: 'SKU-1', quantity: 3 },
            { sku: 'SKU-2', quantity: 1 },
          ],
        },
        catalog,
      ),
    ).toEqual({
      kind: 'priced',
      lines: [
        { sku: 'SKU-1', quantity: 3, unitPriceMinor: 1999 },
        { sku: 'SKU-2', quantity: 1, unitPriceMinor: 4500 },
      ],
      amountMinor: 3 * 1999 + 4500,
    });
  });

  it('accepts a sent price that is the catalog price, and charges exactly that', () => {
    expect(
      priceOrder({ currency: 'EUR', lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1999 }] }, catalog),
    ).toEqual({
      kind: 'priced',
      lines: [{ sku: 'SKU-1', quantity: 2, unitPriceMinor: 1999 }],
      amountMinor: 3998,
    });
  });

  it('refuses a sent price that differs from the catalog (409), naming each line with both prices', () => {
    const pricing = priceOrder(
      {
        currency: 'EUR',
        lines: [
          { sku: 'SKU-1', quantity: 1, unitPriceMinor: 1 },
          { sku: 'SKU-2', quantity: 1 },
          { sku: 'SKU-2', quantity: 1, unitPriceMinor: 0 },
        ],
      },
      catalog,
    );
    expect(pricing).toEqual({
      kind: 'price-changed',
      changes: [
        {
          path: '/lines/0/unitPriceMinor',
          sku: 'SKU-1',
          currency: 'EUR',
          sentUnitPriceMinor: 1,
          currentUnitPriceMinor: 1999,
        },
        {
          path: '/lines/2/unitPriceMinor',
          sku: 'SKU-2',
          currency: 'EUR',
          sentUnitPriceMinor: 0,
          currentUnitPriceMinor: 4500,
        },
      ],
    });
    const problem = refused(pricing);
    expect(problem).toMatchObject({
      type: 'urn:orderflow:problem:price-changed',
      status: 409,
      code: 'PRICE_CHANGED',
      errors: [
        { path: '/lines/0/unitPriceMinor', message: "sent 1, the catalog's price is 1999" },
        { path: '/lines/2/unitPriceMinor', message: "sent 0, the catalog's price is 4500" },
      ],
      priceChanges: [
        { path: '/lines/0/unitPriceMinor', sentUnitPriceMinor: 1, currentUnitPriceMinor: 1999 },
        { path: '/lines/2/unitPriceMinor', sentUnitPriceMinor: 0, currentUnitPriceMinor: 4500 },
      ],
    });
    expect(problem.detail).toContain('SKU-1 is 1999, not 1');
  });

  it('refuses a SKU without a price in the order currency (422), naming the line, before any price check', () => {
    const pricing = priceOrder(
      {
        currency: 'EUR',
        lines: [
          { sku: 'SKU-1', quantity: 1, unitPriceMinor: 5 },
          { sku: 'NEW-1', quantity: 1 },
        ],
      },
      catalog,
    );
    expect(pricing).toEqual({
      kind: 'not-priced',
      currency: 'EUR',
      unpriced: [{ path: '/lines/1/sku', sku: 'NEW-1' }],
    });
    expect(refused(pricing)).toMatchObject({
      type: 'urn:orderflow:problem:sku-not-priced',
      status: 422,
      code: 'SKU_NOT_PRICED',
      errors: [{ path: '/lines/1/sku', message: 'has no price in EUR' }],
    });
  });

  it('looks prices up in the catalog of the request currency only (the caller passes that one)', () => {
    expect(priceOrder({ currency: 'JPY', lines: [{ sku: 'SKU-1', quantity: 1 }] }, new Map())).toMatchObject({
      kind: 'not-priced',
      currency: 'JPY',
    });
  });

  it('never reads an inherited property as a price', () => {
    expect(priceOrder({ currency: 'EUR', lines: [{ sku: 'constructor', quantity: 1 }] }, catalog).kind).toBe(
      'not-priced',
    );
  });

  it('lists at most 20 price changes in the problem, like errors', () => {
    const many = Array.from({ length: 30 }, () => ({ sku: 'SKU-1', quantity: 1, unitPriceMinor: 7 }));
    const problem = refused(priceOrder({ currency: 'EUR', lines: many }, catalog));
    expect((problem.priceChanges as unknown[]).length).toBe(20);
    expect(problem).toMatchObject({ errorCount: 30, errorsTruncated: true });
  });
});
