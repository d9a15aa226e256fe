// The start-up seed inserts the documented SKUs that are missing and never touches existing stock.
import { scratchDatabase } from '../../../tests/support/scratch-database';
import { createDb } from './db';
import { SEED_STOCK, seedStock } from './seed';

test('seeding inserts the missing SKUs only; stock that exists (e.g. after sales or restocks) is left alone', async () => {
  const scratch = await scratchDatabase('inventory', 'seed');
  const db = createDb(scratch.url);
  try {
    expect(await seedStock(db)).toBe(SEED_STOCK.length);
    const seeded = await db.stock.findMany({ orderBy: { sku: 'asc' } });
    expect(seeded.map((s) => [s.sku, s.available, s.reserved])).toEqual([
      ['SKU-1', 1_000_000, 0],
      ['SKU-2', 1_000_000, 0],
      ['SKU-3', 1_000_000, 0],
      ['SKU-4', 1_000_000, 0],
      ['SKU-5', 1_000_000, 0],
      ['SKU-SCARCE', 5, 0],
    ]);
    await db.stock.update({ where: { sku: 'SKU-SCARCE' }, data: { available: 1, reserved: 4 } });
    await db.stock.delete({ where: { sku: 'SKU-2' } });
    expect(await seedStock(db)).toBe(1);
    expect(await db.stock.findUniqueOrThrow({ where: { sku: 'SKU-SCARCE' } })).toMatchObject({
      available: 1,
      reserved: 4,
    });
    expect(await db.stock.findUniqueOrThrow({ where: { sku: 'SKU-2' } })).toMatchObject({
      available: 1_000_000,
    });
  } finally {
    await db.$disconnect();
    await scratch.drop();
  }
});
