import { orderTotal, requestFingerprint } from './decide';

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
