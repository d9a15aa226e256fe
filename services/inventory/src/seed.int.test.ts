// The start-up seed inserts the documented SKUs and prices that are missing, publishes catalog_price_set
// for each price it inserted (outbox, same transaction), and never touches existing stock or prices.
import { SchemaRegistryClient } from '@orderflow/codec';
import { catalogPriceSetCodec, Topics } from '@orderflow/contracts';
import { prismaTransactions } from '@orderflow/platform';
import { REGISTRY_URL } from '@orderflow/platform/testing';
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { createDb } from './db';
import { SEED_CURRENCIES, SEED_STOCK, seedStock } from './seed';

test('seeding inserts the missing SKUs and prices only, each new price published; existing stock and prices are left alone', async () => {
  const scratch = await scratchDatabase('inventory', 'seed');
  const db = createDb(scratch.url);
  const codec = catalogPriceSetCodec(new SchemaRegistryClient({ url: REGISTRY_URL }));
  const seed = () => seedStock(prismaTransactions(db), codec);
  const published = () =>
    db.outboxEvent.findMany({ where: { topic: Topics.CatalogPriceSet }, orderBy: { id: 'asc' } });
  try {
    expect(await seed()).toEqual({
      skus: SEED_STOCK.length,
      prices: SEED_STOCK.length * SEED_CURRENCIES.length,
    });
    const seeded = await db.stock.findMany({ orderBy: { sku: 'asc' } });
    expect(seeded.map((s) => [s.sku, s.available, s.reserved])).toEqual([
      ['SKU-1', 1_000_000, 0],
      ['SKU-2', 1_000_000, 0],
      ['SKU-3', 1_000_000, 0],
      ['SKU-4', 1_000_000, 0],
      ['SKU-5', 1_000_000, 0],
      ['SKU-SCARCE', 5, 0],
    ]);
    const prices = await db.skuPrice.findMany({ orderBy: [{ sku: 'asc' }, { currency: 'asc' }] });
    expect(prices.map((p) => `${p.sku} ${p.currency} ${p.unitPriceMinor} v${p.version}`)).toEqual(
      SEED_STOCK.flatMap((s) => [...SEED_CURRENCIES].sort().map((c) => `${s.sku} ${c} ${s.prices[c]} v1`)),
    );
    const events = await published();
    expect(events.map((e) => e.key).sort()).toEqual(prices.map((p) => `${p.sku}:${p.currency}`).sort());
    const first = await codec.decode(Buffer.from(events[0]!.value!));
    const seededFirst = SEED_STOCK.find((s) => s.sku === first.sku)!;
    expect(first).toMatchObject({
      version: 1,
      unitPriceMinor: seededFirst.prices[first.currency as (typeof SEED_CURRENCIES)[number]],
    });

    await db.stock.update({ where: { sku: 'SKU-SCARCE' }, data: { available: 1, reserved: 4 } });
    await db.stock.delete({ where: { sku: 'SKU-2' } }); // its prices go with it (ON DELETE CASCADE)
    await db.skuPrice.update({
      where: { sku_currency: { sku: 'SKU-1', currency: 'EUR' } },
      data: { unitPriceMinor: 2500n, version: 2n },
    });
    expect(await seed()).toEqual({ skus: 1, prices: SEED_CURRENCIES.length });
    expect(await db.stock.findUniqueOrThrow({ where: { sku: 'SKU-SCARCE' } })).toMatchObject({
      available: 1,
      reserved: 4,
    });
    expect(await db.stock.findUniqueOrThrow({ where: { sku: 'SKU-2' } })).toMatchObject({
      available: 1_000_000,
    });
    expect(
      await db.skuPrice.findUniqueOrThrow({ where: { sku_currency: { sku: 'SKU-1', currency: 'EUR' } } }),
    ).toMatchObject({ unitPriceMinor: 2500n, version: 2n });
    expect((await published()).slice(events.length).map((e) => e.key)).toEqual(
      expect.arrayContaining(SEED_CURRENCIES.map((c) => `SKU-2:${c}`)),
    );
  } finally {
    await db.$disconnect();
    await scratch.drop();
  }
});
