import type { Express } from 'express';
import { ApiError, requestContext, type TransactionRunner } from '@orderflow/platform';
import type { Tx } from '../db';
import { integerBody } from '../json-body';
import type { StockCache, StockView } from '../stock-cache';

const MAX_UNITS = 1_000_000_000;

function view(row: { sku: string; available: number; reserved: number; updated_at: Date }): StockView {
  return {
    sku: row.sku,
    available: row.available,
    reserved: row.reserved,
    updatedAt: row.updated_at.toISOString(),
  };
}

/**
 * POST /inventory/{sku}/restock {quantity} (adds units to a known SKU) and, when enabled,
 * PUT /inventory/{sku} {available} — a test/demo endpoint that sets a SKU's available units outright
 * (creating the SKU), e.g. to leave exactly 10 units for a concurrency test. Disabled in production.
 */
export function restockingRoute(
  app: Express,
  deps: { cache: StockCache; transaction: TransactionRunner<Tx>; allowSetStock: boolean },
): void {
  const { cache, transaction } = deps;
  app.post('/inventory/:sku/restock', async (req, res) => {
    const { sku } = req.params;
    const quantity = integerBody(req, 'quantity', 1, 1_000_000);
    const rows = await transaction(async (tx) => {
      const updated = await tx.$queryRawUnsafe<
        { sku: string; available: number; reserved: number; updated_at: Date }[]
      >(
        `UPDATE stock SET available = available + $2::int, updated_at = now() WHERE sku = $1 AND available <= $3::int - $2::int RETURNING sku, available, reserved, updated_at`,
        sku,
        quantity,
        MAX_UNITS,
      );
      cache.touch(tx, [sku]);
      return updated;
    });
    const row = rows[0];
    if (!row) {
      const exists = await cache.get(sku);
      if (!exists)
        throw new ApiError('NOT_FOUND', `no stock record for SKU ${sku}; restock adds to known SKUs only`);
      throw new ApiError(
        'CONFLICT',
        `restocking ${quantity} units would take ${sku} above ${MAX_UNITS} available units`,
        { errors: [{ path: '/quantity', message: 'too large for the current stock' }] },
      );
    }
    requestContext(res).log.info({ sku, quantity, available: row.available }, 'restocked');
    res.json(view(row));
  });

  if (!deps.allowSetStock) return;
  app.put('/inventory/:sku', async (req, res) => {
    const { sku } = req.params;
    const available = integerBody(req, 'available', 0, MAX_UNITS);
    const rows = await transaction(async (tx) => {
      const upserted = await tx.$queryRawUnsafe<
        { sku: string; available: number; reserved: number; updated_at: Date }[]
      >(
        `INSERT INTO stock (sku, available, reserved, updated_at) VALUES ($1, $2, 0, now())
         ON CONFLICT (sku) DO UPDATE SET available = EXCLUDED.available, updated_at = now() RETURNING sku, available, reserved, updated_at`,
        sku,
        available,
      );
      cache.touch(tx, [sku]);
      return upserted;
    });
    requestContext(res).log.warn({ sku, available }, 'stock set outright (test endpoint)');
    res.json(view(rows[0]!));
  });
}
