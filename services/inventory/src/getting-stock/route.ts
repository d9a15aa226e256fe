import type { Express } from 'express';
import { ApiError } from '@orderflow/platform';
import type { StockCache } from '../stock-cache';

/** GET /inventory/{sku}: the SKU's available and reserved units (Redis cache-aside), 404 for an unknown SKU (the HTTP kit has checked the SKU's grammar). */
export function gettingStockRoute(app: Express, deps: { cache: StockCache }): void {
  app.get('/inventory/:sku', async (req, res) => {
    const { sku } = req.params;
    const stock = await deps.cache.get(sku);
    if (!stock) throw new ApiError('NOT_FOUND', `no stock record for SKU ${sku}`);
    res.json(stock);
  });
}
