import type { Express } from 'express';
import type { ApiOrderPage } from '@orderflow/contracts';
import { principal, validationFailed } from '@orderflow/platform';
import type { OrderDb } from '../db';
import type { OrderStatus } from '../tracking-saga/decide';
import type { OpenApiValidator } from '../http/openapi-validator';
import { ORDER_VIEW_INCLUDE, toOrderView } from '../order-view';
import { decodeCursor, encodeCursor } from './cursor';

/** GET /orders?status=&limit=&cursor=: the caller's orders, newest first, one page at a time (keyset paging, stable under inserts). */
export function listingOrdersRoute(
  app: Express,
  deps: { prisma: OrderDb; validator: OpenApiValidator },
): void {
  const op = deps.validator.operation('get', '/orders');
  app.get('/orders', async (req, res) => {
    const query: Record<string, unknown> = { ...(req.query as Record<string, unknown>) };
    const issues = op.params('query', query);
    const cursorText = typeof query.cursor === 'string' ? query.cursor : undefined;
    const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
    if (cursorText !== undefined && cursor === undefined && issues.length === 0) {
      issues.push({
        path: 'query.cursor',
        message: 'is not a cursor from a previous page (pass nextCursor unchanged)',
      });
    }
    if (issues.length > 0) throw validationFailed(issues);
    const limit = query.limit as number;
    const status = query.status as OrderStatus | undefined;
    const rows = await deps.prisma.order.findMany({
      where: {
        ownerId: principal(res).subject,
        ...(status === undefined ? {} : { status }),
        ...(cursor === undefined
          ? {}
          : {
              OR: [
                { createdAt: { lt: cursor.createdAt } },
                { createdAt: cursor.createdAt, id: { lt: cursor.id } },
              ],
            }),
      },
      orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      take: limit + 1,
      include: ORDER_VIEW_INCLUDE,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const body: ApiOrderPage = {
      items: page.map(toOrderView),
      nextCursor: rows.length > limit && last ? encodeCursor(last) : null,
    };
    res.json(body);
  });
}
