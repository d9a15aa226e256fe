// The catalog prices this process last read, so a POST can usually skip the price lookup: the order
// statement itself checks that every line's price is still the catalog's (PLACE_ORDER's `priced`), and
// writes nothing when one is not, so a remembered price can make a POST slower (it reads the catalog
// and tries again), never wrong.

/** At most this many (currency, SKU) prices are remembered; past it the memory starts again empty. */
export const MAX_REMEMBERED_PRICES = 50_000;

export class RememberedPrices {
  private readonly prices = new Map<string, number>();

  /** The remembered price of every one of `skus` in `currency`, or undefined when one is not remembered. */
  get(currency: string, skus: readonly string[]): Map<string, number> | undefined {
    const found = new Map<string, number>();
    for (const sku of skus) {
      const price = this.prices.get(`${currency}|${sku}`);
      if (price === undefined) return undefined;
      found.set(sku, price);
    }
    return found;
  }

  /** What a catalog read found for `skus` in `currency` (a SKU it did not find is forgotten). */
  remember(currency: string, skus: readonly string[], found: ReadonlyMap<string, number>): void {
    if (this.prices.size + skus.length > MAX_REMEMBERED_PRICES) this.prices.clear();
    for (const sku of skus) {
      const price = found.get(sku);
      if (price === undefined) this.prices.delete(`${currency}|${sku}`);
      else this.prices.set(`${currency}|${sku}`, price);
    }
  }

  get size(): number {
    return this.prices.size;
  }
}
