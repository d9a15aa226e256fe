import type { Express } from 'express';
import type { CatalogPriceSet } from '@orderflow/contracts';
import {
  ApiError,
  eventHeaders,
  MAX_UNIT_PRICE_MINOR,
  requestContext,
  type EventCodec,
  type TransactionRunner,
} from '@orderflow/platform';
import { PRICE_COLUMNS, publishPrices } from '../catalog';
import type { Db, Tx } from '../db';
import { integerBody } from '../json-body';
import { fromRow, type CatalogPrice, type PriceRow } from './decide';

// A known SKU only (the stock row exists); an unchanged price is not written, so it bumps no version and
// publishes nothing. Concurrent PUTs of one price queue on its row: each bumps the version it finds.
const SET_PRICE = `
INSERT INTO "sku_prices" ("sku", "currency", "unit_price_minor", "version", "updated_at")
SELECT $1, $2, $3::bigint, 1, now() WHERE EXISTS (SELECT 1 FROM "stock" WHERE "sku" = $1)
ON CONFLICT ("sku", "currency") DO UPDATE
  SET "unit_price_minor" = EXCLUDED."unit_price_minor", "version" = "sku_prices"."version" + 1, "updated_at" = now()
  WHERE "sku_prices"."unit_price_minor" <> EXCLUDED."unit_price_minor"
RETURNING ${PRICE_COLUMNS}`;

/** A price as the inventory API answers it. */
interface PriceView {
  sku: string;
  currency: string;
  unitPriceMinor: number;
  version: number;
  updatedAt: string;
}

function view(p: CatalogPrice): PriceView {
  return {
    sku: p.sku,
    currency: p.currency,
    unitPriceMinor: p.unitPriceMinor,
    version: p.version,
    updatedAt: p.updatedAt.toISOString(),
  };
}

/**
 * PUT /inventory/{sku}/prices/{currency} {unitPriceMinor} (admin): sets a known SKU's price of one unit in
 * one currency and publishes catalog_price_set in the same transaction (the order service charges orders
 * that price from then on); GET /inventory/{sku}/prices: the SKU's prices, every currency.
 */
export function settingPricesRoute(
  app: Express,
  deps: { db: Db; transaction: TransactionRunner<Tx>; catalogPriceSet: EventCodec<CatalogPriceSet> },
): void {
  app.get('/inventory/:sku/prices', async (req, res) => {
    const { sku } = req.params;
    const stock = await deps.db.stock.findUnique({
      where: { sku },
      include: { prices: { orderBy: { currency: 'asc' } } },
    });
    if (!stock) throw new ApiError('NOT_FOUND', `no stock record for SKU ${sku}`);
    res.json({
      sku,
      prices: stock.prices.map((p) =>
        view({
          ...p,
          currency: p.currency.trim(),
          unitPriceMinor: Number(p.unitPriceMinor),
          version: Number(p.version),
        }),
      ),
    });
  });

  app.put('/inventory/:sku/prices/:currency', async (req, res) => {
    const { sku, currency } = req.params;
    const unitPriceMinor = integerBody(req, 'unitPriceMinor', 1, MAX_UNIT_PRICE_MINOR);
    const ctx = requestContext(res);
    const headers = eventHeaders({ correlationId: ctx.correlationId, traceparent: ctx.traceparent });
    const outcome = await deps.transaction(async (tx) => {
      const changed = await tx.$queryRawUnsafe<PriceRow[]>(SET_PRICE, sku, currency, unitPriceMinor);
      const [price] = await publishPrices(tx, deps.catalogPriceSet, changed, headers);
      if (price) return { price, changed: true };
      const [current] = await tx.$queryRawUnsafe<PriceRow[]>(
        `SELECT ${PRICE_COLUMNS} FROM "sku_prices" WHERE "sku" = $1 AND "currency" = $2`,
        sku,
        currency,
      );
      return current && { price: fromRow(current), changed: false };
    });
    if (!outcome)
      throw new ApiError(
        'NOT_FOUND',
        `no stock record for SKU ${sku}; prices are set for SKUs the inventory knows only`,
      );
    const { price, changed } = outcome;
    ctx.log.info(
      { sku, currency, unitPriceMinor, version: price.version, changed },
      changed ? 'price set' : 'price unchanged (nothing published)',
    );
    res.json(view(price));
  });
}
