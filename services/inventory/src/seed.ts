import type { Db } from './db';

/**
 * The stock a fresh inventory starts with: five generous SKUs for the happy path, and one scarce SKU
 * so an order for more than 5 units of it goes OUT_OF_STOCK (and is refunded).
 */
export const SEED_STOCK: readonly { sku: string; available: number }[] = [
  { sku: 'SKU-1', available: 1_000_000 },
  { sku: 'SKU-2', available: 1_000_000 },
  { sku: 'SKU-3', available: 1_000_000 },
  { sku: 'SKU-4', available: 1_000_000 },
  { sku: 'SKU-5', available: 1_000_000 },
  { sku: 'SKU-SCARCE', available: 5 },
];

/** Inserts the seed SKUs that do not exist yet; existing stock is never touched. Returns how many were inserted. */
export async function seedStock(db: Db): Promise<number> {
  const { count } = await db.stock.createMany({
    data: SEED_STOCK.map((s) => ({ sku: s.sku, available: s.available })),
    skipDuplicates: true,
  });
  return count;
}
