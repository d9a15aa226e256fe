import type { Express } from 'express';
import type pg from 'pg';
import { ApiError, principal, validationFailed } from '@orderflow/platform';
import type { OpenApiValidator } from '../http/openapi-validator';
import type { OrderCache } from '../order-cache';
import { loadOrderViewSql } from '../order-view';

/**
 * GET /orders/{orderId}: the caller's order with its status and timeline, from Redis when cached, else in one
 * SQL statement (bench/reports/read-path.md: a fraction of Prisma's CPU per read). Another
 * customer's order is a 404, like one that does not exist: the answer tells nothing about it.
 */
export function gettingOrderRoute(
  app: Express,
  deps: { reads: Pick<pg.Pool, 'query'>; cache: OrderCache; validator: OpenApiValidator },
): void {
  const op = deps.validator.operation('get', '/orders/{orderId}');
  app.get('/orders/:orderId', async (req, res) => {
    const orderId = req.params.orderId;
    const issues = op.params('path', { orderId });
    if (issues.length > 0) throw validationFailed(issues);
    const { value, hit } = await deps.cache.getOrLoad(orderId, () => loadOrderViewSql(deps.reads, orderId));
    // An order's customer id is its owner: POST /orders refuses any other, and the migration that added
    // owners gave older orders their customer. So a cached view can be checked without another read.
    if (!value || value.customer.id !== principal(res).subject)
      throw new ApiError('NOT_FOUND', `no order ${orderId}`);
    res.setHeader('X-Cache', hit ? 'hit' : 'miss');
    res.json(value);
  });
}
